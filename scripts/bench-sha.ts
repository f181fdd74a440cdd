// Benchmark: SHA-256 speed of dmnative (every path this CPU has: x86 SHA-NI / ARMv8 CE / portable C) on host qjs,
// against coreutils sha256sum, `openssl dgst -sha256` (when installed; on x86 also with its SHA-NI use masked by
// OPENSSL_ia32cap, the fair comparison for dmnative's portable path) and node:crypto, on one random file.
// Prints a Markdown table (MB/s = 10^6 bytes per second; best of --runs, default 3) with ratios to sha256sum.
// Usage: npx tsx scripts/bench-sha.ts [MiB=256] [--runs N]
// The file is read from the page cache (it is read once first), so every row measures hashing, not the disk; but
// the last two, the read-back from the medium (fromMedium, platform/quickjs/medium-hash.ts) in one call and in
// 4 MiB steps, read every byte from the device of tmpdir.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { bundleForQjs, qjsCommand, qjsSkipReason, ensureQjs } from '../test/support/qjs.js';

interface Row {
  hasher: string;
  path: string;
  mbps: number;
  digest: string;
}

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Best wall time of `runs` runs of a command whose stdout starts with the hex digest. */
function timeCommand(cmd: string, args: string[], runs: number, env?: NodeJS.ProcessEnv): { seconds: number; digest: string } {
  let best = Infinity;
  let digest = '';
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { env: env ?? process.env, maxBuffer: 1 << 20 });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    digest = /([0-9a-f]{64})/.exec(r.stdout.toString())?.[1] ?? '';
    best = Math.min(best, s);
  }
  return { seconds: best, digest };
}

/** The file system and device of a directory, as `df` names them ("ext4 /dev/vda"). */
function fsOf(dir: string): string {
  const r = spawnSync('df', ['-T', dir]);
  const f = r.status === 0 ? r.stdout.toString().trim().split('\n').pop()?.split(/\s+/) : undefined;
  return f && f.length > 1 ? `${f[1]} ${f[0]}` : 'file system unknown';
}

