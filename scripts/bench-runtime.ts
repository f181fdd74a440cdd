// Runtime benchmarks of the shipped agent, each printing a Markdown table with its anchors (measured in the same run,
// as ratios) and the goal it is held to:
//
//   npx tsx scripts/bench-runtime.ts image            image tar.gz per arch, bundle (bytes, gzip -9), the executable
//                                                     per arch, and what dominates the bundle (esbuild metafile)
//   npx tsx scripts/bench-runtime.ts start [--runs N] cold start: spawn -> the server holds the first POST (package 1
//                                                     on the wire); median of N (default 20) after one discarded
//                                                     warm-up; the host executable (what the images ship), `qjs -m`
//                                                     on the bundle, arm64/armhf executables under qemu, Node;
//                                                     anchors: curl POST alone, bare qjs, bare node (`startup` = start)
//   npx tsx scripts/bench-runtime.ts memory [--mib N] peak RSS of a full FUMO session (user request -> 200 ->
//                                                     DownloadAndUpdate of an N MiB image, default 64, file writer):
//                                                     VmHWM of the agent process, polled, and of its children (curl);
//                                                     anchors: curl alone on the same GET, a bare node (`rss` = memory)
//   npx tsx scripts/bench-runtime.ts all
//
// Goals (issue 19): package 1 on the wire < 20 ms after a qjs start (host executable, curl spawn included) and
// < 150 ms on Node; peak RSS of the FUMO session < 8 MiB for the qjs agent and < 64 MiB on Node; image < 1.5 MiB
// compressed. `scripts/bench <name>` runs these.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { startDmServer } from './server/dm-server.js';
import { exec, replace } from './server/commands.js';
import type { Scenario } from './server/types.js';
import { childrenOf } from './lib/proc.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MiB = 1024 * 1024;
/** Issue 19: a button press puts package 1 on the wire in under 20 ms (qjs, incl. the curl spawn), 150 ms on Node. */
const GOAL_START_QJS_MS = 20;
const GOAL_START_NODE_MS = 150;
/** Issue 19: peak RSS of a full FUMO session, qjs agent < 8 MiB, Node < 64 MiB. */
const GOAL_RSS_QJS = 8 * MiB;
const GOAL_RSS_NODE = 64 * MiB;
const GOAL_IMAGE = 1.5 * MiB;
/** The alert of `dm-agent request --user` (client-initiated firmware update request, docs/protocol.md §5.5). */
const FUMO_USER_REQUEST = /^org\.openmobilealliance\.dm\.firmwareupdate\.userrequest$/;
const HOST_DIR = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
const QEMU: Record<string, [string, string]> = {
  aarch64: ['qemu-aarch64-static', '/usr/aarch64-linux-gnu'],
  armhf: ['qemu-arm-static', '/usr/arm-linux-gnueabihf'],
};

const argv = process.argv.slice(2);
function option(name: string, dflt: number): number {
  const i = argv.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} needs a positive integer, got ${argv[i + 1]}`);
  return v;
}

const say = (s = '') => process.stdout.write(s + '\n');
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const mib = (n: number) => `${(n / MiB).toFixed(2)} MiB`;
function goal(ok: boolean, miss: string): string {
  return ok ? 'met' : `MISSED (${miss})`;
}

function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): void {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...(env || {}) } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status})`);
}

function ensureBuilt(arches: string[]): void {
  run('node', ['scripts/build.mjs', '--quiet']);
  for (const a of arches) run('bash', ['scripts/build-agent', a]);
}

interface Runtime {
  label: string;
  /** The argv prefix that runs the agent (its arguments follow). */
  argv: string[];
  kind: 'qjs' | 'node';
  /** The row the issue 19 goals are held to: the host executable the images ship, and Node. */
  goal?: boolean;
  /** Runs under qemu-user: its memory is qemu's, not a device figure. */
  qemu?: boolean;
  skip?: string;
}

/** Runtimes whose tools are present: the executable the images ship (scripts/build-agent: QuickJS + dmnative + the
 *  bundle as bytecode) on the host and under qemu, `qjs -m` on the bundle (what the executable replaced), and Node. */
