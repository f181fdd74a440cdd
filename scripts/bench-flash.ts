// Benchmark of the update pipeline (issue 18): download + SHA-256 + write of an image into a slot, against the shell
// anchor `curl | tee >(sha256sum) | dd conv=fsync`, for several image sizes in one invocation.
//
//   npx tsx scripts/bench-flash.ts [--mib 64,256] [--runs 3] [--writer file,uboot-ab] [--runtimes node,qjs] [--dir /var/tmp]
//   (scripts/bench flash ...; `scripts/bench update` is the same benchmark)
//
// Each image is random data in a file under --dir (a real disk directory, not tmpfs: its file system is printed),
// served from that file by scripts/bench-flash/image-server.mjs, a process of its own (its RSS is not the agent's).
// Per size and run, interleaved, after dropping the image's pages from the page cache (`dd iflag=nocache count=0`,
// posix_fadvise DONTNEED; see dropImagePages for why not the whole cache):
//   pipeline  bash: curl -s URL | tee >(sha256sum > h) | dd of=SLOT bs=1M conv=fsync status=none
//   node      a child `node` running an esbuild bundle of scripts/bench-flash/node-entry.ts: FumoEngine
//             DownloadAndUpdate over the real Node FUMO ports (platform/node/fumo.ts) into the writer (file, or
//             uboot-ab with file slots and a file-backed fw_env driven by the real fw_setenv)
//   qjs       the same job bundled for our host qjs (scripts/bench-flash/qjs-entry.ts) over the QuickJS ports (curl)
// Seconds: the pipeline's wall time; the agent's job from Exec to its end (Activate + reboot asked, or the result
// report stored), measured inside. Peak RSS: VmHWM of the main process (polled from outside every 10 ms, and read
// inside at the job's end), and separately of its children (curl under qjs); GNU time %M (the largest member of the
// process tree) is printed too. Read back: /proc/self/io read_bytes over the job (bytes read from the device; it
// includes the children the agent reaped during the job, e.g. curl).
// Every run is checked: the slot must hold the image (SHA-256) and the agent must end with result 200 / a reboot.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { FwEnv, writeFileEnvConfig } from '../platform/node/flash/fw-env.js';
import { bundleForQjs, ensureQjsAsync, qjsSkipReason } from '../test/support/qjs.js';
import type { FlashJobArgs, FlashJobResult } from './bench-flash/job.js';
import { childrenOf } from './lib/proc.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MiB = 1 << 20;
const say = (s = '') => process.stdout.write(s + '\n');

class UsageError extends Error {}

function option(name: string, def: string): string {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(name);
  if (i < 0) return def;
  const v = argv[i + 1];
  if (v === undefined || v.indexOf('--') === 0) throw new UsageError(`${name} needs a value`);
  return v;
}

function listOption<T extends string>(name: string, def: string, allowed: readonly T[]): T[] {
  const items = option(name, def).split(',').filter((x) => x !== '');
  for (const x of items) if (allowed.indexOf(x as T) < 0) throw new UsageError(`${name}: unknown '${x}' (one of ${allowed.join(', ')})`);
  if (items.length === 0) throw new UsageError(`${name} is empty`);
  return items as T[];
}

