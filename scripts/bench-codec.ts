// Codec benchmark: `npx tsx scripts/bench-codec.ts [--ms N]` (`scripts/bench codec`). Measures our decoders and
// encoders on the vector corpus (scripts/bench-codec-core.ts) on Node and on host qjs, and libwbxml 0.11.8 in process
// on the same files in the same run (scripts/bench-codec.c, compiled here with gcc + pkg-config libwbxml2); prints one
// Markdown table with MB/s and the ratios ours/libwbxml by wall time and by CPU time, and the size of the
// docs/protocol.md §1.13 client-initiated package 1 in XML, our WBXML and libwbxml's WBXML.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchFile, type BenchRow, runCodecBench } from './bench-codec-core.js';
import { decodeXml, encodeWbxml, encodeXml } from '../src/syncml/index.js';
import { utf8Encode } from '../src/bytes.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const vectorsDir = path.resolve(repoRoot, '../shared/vectors');
const msArg = process.argv.indexOf('--ms');
const minMs = msArg >= 0 ? Number(process.argv[msArg + 1]) : 2000;

function walk(dir: string, out: string[]): string[] {
  if (!existsSync(dir)) return out;
  for (const n of readdirSync(dir).sort()) {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

if (!existsSync(vectorsDir)) {
  console.log(`vectors not found at ${vectorsDir}`);
  process.exit(2);
}
// Corpus: every WBXML vector (decoders); for the encoders, the XML sources of the libwbxml-generated pairs, i.e.
// the well-formed full documents libwbxml can encode (DM messages, plus the DDF files).
const all = walk(vectorsDir, []);
const wbxmlFiles = all.filter((p) => p.endsWith('.wbxml'));
const xmlFiles: string[] = [];
for (const p of all.filter((x) => x.endsWith('.n-v12.wbxml'))) {
  const dir = path.basename(path.dirname(p)).replace('_', '/');
  const stem = path.basename(p).replace(/\.n-v12\.wbxml$/, '');
  for (const ext of ['.xml', '.ddf']) {
    const src = path.join(vectorsDir, dir, stem + ext);
    if (existsSync(src)) xmlFiles.push(src);
  }
}
const files: BenchFile[] = [];
for (const p of wbxmlFiles) files.push({ name: p, bytes: new Uint8Array(readFileSync(p)), kind: 'wbxml' });
for (const p of xmlFiles) files.push({ name: p, bytes: new Uint8Array(readFileSync(p)), kind: 'xml' });

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const ours = runCodecBench(files, { minMs, now: () => performance.now(), cpu: cpuNow });

// The same measurement on our QuickJS build (host), when it is there.
let qjsRows: BenchRow[] = [];
let qjsNote = '';
try {
  const qjs = path.join(repoRoot, 'build/qjs/x86_64/qjs');
  if (!existsSync(qjs)) throw new Error('build/qjs/x86_64/qjs missing (run scripts/build-qjs)');
  const { build } = await import('esbuild');
  const bundle = path.join(repoRoot, '.tmp/bench-codec-qjs.js');
  await build({ entryPoints: [path.join(repoRoot, 'scripts/bench-codec-qjs.ts')], outfile: bundle, bundle: true, format: 'esm', target: 'es2020', platform: 'neutral', mainFields: ['module', 'main'], external: ['std', 'os', 'dmnative'], minify: true, logLevel: 'silent' });
  const listFile = path.join(repoRoot, '.tmp/bench-codec-list.json');
  writeFileSync(listFile, JSON.stringify(files.map((f) => ({ name: f.name, kind: f.kind }))));
  qjsRows = JSON.parse(execFileSync(qjs, ['-m', bundle, listFile, String(minMs)], { maxBuffer: 1 << 26 }).toString()) as BenchRow[];
} catch (e) {
  qjsNote = `qjs column unavailable: ${(e as Error).message.split('\n')[0]}`;
}

// libwbxml, in process.
const tmp = path.join(repoRoot, '.tmp');
mkdirSync(tmp, { recursive: true });
const exe = path.join(tmp, 'bench-codec');
let lib: Record<string, { mbPerS: number; cpuMbPerS: number; failures: number }> = {};
let libNote = '';
try {
  const flags = execFileSync('pkg-config', ['--cflags', '--libs', 'libwbxml2']).toString().trim().split(/\s+/);
  execFileSync('gcc', ['-O2', '-o', exe, path.join(repoRoot, 'scripts/bench-codec.c'), ...flags], { stdio: 'inherit' });
  const out = execFileSync(exe, [String(minMs), ...wbxmlFiles, ...xmlFiles]).toString();
  for (const line of out.trim().split('\n')) {
    const [op, bytes, ms, , failures, allBytes, cpuMs] = line.split(' ');
    lib[op] = { mbPerS: Number(bytes) / 1e6 / (Number(ms) / 1000), cpuMbPerS: Number(allBytes) / 1e6 / (Number(cpuMs) / 1000), failures: Number(failures) };
  }
} catch (e) {
  libNote = `libwbxml harness unavailable: ${(e as Error).message.split('\n')[0]}`;
  lib = {};
}

console.log(`Codec benchmark, Node ${process.version}, ${wbxmlFiles.length} WBXML files, ${xmlFiles.length} XML files, >= ${minMs} ms per row, MB/s\n`);
// Each of our rows is compared with the libwbxml conversion in the same direction: decoders (WBXML in) with
// wbxml2xml, encoders (WBXML out) with xml2wbxml. Ratio = our MB/s / libwbxml's MB/s, by wall time and by CPU time.
const libFor: Record<string, string> = { 'wbxml->xml': 'wbxml2xml', 'wbxml->xmlstr': 'wbxml2xml', 'wbxml->model': 'wbxml2xml', 'xml->wbxml': 'xml2wbxml', 'model->wbxml': 'xml2wbxml' };
const f1 = (x: number | undefined, d: number) => (x === undefined || !(x > 0) ? '-' : x.toFixed(d));
const ratio = (a: number | undefined, b: number | undefined) => (a && b ? (a / b).toFixed(2) + 'x' : '-');
console.log('| operation | what | Node wall | Node CPU | qjs wall | qjs CPU | libwbxml wall | libwbxml CPU | Node/lib wall | Node/lib CPU | qjs/lib wall | qjs/lib CPU |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of ours as BenchRow[]) {
  const l = libFor[r.op] ? lib[libFor[r.op]] : undefined;
  const q = qjsRows.find((x) => x.op === r.op);
  console.log(
    `| ${r.op} | ${r.what} | ${f1(r.mbPerS, 1)} | ${f1(r.cpuMbPerS, 1)} | ${f1(q && q.mbPerS, 2)} | ${f1(q && q.cpuMbPerS, 2)} | ${f1(l && l.mbPerS, 1)} | ${f1(l && l.cpuMbPerS, 1)} | ` +
      `${ratio(r.mbPerS, l && l.mbPerS)} | ${ratio(r.cpuMbPerS, l && l.cpuMbPerS)} | ${ratio(q && q.mbPerS, l && l.mbPerS)} | ${ratio(q && q.cpuMbPerS, l && l.cpuMbPerS)} |`,
  );
}
if (qjsNote) console.log(qjsNote);
if (libNote) console.log(libNote);
for (const k of Object.keys(lib)) if (lib[k].failures) console.log(`note: libwbxml ${k} failed on ${lib[k].failures} conversions`);
console.log('(MB/s = input megabytes per second: WBXML bytes for decoding, XML bytes for encoding; wall = best of 7 rounds, CPU = all 7 rounds over the process CPU time)');

// Size of the docs/protocol.md §1.13 package 1.
const digest = path.resolve(repoRoot, 'docs/protocol.md');
if (existsSync(digest)) {
  const text = readFileSync(digest, 'utf8');
  const start = text.indexOf("```xml\n<SyncML xmlns='SYNCML:SYNCML1.2'>");
  const xml = text.slice(start + 7, text.indexOf('```', start + 7));
  const model = decodeXml(xml);
  const compact = encodeXml(model);
  const ourW = encodeWbxml(model);
  const ourWt = encodeWbxml(model, { stringTable: true });
  const xmlPath = path.join(tmp, 'pkg1.xml');
  writeFileSync(xmlPath, compact);
  let libSize = '-';
  try {
    libSize = execFileSync(exe, ['--size', xmlPath]).toString().trim();
  } catch (e) {
    // harness unavailable
  }
  console.log('\ndocs/protocol.md §1.13 client-initiated package 1:');
  console.log(`  XML as printed in docs/protocol.md:       ${utf8Encode(xml).length} B`);
  console.log(`  XML from encodeXml (compact):            ${utf8Encode(compact).length} B`);
  console.log(`  our WBXML (1.2, numeric id, no strtbl):  ${ourW.length} B`);
  console.log(`  our WBXML with string table:             ${ourWt.length} B`);
  console.log(`  libwbxml WBXML (xml2wbxml -n -v 1.2):    ${libSize} B`);
}