function runtimes(): Runtime[] {
  const bundle = path.join(root, 'dist/quickjs/dm-agent.js');
  const list: Runtime[] = [
    { label: `qjs executable, host (${HOST_DIR})`, argv: [path.join(root, 'build/agent', HOST_DIR, 'dm-agent')], kind: 'qjs', goal: true },
    { label: `qjs -m bundle, host (${HOST_DIR})`, argv: [path.join(root, 'build/qjs', HOST_DIR, 'qjs'), '-m', bundle], kind: 'qjs' },
  ];
  for (const a of ['aarch64', 'armhf']) {
    const [qemu, sysroot] = QEMU[a];
    const skip = !hasCommand(qemu) ? `${qemu} not installed` : !existsSync(sysroot) ? `${sysroot} missing` : undefined;
    list.push({ label: `qjs executable, ${a} (qemu-user)`, argv: [qemu, '-L', sysroot, path.join(root, 'build/agent', a, 'dm-agent')], kind: 'qjs', qemu: true, skip });
  }
  list.push({ label: `node ${process.version}`, argv: [process.execPath, path.join(root, 'dist/node/cli.js')], kind: 'node', goal: true });
  return list;
}

// ---------------------------------------------------------------------------------------------------------------
// image

async function benchImage(): Promise<void> {
  const version = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version as string;
  const out = path.join(root, 'build/image');
  const rows: string[][] = [];
  for (const arch of ['aarch64', 'armhf']) {
    run('bash', ['scripts/image', arch, '--out', out]);
    const tgz = statSync(path.join(out, `dm-agent-${version}-${arch}.tar.gz`)).size;
    const exe = statSync(path.join(root, 'build/agent', arch, 'dm-agent')).size;
    const qjs = statSync(path.join(root, 'build/qjs', arch, 'qjs')).size;
    rows.push([arch, String(tgz), mib(tgz), String(exe), String(qjs), goal(tgz < GOAL_IMAGE, `${kib(tgz - GOAL_IMAGE)} over`)]);
  }
  const hostQjs = path.join(root, 'build/qjs', HOST_DIR, 'qjs');
  const hostExe = path.join(root, 'build/agent', HOST_DIR, 'dm-agent');
  const bundle = readFileSync(path.join(root, 'dist/quickjs/dm-agent.js'));
  const bundleGz = gzipSync(bundle, { level: 9 }).length;
  say('### Image (scripts/image <arch>)');
  say();
  say('| arch | image tar.gz bytes | | dm-agent executable (QuickJS + dmnative + bytecode), stripped bytes | qjs alone, stripped bytes (not shipped) | goal image < 1.5 MiB |');
  say('|---|---:|---:|---:|---:|---|');
  for (const r of rows) say(`| ${r.join(' | ')} |`);
  if (existsSync(hostQjs) && existsSync(hostExe)) say(`| ${HOST_DIR} (host, not shipped) | | | ${statSync(hostExe).size} | ${statSync(hostQjs).size} | |`);
  say();
  say(`Bundle dist/quickjs/dm-agent.js: ${bundle.length} bytes, ${bundleGz} bytes gzip -9.`);
  say();
  await bundleInputs(bundle.length);
}

/** esbuild metafile of the QuickJS bundle (same options as scripts/build.mjs): the inputs that take the most bytes. */
async function bundleInputs(expectBytes: number): Promise<void> {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const r = await build({
    entryPoints: [path.join(root, 'platform/quickjs/main.ts')],
    outfile: path.join(root, 'build/bench/dm-agent.js'),
    write: false,
    metafile: true,
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    target: 'es2020',
    mainFields: ['module', 'main'],
    conditions: ['import', 'default'],
    external: ['std', 'os', 'dmnative'],
    minify: true,
    legalComments: 'none',
    banner: { js: 'if(!Object.hasOwn)Object.hasOwn=function(o,k){return Object.prototype.hasOwnProperty.call(o,k)};' },
    define: { __DM_AGENT_VERSION__: JSON.stringify(pkg.version) },
    logLevel: 'silent',
  });
  const output = Object.values(r.metafile.outputs)[0];
  if (output.bytes !== expectBytes) say(`(note: the metafile build is ${output.bytes} bytes, dist has ${expectBytes}: scripts/build.mjs options changed?)`);
  const inputs = Object.entries(output.inputs).map(([file, v]) => ({ file, bytes: v.bytesInOutput }));
  const groups = new Map<string, number>();
  for (const i of inputs) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(i.file);
    const g = m ? `npm: ${m[1]}` : i.file.split('/').slice(0, i.file.indexOf('src/') === 0 || i.file.indexOf('platform/') === 0 ? 2 : 1).join('/');
    groups.set(g, (groups.get(g) || 0) + i.bytes);
  }
  const total = output.bytes;
  say('What the bundle is made of (minified bytes in the output, esbuild metafile):');
  say();
  say('| group | bytes | share |');
  say('|---|---:|---:|');
  for (const [g, b] of [...groups.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15)) say(`| ${g} | ${b} | ${((100 * b) / total).toFixed(1)} % |`);
  say();
  say('| top input files | bytes |');
  say('|---|---:|');
  for (const i of inputs.sort((a, b) => b.bytes - a.bytes).slice(0, 12)) say(`| ${i.file} | ${i.bytes} |`);
  say();
}