function positiveInts(name: string, def: string): number[] {
  return option(name, def)
    .split(',')
    .map((x) => {
      const n = Number(x);
      if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${name}: '${x}' is not a positive whole number`);
      return n;
    });
}

// ---------------------------------------------------------------------------------------------------------------
// Processes measured from outside


function vmHwmKiB(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function comm(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

interface Measured {
  code: number;
  stdout: string;
  stderr: string;
  wallSeconds: number;
  /** VmHWM of the measured process itself (the child of GNU time). */
  mainKiB: number;
  /** Largest VmHWM among its descendants, and their names. */
  childKiB: number;
  children: Set<string>;
  /** GNU time %M: ru_maxrss of the tree, i.e. its largest member. */
  treeKiB: number;
}

/** Runs argv under GNU time and polls VmHWM (the kernel's own peak) of the process and its descendants every 10 ms. */
function measure(argv: string[]): Promise<Measured> {
  const tfile = path.join(work, `time-${process.hrtime.bigint()}`);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const c = spawn('/usr/bin/time', ['-f', '%M', '-o', tfile, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (b: Buffer) => (stdout += b));
    c.stderr.on('data', (b: Buffer) => (stderr += b));
    let mainKiB = 0;
    let childKiB = 0;
    const children = new Set<string>();
    const poll = setInterval(() => {
      for (const main of childrenOf(c.pid!)) {
        mainKiB = Math.max(mainKiB, vmHwmKiB(main));
        const stack = childrenOf(main);
        while (stack.length) {
          const p = stack.pop()!;
          childKiB = Math.max(childKiB, vmHwmKiB(p));
          const n = comm(p);
          if (n) children.add(n);
          stack.push(...childrenOf(p));
        }
      }
    }, 10);
    c.on('error', reject);
    c.on('close', (code) => {
      clearInterval(poll);
      const wallSeconds = (performance.now() - t0) / 1000;
      let treeKiB = 0;
      try {
        const lines = readFileSync(tfile, 'utf8').trim().split('\n');
        treeKiB = Number(lines[lines.length - 1]) || 0;
        rmSync(tfile, { force: true });
      } catch {
        // GNU time wrote nothing: the command could not start (stderr says why)
      }
      resolve({ code: code === null ? -1 : code, stdout, stderr, wallSeconds, mainKiB, childKiB, children, treeKiB });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Set-up

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file, { highWaterMark: MiB })
      .on('data', (b) => h.update(b))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

/** Random data, written 1 MiB at a time (the bench itself holds no image in memory). */
function makeImage(file: string, mib: number): string {
  const h = createHash('sha256');
  const fd = openSync(file, 'w');
  for (let i = 0; i < mib; i++) {
    const block = randomBytes(MiB);
    h.update(block);
    writeSync(fd, block);
  }
  closeSync(fd);
  return h.digest('hex');
}

interface ImageServer {
  url: string;
  stop(): void;
}

function startImageServer(file: string): Promise<ImageServer> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [path.join(root, 'scripts/bench-flash/image-server.mjs'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
    c.on('error', reject);
    c.stdout.once('data', (b: Buffer) => {
      const port = Number(b.toString().trim());
      if (!(port > 0)) reject(new Error(`image server printed no port: ${b.toString()}`));
      resolve({ url: `http://127.0.0.1:${port}/${path.basename(file)}`, stop: () => c.kill('SIGTERM') });
    });
  });
}

/**
 * The image's pages out of the page cache before a run, so the server reads it from disk as a real server would.
 * Only that file: dropping the whole cache (/proc/sys/vm/drop_caches) would also evict curl's, fw_printenv's and the
 * runtimes' own code, whose re-reading from disk then lands in the agent's read_bytes (the kernel adds a reaped
 * child's I/O counts to its parent's /proc/<pid>/io) and in its seconds. Slots and staging files are new each run.
 */
function dropImagePages(image: string): void {
  spawnSync('sync', [image]);
  // GNU dd: iflag=nocache with count=0 advises POSIX_FADV_DONTNEED over the whole file.
  const r = spawnSync('dd', [`if=${image}`, 'iflag=nocache', 'count=0', 'status=none']);
  if (r.status !== 0) throw new Error(`dd iflag=nocache failed on ${image}: ${r.stderr.toString().trim()}`);
}

