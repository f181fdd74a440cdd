// Longer fuzz run of the SyncML/WBXML decoders: `npx tsx scripts/fuzz.ts --cases N [--seed S]`.
// Prints cases, crashes (non-WbxmlError/SyncmlError exceptions), max ms per case and peak RSS; exit 1 on any crash.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileSync, mkdirSync } from 'node:fs';
import { runFuzz } from './fuzz-core.js';
import { loadSeeds } from './fuzz-seeds.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : dflt;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const vectorsDir = path.resolve(repoRoot, '../shared/vectors');
const cases = arg('--cases', 100000);
const seed = arg('--seed', Date.now() % 0x7fffffff);
const seeds = loadSeeds(vectorsDir);
if (seeds.length === 0) {
  console.log(`no seeds: ${vectorsDir} not found`);
  process.exit(2);
}
let peakRss = process.memoryUsage().rss;
const t0 = Date.now();
const res = runFuzz(seeds, {
  cases,
  seed,
  now: () => performance.now(),
  progress: (n) => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (n % 10000 === 0) process.stderr.write(`  ${n} cases, ${res0()} \n`);
  },
});
function res0(): string {
  return `${((Date.now() - t0) / 1000).toFixed(1)} s`;
}
peakRss = Math.max(peakRss, process.memoryUsage().rss);
console.log(`fuzz: seed ${seed}, ${seeds.length} seed inputs`);
console.log(`cases:        ${res.cases}`);
console.log(`accepted:     ${res.accepted}`);
console.log(`typed errors: ${res.typedErrors}`);
console.log(`crashes:      ${res.crashes.length}`);
console.log(`max ms/case:  ${res.maxMs.toFixed(2)} (${res.slowest})`);
console.log(`cases >50 ms: ${res.over50ms} (first run: ${res.firstRunOver50ms}, re-measured twice: GC/JIT pauses are not the input's cost)`);
console.log(`peak RSS:     ${(peakRss / 1048576).toFixed(1)} MiB`);
console.log(`wall time:    ${res0()}`);
if (res.slowestInput) {
  const dir = path.join(repoRoot, '.tmp');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, res.slowestXml ? 'fuzz-slowest.xml' : 'fuzz-slowest.wbxml'), res.slowestInput);
}
if (res.crashes.length) {
  const dir = path.join(repoRoot, '.tmp', 'fuzz-crashes');
  mkdirSync(dir, { recursive: true });
  res.crashes.slice(0, 20).forEach((c, i) => {
    writeFileSync(path.join(dir, `crash-${i}.bin`), c.input);
    console.log(`  crash ${i}: ${c.seed} ${c.mutation}: ${c.error}`);
  });
  console.log(`inputs written to ${dir}`);
  process.exit(1);
}