// ---------------------------------------------------------------------------------------------------------------
// startup

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** One cold start: ms from spawn() of `argvFull` to the server's 'request' event for its first POST. */
async function coldStart(argvFull: string[], server: http.Server, hits: { onPost?: () => void }): Promise<number> {
  const [cmd, ...rest] = argvFull;
  return new Promise((resolve, reject) => {
    let t1 = 0n;
    hits.onPost = () => {
      if (!t1) t1 = process.hrtime.bigint();
    };
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, rest, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      hits.onPost = undefined;
      if (!t1) reject(new Error(`no POST from ${argvFull.join(' ')}: ${err.trim()}`));
      else resolve(Number(t1 - t0) / 1e6);
    });
  });
}

/** ms from spawn() to exit: the anchors that send nothing (a bare interpreter). */
function spawnToExit(argvFull: string[]): Promise<number> {
  const [cmd, ...rest] = argvFull;
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, rest, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`${argvFull.join(' ')} exited ${code}`))));
  });
}

async function medianOf(n: number, f: () => Promise<number>): Promise<{ median: number; min: number; max: number }> {
  await f(); // warm-up: page cache, dynamic loader
  const xs: number[] = [];
  for (let i = 0; i < n; i++) xs.push(await f());
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

// CPU time of one whole run (user + system, the agent and the children it reaped, e.g. curl), from wait4(2)'s rusage
// through a small python3 parent: on a loaded machine wall time mostly measures waiting for a CPU, this does not.
const CPU_WRAPPER = [
  'import os, sys',
  'pid = os.fork()',
  'if pid == 0:',
  '    os.execvp(sys.argv[1], sys.argv[1:])',
  '_, status, ru = os.wait4(pid, 0)',
  'sys.stderr.write("DMCPU %.6f\\n" % (ru.ru_utime + ru.ru_stime))',
].join('\n');

function cpuMs(argvFull: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', CPU_WRAPPER, ...argvFull], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const m = /DMCPU ([0-9.]+)/.exec(err);
      if (!m) reject(new Error(`no CPU time from ${argvFull.join(' ')}: ${err.trim()}`));
      else resolve(Number(m[1]) * 1000);
    });
  });
}

async function medianCpu(argvFull: string[], n: number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) xs.push(await cpuMs(argvFull));
  return median(xs);
}

function cpuCount(): number {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => /^processor\s*:/.test(l)).length;
  } catch {
    return 0;
  }
}

function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}