async function bundles(runtimes: string[]): Promise<{ node?: string; qjs?: string; qjsSkip?: string }> {
  const dir = path.join(root, 'build/bench-flash');
  mkdirSync(dir, { recursive: true });
  const out: { node?: string; qjs?: string; qjsSkip?: string } = {};
  if (runtimes.indexOf('node') >= 0) {
    out.node = path.join(dir, 'node-entry.mjs');
    // As scripts/build.mjs builds dist/node/cli.js: one ESM file, dependencies from node_modules.
    await build({
      entryPoints: [path.join(root, 'scripts/bench-flash/node-entry.ts')],
      outfile: out.node,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node18',
      packages: 'external',
      logLevel: 'warning',
    });
  }
  if (runtimes.indexOf('qjs') >= 0) {
    const skip = qjsSkipReason('host');
    if (skip) out.qjsSkip = skip;
    else {
      const q = await ensureQjsAsync('host');
      if (!q.path) out.qjsSkip = q.skip;
      else {
        out.qjs = q.path;
        await bundleForQjs('scripts/bench-flash/qjs-entry.ts', path.join(dir, 'qjs-entry.js'));
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Runs

type Writer = 'file' | 'uboot-ab';
type Runtime = 'node' | 'qjs';

interface Sample {
  seconds: number;
  wallSeconds: number;
  peakKiB: number;
  childKiB: number;
  children: string[];
  treeKiB: number;
  readBytes: number | null;
  writeBytes: number | null;
}

interface Size {
  mib: number;
  image: string;
  digest: string;
  server: ImageServer;
}

/** A fresh slot directory: no slot file, and for uboot-ab an env that says slot A runs (fw_env over two files). */
async function freshSlots(name: string, writer: Writer | 'pipeline'): Promise<{ dir: string; target: string; job?: FlashJobArgs['writer'] }> {
  const dir = path.join(work, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'state'), { recursive: true });
  if (writer !== 'uboot-ab') {
    const target = path.join(dir, 'slot.img');
    return { dir, target, job: { type: 'file', path: target } };
  }
  const envConfig = path.join(dir, 'fw_env.config');
  for (const c of ['env0', 'env1']) writeFileSync(path.join(dir, c), Buffer.alloc(0x4000));
  writeFileEnvConfig(envConfig, path.join(dir, 'env0'), path.join(dir, 'env1'));
  // fw_setenv reads a default env when both copies are blank (a freshly made device).
  const defaultEnv = path.join(dir, 'default.env');
  writeFileSync(defaultEnv, 'dm_slot=A\ndm_A_ok=1\ndm_B_ok=0\nbootlimit=3\n');
  const env = new FwEnv({ config: envConfig, defaultEnv });
  await env.write({ dm_slot: 'A', dm_A_ok: '1', dm_B_ok: '0', bootlimit: '3', upgrade_available: '0', bootcount: '0' });
  const cmdline = path.join(dir, 'cmdline');
  writeFileSync(cmdline, 'console=ttyS0 root=/dev/slotA dm.slot=A\n');
  const slotA = path.join(dir, 'slotA.img');
  writeFileSync(slotA, Buffer.alloc(4096));
  const slotB = path.join(dir, 'slotB.img');
  return { dir, target: slotB, job: { type: 'uboot-ab', slotA, slotB, envConfig, cmdline } };
}

async function runPipeline(s: Size): Promise<Sample> {
  const { dir, target } = await freshSlots('pipeline', 'pipeline');
  const h = path.join(dir, 'h');
  const script = `set -o pipefail; curl -s "$1" | tee >(sha256sum > "$2") | dd of="$3" bs=1M conv=fsync status=none; wait $!`;
  const m = await measure(['bash', '-c', script, 'pipeline', s.server.url, h, target]);
  if (m.code !== 0) throw new Error(`pipeline exited ${m.code}: ${m.stderr.trim()}`);
  const got = readFileSync(h, 'utf8').split(' ')[0];
  if (got !== s.digest) throw new Error(`pipeline: sha256sum printed ${got}, the image is ${s.digest}`);
  if ((await sha256File(target)) !== s.digest) throw new Error('pipeline: the slot does not hold the image');
  return { seconds: m.wallSeconds, wallSeconds: m.wallSeconds, peakKiB: m.treeKiB, childKiB: m.childKiB, children: [...m.children], treeKiB: m.treeKiB, readBytes: null, writeBytes: null };
}

async function runAgent(rt: Runtime, writer: Writer, s: Size, b: { node?: string; qjs?: string }): Promise<Sample> {
  const { dir, target, job } = await freshSlots(`${rt}-${writer}`, writer);
  const args: FlashJobArgs = { url: s.server.url, sha256: s.digest, dir, writer: job! };
  const argv = rt === 'node' ? [process.execPath, b.node!, JSON.stringify(args)] : [b.qjs!, '-m', path.join(root, 'build/bench-flash/qjs-entry.js'), JSON.stringify(args)];
  const m = await measure(argv);
  const line = m.stdout.trim().split('\n').pop() || '';
  if (m.code !== 0 || line.indexOf('{') !== 0) throw new Error(`${rt} ${writer} exited ${m.code}: ${m.stderr.trim() || m.stdout.trim()}`);
  const r = JSON.parse(line) as FlashJobResult;
  const ended = writer === 'uboot-ab' ? r.reboot : r.reports.length === 1 && r.reports[0] === 200;
  if (!ended) throw new Error(`${rt} ${writer}: the job did not end as it should (reboot ${r.reboot}, reports ${JSON.stringify(r.reports)})`);
  if (rt === 'qjs' && !r.nativeHash) throw new Error('qjs: SHA-256 is not native (dmnative missing from this qjs build)');
  if ((await sha256File(target)) !== s.digest) throw new Error(`${rt} ${writer}: the slot does not hold the image`);
  return {
    seconds: r.seconds,
    wallSeconds: m.wallSeconds,
    peakKiB: Math.max(m.mainKiB, r.vmHwmKiB || 0),
    childKiB: m.childKiB,
    children: [...m.children],
    treeKiB: m.treeKiB,
    readBytes: r.readBytes,
    writeBytes: r.writeBytes,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Table

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmtMiB = (kib: number) => (kib / 1024).toFixed(1);

let work = '';

async function main(): Promise<void> {
  const sizes = positiveInts('--mib', '64,256');
  const [runs] = positiveInts('--runs', '3');
  const writers = listOption<Writer>('--writer', 'file,uboot-ab', ['file', 'uboot-ab']);
  const runtimes = listOption<Runtime>('--runtimes', 'node,qjs', ['node', 'qjs']);
  const base = option('--dir', '/var/tmp');
  if (!existsSync(base)) throw new UsageError(`--dir ${base} does not exist`);
  work = mkdtempSync(path.join(base, 'dm-bench-flash-'));
  const fs = spawnSync('findmnt', ['-n', '-o', 'FSTYPE,SOURCE', '-T', work]).stdout.toString().trim().replace(/\s+/g, ' ') || spawnSync('stat', ['-f', '-c', '%T', work]).stdout.toString().trim();
  const servers: ImageServer[] = [];
  try {
    const b = await bundles(runtimes);
    const sz: Size[] = [];
    for (const mib of sizes) {
      const image = path.join(work, `image-${mib}.bin`);
      const digest = makeImage(image, mib);
      const server = await startImageServer(image);
      servers.push(server);
      sz.push({ mib, image, digest, server });
    }
    const rows: { name: string; run: (s: Size) => Promise<Sample> }[] = [{ name: 'pipeline (curl \\| tee >(sha256sum) \\| dd conv=fsync)', run: runPipeline }];
    for (const rt of runtimes) {
      if (rt === 'qjs' && !b.qjs) continue;
      for (const w of writers) rows.push({ name: `${rt === 'node' ? `Node ${process.version}` : 'qjs host'}, ${w}`, run: (s) => runAgent(rt, w, s, b) });
    }
    const samples = new Map<string, Sample[]>();
    for (let i = 0; i < runs; i++) {
      for (const s of sz) {
        for (const row of rows) {
          dropImagePages(s.image);
          const x = await row.run(s);
          const key = `${row.name}|${s.mib}`;
          if (!samples.has(key)) samples.set(key, []);
          samples.get(key)!.push(x);
          process.stderr.write(`run ${i + 1}/${runs} ${s.mib} MiB ${row.name.replace(/\\\|/g, '|')}: ${x.seconds.toFixed(2)} s\n`);
        }
      }
    }
    say(`### Update pipeline: download + SHA-256 + write into a slot (median of ${runs}, runs interleaved)`);
    say();
    say(`Slot and image directory: ${work} (${fs}); the image's pages dropped from the page cache before each run (posix_fadvise DONTNEED). ${runtimes.indexOf('qjs') >= 0 && !b.qjs ? `qjs skipped: ${b.qjsSkip}.` : ''}`);
    say('Seconds: pipeline wall time; agent Exec to the job end, inside. Ratio = pipeline s / row s (> 1: faster than the pipeline).');
    say('Peak RSS: pipeline = GNU time %M (largest of curl, tee, sha256sum, dd); agent = its own VmHWM; children = largest VmHWM among them (polled every 10 ms: children that live a few ms, such as fw_printenv, may show 0; GNU time %M covers them).');
    say();
    say('| row | MiB | seconds | ratio to pipeline | peak RSS MiB | children peak RSS MiB | GNU time %M MiB | MiB read back | MiB written | wall s (process) |');
    say('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const s of sz) {
      const anchor = median(samples.get(`${rows[0].name}|${s.mib}`)!.map((x) => x.seconds));
      for (const row of rows) {
        const xs = samples.get(`${row.name}|${s.mib}`)!;
        const sec = median(xs.map((x) => x.seconds));
        const names = [...new Set(xs.flatMap((x) => x.children))].join(', ');
        const rb = xs[0].readBytes === null ? 'n/a' : (median(xs.map((x) => x.readBytes || 0)) / MiB).toFixed(1);
        const wb = xs[0].writeBytes === null ? 'n/a' : (median(xs.map((x) => x.writeBytes || 0)) / MiB).toFixed(1);
        say(
          `| ${row.name} | ${s.mib} | ${sec.toFixed(2)} | ${(anchor / sec).toFixed(2)} | ${fmtMiB(median(xs.map((x) => x.peakKiB)))} | ` +
            `${xs.some((x) => x.childKiB > 0) ? `${fmtMiB(median(xs.map((x) => x.childKiB)))} (${names})` : '-'} | ${fmtMiB(median(xs.map((x) => x.treeKiB)))} | ${rb} | ${wb} | ${median(xs.map((x) => x.wallSeconds)).toFixed(2)} |`,
        );
      }
    }
    say();
  } finally {
    for (const s of servers) s.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  if (e instanceof UsageError) {
    process.stderr.write(`bench flash: ${e.message}\nusage: scripts/bench flash [--mib 64,256] [--runs 3] [--writer file,uboot-ab] [--runtimes node,qjs] [--dir /var/tmp]\n`);
    process.exit(2);
  }
  process.stderr.write(`bench flash: ${(e as Error).stack || e}\n`);
  process.exit(1);
});