async function main() {
  const argv = process.argv.slice(2);
  const runsAt = argv.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 3;
  const mib = Number(argv.find((a, i) => /^\d+$/.test(a) && argv[i - 1] !== '--runs') ?? '256');
  if (!(mib > 0) || !(runs > 0)) {
    console.error('usage: scripts/bench sha [MiB=256] [--runs N]');
    process.exit(2);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-bench-sha-'));
  try {
    const file = path.join(dir, 'image.bin');
    const fd = openSync(file, 'w');
    const block = randomBytes(1 << 20);
    for (let i = 0; i < mib; i++) {
      block[0] = i & 0xff;
      writeSync(fd, block);
    }
    closeSync(fd);
    const data = readFileSync(file); // also puts the file in the page cache
    const bytes = data.length;
    const want = createHash('sha256').update(data).digest('hex');
    const rows: Row[] = [];
    let readBack: (() => void) | null = null;

    // dmnative on host qjs: each path in memory (sha256Update over the whole buffer) and through sha256File
    const skip = qjsSkipReason('host');
    if (skip) {
      console.error(`qjs skipped: ${skip}`);
    } else {
      ensureQjs('host');
      const probe = await bundleForQjs('platform/quickjs/probe-sha256.ts', path.join(dir, 'probe-sha256.js'));
      const [cmd, ...pre] = qjsCommand('host');
      const best = new Map<string, { memory: number; file: number; steps?: number; stepsDigest?: string; digest: string }>();
      for (let i = 0; i < runs; i++) {
        const r = spawnSync(cmd, [...pre, '-m', probe, 'speed', file], { maxBuffer: 1 << 20 });
        if (r.status !== 0) throw new Error(`qjs probe speed exited ${r.status}: ${r.stdout} ${r.stderr}`);
        const out = JSON.parse(r.stdout.toString()) as {
          bytes: number;
          results: { impl: string; memoryMBps: number; fileMBps: number; stepsMBps?: number; stepsDigest?: string; digest: string }[];
        };
        for (const x of out.results) {
          const b = best.get(x.impl) ?? { memory: 0, file: 0, digest: x.digest };
          // the probe divides by 10^6 bytes already; its MB/s come from whole milliseconds
          const steps = x.stepsMBps === undefined ? undefined : Math.max(b.steps ?? 0, x.stepsMBps);
          best.set(x.impl, { memory: Math.max(b.memory, x.memoryMBps), file: Math.max(b.file, x.fileMBps), steps, stepsDigest: x.stepsDigest, digest: x.digest });
        }
      }
      for (const [impl, b] of best) {
        rows.push({ hasher: 'dmnative (qjs), in memory', path: impl, mbps: b.memory, digest: b.digest });
        rows.push({ hasher: 'dmnative (qjs), sha256File', path: impl, mbps: b.file, digest: b.digest });
        // the read-back's steps (platform/quickjs/medium-hash.ts), here from the page cache like the rows above
        if (b.steps !== undefined) rows.push({ hasher: 'dmnative (qjs), sha256UpdateFile in 4 MiB steps', path: impl, mbps: b.steps, digest: b.stepsDigest ?? '' });
      }
      // The read-back from the medium (fromMedium: every byte from the device), one call against the steps that
      // report progress; last, since it leaves the file out of the page cache the other rows hash from.
      readBack = () => {
        const rb = spawnSync(cmd, [...pre, '-m', probe, 'readback', file, String(runs)], { maxBuffer: 1 << 20 });
        if (rb.status !== 0) throw new Error(`qjs probe readback exited ${rb.status}: ${rb.stdout} ${rb.stderr}`);
        const back = JSON.parse(rb.stdout.toString()) as { oneCallMBps: number; stepsMBps: number; digests: string[] };
        rows.push({ hasher: `dmnative (qjs), read-back from the medium (${fsOf(dir)}), one sha256File call`, path: 'auto', mbps: back.oneCallMBps, digest: back.digests[0] });
        rows.push({ hasher: `dmnative (qjs), read-back from the medium (${fsOf(dir)}), 4 MiB steps`, path: 'auto', mbps: back.stepsMBps, digest: back.digests[1] });
      };
    }

    const sum = timeCommand('sha256sum', [file], runs);
    rows.push({ hasher: 'sha256sum (coreutils)', path: 'its own C', mbps: bytes / 1e6 / sum.seconds, digest: sum.digest });
    if (has('openssl')) {
      const o = timeCommand('openssl', ['dgst', '-sha256', file], runs);
      rows.push({ hasher: 'openssl dgst -sha256', path: 'best the CPU has', mbps: bytes / 1e6 / o.seconds, digest: o.digest });
      if (process.arch === 'x64') {
        // OPENSSL_ia32cap: the word after ':' is CPUID leaf 7 EBX (low half); ~bit 29 hides SHA-NI from OpenSSL
        const m = timeCommand('openssl', ['dgst', '-sha256', file], runs, { ...process.env, OPENSSL_ia32cap: ':~0x20000000' });
        rows.push({ hasher: 'openssl dgst -sha256', path: 'SHA-NI masked', mbps: bytes / 1e6 / m.seconds, digest: m.digest });
      }
    }
    let nodeBest = Infinity;
    let nodeDigest = '';
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      nodeDigest = createHash('sha256').update(data).digest('hex');
      nodeBest = Math.min(nodeBest, Number(process.hrtime.bigint() - t0) / 1e9);
    }
    rows.push({ hasher: `node:crypto (Node ${process.version}), in memory`, path: 'OpenSSL in Node', mbps: bytes / 1e6 / nodeBest, digest: nodeDigest });

    if (readBack) (readBack as () => void)();

    const bad = rows.filter((r) => r.digest !== want);
    const base = bytes / 1e6 / sum.seconds;
    console.log(`SHA-256 of ${mib} MiB (best of ${runs}; MB/s = 10^6 B/s; shared machine, noisy)\n`);
    console.log('| hasher | path | MB/s | × sha256sum |');
    console.log('|---|---|---:|---:|');
    for (const r of rows) console.log(`| ${r.hasher} | ${r.path} | ${r.mbps.toFixed(0)} | ${(r.mbps / base).toFixed(2)} |`);
    if (bad.length) {
      console.error(`wrong digests: ${bad.map((r) => `${r.hasher} ${r.path}`).join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