async function benchStartup(): Promise<void> {
  const runs = option('--runs', 20);
  ensureBuilt(['host', 'aarch64', 'armhf']);
  const hits: { onPost?: () => void } = {};
  // A bare HTTP server: the time is taken when the request head of the first POST is parsed; it answers 503 so the
  // agent ends at once (request.retries = 0) and the next run starts from a quiet machine.
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && hits.onPost) hits.onPost();
    req.resume();
    req.on('end', () => res.writeHead(503, { 'content-length': 0 }).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/dm`;
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-bench-start-'));
  const config = path.join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ server: { url }, stateDir: path.join(dir, 'state'), device: { devIdScheme: 'fixed', devId: 'MAC:02BE0C000001' }, log: { level: 'error' } }));
  // Anchors, measured in the same run: what no agent can beat. curl alone POSTing a package-1-sized body to the same
  // server (the qjs agent hands its POST to curl, so this is its floor), and the bare interpreters starting and exiting.
  const body = path.join(dir, 'package1.wbxml');
  writeFileSync(body, randomBytes(420));
  const hostQjs = path.join(root, 'build/qjs', HOST_DIR, 'qjs');
  const curlPost = await medianOf(runs, () => coldStart(['curl', '-s', '-o', '/dev/null', '-H', 'Content-Type: application/vnd.syncml.dm+wbxml', '--data-binary', `@${body}`, url], server, hits));
  const bareQjs = await medianOf(runs, () => spawnToExit([hostQjs, '-e', '0']));
  const bareNode = await medianOf(runs, () => spawnToExit([process.execPath, '-e', '0']));
  const withCpu = hasCommand('python3');
  const load0 = loadAverage();
  say(`### Cold start: spawn -> first POST at the server (median of ${runs}, after 1 warm-up run)`);
  say();
  say('| runtime | median ms | min ms | max ms | × anchor | CPU ms per run, median (user+sys incl. curl) | goal |');
  say('|---|---:|---:|---:|---:|---:|---|');
  say(`| anchor: curl POST alone (same server, ${statSync(body).size}-byte body) | ${curlPost.median.toFixed(1)} | ${curlPost.min.toFixed(1)} | ${curlPost.max.toFixed(1)} | 1.00 | | |`);
  say(`| anchor: bare qjs \`-e 0\`, spawn -> exit | ${bareQjs.median.toFixed(1)} | ${bareQjs.min.toFixed(1)} | ${bareQjs.max.toFixed(1)} | | | |`);
  say(`| anchor: bare \`node -e 0\`, spawn -> exit | ${bareNode.median.toFixed(1)} | ${bareNode.min.toFixed(1)} | ${bareNode.max.toFixed(1)} | 1.00 | | |`);
  for (const rt of runtimes()) {
    if (rt.skip) {
      say(`| ${rt.label} | skipped: ${rt.skip} | | | | | |`);
      continue;
    }
    const agentArgv = [...rt.argv, '--config', config, 'request', '--device'];
    const t = await medianOf(runs, () => coldStart(agentArgv, server, hits));
    const cpu: number[] = [];
    if (withCpu) for (let i = 0; i < Math.min(runs, 10); i++) cpu.push(await cpuMs(agentArgv));
    // qjs rows against curl alone (the POST they make), Node against bare node.
    const anchor = rt.kind === 'qjs' ? `${(t.median / curlPost.median).toFixed(2)} × curl` : `${(t.median / bareNode.median).toFixed(2)} × node`;
    const limit = rt.kind === 'qjs' ? GOAL_START_QJS_MS : GOAL_START_NODE_MS;
    const g = rt.goal ? `< ${limit} ms: ${goal(t.median < limit, `${(t.median - limit).toFixed(1)} ms over`)}` : '';
    say(`| ${rt.label} | ${t.median.toFixed(1)} | ${t.min.toFixed(1)} | ${t.max.toFixed(1)} | ${anchor} | ${cpu.length ? median(cpu).toFixed(1) : 'n/a (no python3)'} | ${g} |`);
  }
  say();
  if (withCpu) {
    // Where a host qjs start goes (CPU ms, median of 10): the interpreter alone; + reading the bytecode, or parsing
    // and compiling the bundle, and running the top level (--help); the curl process that carries the POST.
    const [exe, qjsBundle] = runtimes();
    const bare = await medianCpu([hostQjs, '-e', '0'], 10);
    const helpExe = await medianCpu([...exe.argv, '--help'], 10);
    const helpBundle = await medianCpu([...qjsBundle.argv, '--help'], 10);
    const curl = await medianCpu(['curl', '-s', '-o', '/dev/null', url], 10);
    const bundleBytes = statSync(qjsBundle.argv[2]).size;
    say(`Host qjs breakdown, CPU ms (median of 10): interpreter start ${bare.toFixed(1)}; the executable (bytecode) to --help ${helpExe.toFixed(1)}; \`qjs -m\` parsing and compiling the ${bundleBytes}-byte bundle to --help ${helpBundle.toFixed(1)}; one curl POST ${curl.toFixed(1)}.`);
    say();
  }
  say(`Load average (1/5/15 min) ${load0} before, ${loadAverage()} after, on ${cpuCount()} CPUs: wall times include waiting for a CPU.`);
  say();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------------
// rss


/** Proportional set size (shared pages split between their users): summing it over processes counts a page once,
 *  where VmRSS would count a forked child's copy-on-write pages and the shared libraries twice. */
function pssBytes(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : statusBytes(pid, 'VmRSS');
  } catch {
    return statusBytes(pid, 'VmRSS');
  }
}

function statusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

interface RssRun {
  code: number;
  stderr: string;
  agentPeak: number;
  childPeak: number;
  /** Largest sum of the current PSS of the agent and all its descendants seen at one poll. */
  sumPeak: number;
  children: Set<string>;
  ms: number;
}

/** Runs the agent and polls VmHWM (the kernel's own peak) of it and of every descendant every 5 ms until it exits. */
function runPolled(argvPrefix: string[], args: string[]): Promise<RssRun> {
  const [cmd, ...pre] = argvPrefix;
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(cmd, [...pre, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    let agentPeak = 0;
    let childPeak = 0;
    let sumPeak = 0;
    const children = new Set<string>();
    const poll = setInterval(() => {
      agentPeak = Math.max(agentPeak, statusBytes(child.pid!, 'VmHWM'));
      let sum = pssBytes(child.pid!);
      const stack = childrenOf(child.pid!);
      while (stack.length) {
        const p = stack.pop()!;
        childPeak = Math.max(childPeak, statusBytes(p, 'VmHWM'));
        sum += pssBytes(p);
        try {
          children.add(readFileSync(`/proc/${p}/comm`, 'utf8').trim());
        } catch {
          // gone
        }
        stack.push(...childrenOf(p));
      }
      sumPeak = Math.max(sumPeak, sum);
    }, 5);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code: code === null ? -1 : code, stderr, agentPeak, childPeak, sumPeak, children, ms: Date.now() - t0 });
    });
  });
}

async function benchRss(): Promise<void> {
  const size = option('--mib', 64) * MiB;
  ensureBuilt(['host']);
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-bench-rss-'));
  // The image is written in 1 MiB pieces: the bench itself should not hold 64 MiB more than needed.
  const fw = path.join(dir, 'firmware.bin');
  const hash = createHash('sha256');
  const fd = openSync(fw, 'w');
  for (let left = size; left > 0; left -= MiB) {
    const piece = randomBytes(Math.min(MiB, left));
    hash.update(piece);
    writeSync(fd, piece);
  }
  closeSync(fd);
  const imageHash = hash.digest('hex');
  const story: Scenario = {
    name: 'bench-fumo-200',
    requestStatus: () => 200,
    next(ctx) {
      // Only the session the user request opened gets the update. The result report comes in a session of its own
      // (a Generic Alert 1226 after the install, docs/protocol.md §5.3), also at step 0: commanding Exec there
      // again measured a second download and install in the same run.
      if (ctx.step !== 0 || !ctx.alerts.some((a) => a.type !== undefined && FUMO_USER_REQUEST.test(a.type))) return [];
      const f = ctx.firmware('firmware.bin')!;
      return [
        replace({ uri: './FUMO/DownloadAndUpdate/PkgURL', data: f.url }, { uri: './FUMO/PkgVersion', data: '9.9.9' }, { uri: './FUMO/Ext/PkgSHA256', data: imageHash }),
        exec('./FUMO/DownloadAndUpdate', ctx.newCorrelator('fumo')),
      ];
    },
  };
  const server = await startDmServer({ port: 0, scenario: story, files: { 'firmware.bin': fw } });
  say(`### Peak RSS of a FUMO session: user request -> 200 -> DownloadAndUpdate of a ${size / MiB} MiB image (file writer, SHA-256 checked)`);
  say();
  // Anchors in the same run: curl alone fetching the same image (the qjs agent's transfer process, and the largest
  // member of a shell pipeline doing the job) and a bare Node that only waits (what any Node program starts from).
  const curlRun = await runPolled(['curl', '-s', '-o', '/dev/null', new URL('/fw/firmware.bin', server.url).href], []);
  const nodeRun = await runPolled([process.execPath, '-e', 'setTimeout(() => {}, 300)'], []);
  const curlPeak = curlRun.code === 0 ? curlRun.agentPeak : 0;
  const nodePeak = nodeRun.agentPeak;
  say('| runtime | agent peak RSS (VmHWM) | × anchor | largest child peak (names) | agent + children, peak of summed PSS | session s | result | goal |');
  say('|---|---:|---:|---:|---:|---:|---|---|');
  say(`| anchor: curl alone, the same ${size / MiB} MiB GET to /dev/null | ${curlPeak ? mib(curlPeak) : `curl failed (exit ${curlRun.code})`} | 1.00 | | | ${(curlRun.ms / 1000).toFixed(1)} | | |`);
  say(`| anchor: bare node waiting 300 ms | ${mib(nodePeak)} | 1.00 | | | | | |`);
  for (const rt of runtimes()) {
    if (rt.qemu) continue; // qemu's own memory would be counted: not a device figure
    const work = path.join(dir, `rt${runtimes().indexOf(rt)}`);
    mkdirSync(work, { recursive: true });
    const target = path.join(work, 'fw.img');
    const config = path.join(work, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        server: { url: server.url, id: 'dm-agent-reference-server' },
        stateDir: path.join(work, 'state'),
        device: { devIdScheme: 'fixed', devId: `MAC:02BE0C0000${(10 + runtimes().indexOf(rt)).toString(16).toUpperCase().padStart(2, '0')}` },
        fumo: { writer: { type: 'file', path: target }, reboot: [], allowHttp: true, requireHash: true },
        ui: { mode: 'headless' },
        log: { level: 'warn' },
      }),
    );
    const seen = { execs: server.events.execs.length, reports: server.events.reports.length, gets: server.events.downloads.length };
    const r = await runPolled(rt.argv, ['--config', config, 'request', '--user']);
    let result = `exit ${r.code}`;
    // What the server saw of this run: one update is measured only when it commanded one Exec and got one report.
    result += `, server: ${server.events.execs.length - seen.execs} Exec, ${server.events.reports.length - seen.reports} report, ${server.events.downloads.length - seen.gets} GET`;
    const written = existsSync(target) ? createHash('sha256').update(readFileSync(target)).digest('hex') : '';
    result += written === imageHash ? ', image written and verified' : ', IMAGE NOT WRITTEN';
    const limit = rt.kind === 'qjs' ? GOAL_RSS_QJS : GOAL_RSS_NODE;
    const g = rt.goal ? `< ${mib(limit)}: ${goal(r.agentPeak < limit && written === imageHash, r.agentPeak >= limit ? `${mib(r.agentPeak - limit)} over` : 'no image')}` : '';
    const ratio = rt.kind === 'qjs' ? (curlPeak ? `${(r.agentPeak / curlPeak).toFixed(2)} × curl` : '') : `${(r.agentPeak / nodePeak).toFixed(2)} × node`;
    say(`| ${rt.label} | ${mib(r.agentPeak)} | ${ratio} | ${r.childPeak ? `${mib(r.childPeak)} (${[...r.children].join(', ')})` : '-'} | ${mib(r.sumPeak)} | ${(r.ms / 1000).toFixed(1)} | ${result} | ${g} |`);
    if (written !== imageHash) process.stderr.write(`${rt.label} stderr:\n${r.stderr}\n`);
  }
  say();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const what = argv[0];
  if (what === 'image') await benchImage();
  else if (what === 'startup' || what === 'start') await benchStartup();
  else if (what === 'rss' || what === 'memory') await benchRss();
  else if (what === 'all') {
    await benchImage();
    await benchStartup();
    await benchRss();
  } else {
    process.stderr.write('usage: npx tsx scripts/bench-runtime.ts image|start [--runs N]|memory [--mib N]|all\n');
    process.exitCode = 2;
  }
}

main().catch((e) => {
  process.stderr.write(`bench-runtime: ${(e as Error).stack || e}\n`);
  process.exitCode = 1;
});
