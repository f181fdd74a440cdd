// Runtime benchmarks of the shipped agent (issue 9), each printing a Markdown table with the goal it is held to:
//
//   npx tsx scripts/bench-runtime.ts image            image tar.gz per arch, bundle (bytes, gzip -9), qjs stripped per
//                                                     arch, and what dominates the bundle (esbuild metafile)
//   npx tsx scripts/bench-runtime.ts startup [--runs N]   cold start: spawn -> the server holds the first POST
//                                                     (package 1 on the wire); median of N (default 20) after one
//                                                     discarded warm-up; host qjs, arm64/armhf qjs under qemu, Node
//   npx tsx scripts/bench-runtime.ts rss [--mib N]    peak RSS of a full FUMO session (user request -> 200 ->
//                                                     DownloadAndUpdate of an N MiB image, default 64, file writer):
//                                                     VmHWM of the agent process, polled, and of its children (curl)
//   npx tsx scripts/bench-runtime.ts all
//
// Goals (issue 9): cold start < 50 ms on host qjs; peak RSS < 16 MiB on qjs during a 64 MiB FUMO session;
// image (qjs + agent) < 1.5 MiB compressed. `scripts/bench <name>` runs these.
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
const GOAL_START_MS = 50;
const GOAL_RSS = 16 * MiB;
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
  for (const a of arches) run('bash', ['scripts/build-qjs', a]);
}

/** Runtimes whose tools are present: [label, argv prefix that runs the agent bundle]. */
function runtimes(): { label: string; argv: string[]; skip?: string }[] {
  const bundle = path.join(root, 'dist/quickjs/dm-agent.js');
  const list: { label: string; argv: string[]; skip?: string }[] = [{ label: `qjs host (${HOST_DIR})`, argv: [path.join(root, 'build/qjs', HOST_DIR, 'qjs'), '-m', bundle] }];
  for (const a of ['aarch64', 'armhf']) {
    const [qemu, sysroot] = QEMU[a];
    const skip = !hasCommand(qemu) ? `${qemu} not installed` : !existsSync(sysroot) ? `${sysroot} missing` : undefined;
    list.push({ label: `qjs ${a} (qemu-user)`, argv: [qemu, '-L', sysroot, path.join(root, 'build/qjs', a, 'qjs'), '-m', bundle], skip });
  }
  list.push({ label: `node ${process.version}`, argv: [process.execPath, path.join(root, 'dist/node/cli.js')] });
  return list;
}

/** Experiment, not shipped: the bundle compiled to QuickJS bytecode by qjsc and linked with the same QuickJS and
 *  dmnative objects into one executable (`qjsc -e`), so a start skips parsing ~340 KB of JavaScript. Built from the
 *  objects scripts/build-qjs leaves in build/qjs-src/<arch>/.obj; qjsc's generated main gets the dmnative init line
 *  (the bundle imports dmnative dynamically, so qjsc does not see it). Returns [path] or a skip reason. */
function bytecodeAgent(dir: string, cross: string): { path?: string; skip?: string } {
  const src = path.join(root, 'build/qjs-src', dir);
  const qjsc = existsSync(path.join(src, 'host-qjsc')) ? path.join(src, 'host-qjsc') : path.join(src, 'qjsc');
  const objs = ['quickjs', 'libregexp', 'libunicode', 'cutils', 'quickjs-libc', 'libbf', 'dmnative', 'sha256', 'sha256-x86', 'sha256-arm'].map((o) => path.join(src, '.obj', `${o}.o`));
  if (!existsSync(qjsc)) return { skip: `${qjsc} missing (scripts/build-qjs ${dir})` };
  const missing = objs.filter((o) => !existsSync(o));
  if (missing.length) return { skip: `${missing[0]} missing` };
  if (!hasCommand(`${cross}gcc`)) return { skip: `${cross}gcc not installed` };
  const out = path.join(root, 'build/bench', dir);
  mkdirSync(out, { recursive: true });
  const c = path.join(out, 'dm-agent-bc.c');
  const exe = path.join(out, 'dm-agent-bc');
  const q = spawnSync(qjsc, ['-e', '-m', '-M', 'std', '-M', 'os', '-o', c, path.join(root, 'dist/quickjs/dm-agent.js')]);
  if (q.status !== 0) return { skip: `qjsc failed: ${q.stderr.toString().trim()}` };
  const anchor = '    js_init_module_os(ctx, "os");';
  const text = readFileSync(c, 'utf8');
  if (text.indexOf(anchor) < 0) return { skip: 'qjsc output has no js_init_module_os line to extend' };
  writeFileSync(c, text.replace(anchor, `${anchor}\n    { extern JSModuleDef *js_init_module_dmnative(JSContext *ctx, const char *name); js_init_module_dmnative(ctx, "dmnative"); }`));
  const g = spawnSync(`${cross}gcc`, ['-O2', '-I', src, '-o', exe, c, ...objs, '-lm', '-ldl', '-lpthread']);
  if (g.status !== 0) return { skip: `link failed: ${g.stderr.toString().trim().split('\n').pop()}` };
  spawnSync(`${cross}strip`, [exe]);
  return { path: exe };
}

function bytecodeRuntimes(): { label: string; argv: string[]; skip?: string }[] {
  const host = bytecodeAgent(HOST_DIR, '');
  const a64 = bytecodeAgent('aarch64', 'aarch64-linux-gnu-');
  const [qemu, sysroot] = QEMU.aarch64;
  return [
    { label: `experiment: qjsc bytecode exe, host (${HOST_DIR})`, argv: host.path ? [host.path] : [], skip: host.skip },
    { label: 'experiment: qjsc bytecode exe, aarch64 (qemu-user)', argv: a64.path ? [qemu, '-L', sysroot, a64.path] : [], skip: a64.skip || (hasCommand(qemu) ? undefined : `${qemu} not installed`) },
  ];
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
    const qjs = statSync(path.join(root, 'build/qjs', arch, 'qjs')).size;
    rows.push([arch, String(tgz), mib(tgz), String(qjs), goal(tgz < GOAL_IMAGE, `${kib(tgz - GOAL_IMAGE)} over`)]);
  }
  const hostQjs = path.join(root, 'build/qjs', HOST_DIR, 'qjs');
  const bundle = readFileSync(path.join(root, 'dist/quickjs/dm-agent.js'));
  const bundleGz = gzipSync(bundle, { level: 9 }).length;
  say('### Image (scripts/image <arch>)');
  say();
  say('| arch | image tar.gz bytes | | qjs stripped bytes | goal image < 1.5 MiB |');
  say('|---|---:|---:|---:|---|');
  for (const r of rows) say(`| ${r.join(' | ')} |`);
  if (existsSync(hostQjs)) say(`| ${HOST_DIR} (host, not shipped) | | | ${statSync(hostQjs).size} | |`);
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

/** One cold start: ms from spawn() to the server's 'request' event for the agent's first POST. */
async function coldStart(argvPrefix: string[], config: string, server: http.Server, hits: { onPost?: () => void }): Promise<number> {
  const [cmd, ...pre] = argvPrefix;
  return new Promise((resolve, reject) => {
    let t1 = 0n;
    hits.onPost = () => {
      if (!t1) t1 = process.hrtime.bigint();
    };
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, [...pre, '--config', config, 'request', '--device'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      hits.onPost = undefined;
      if (!t1) reject(new Error(`no POST from ${argvPrefix.join(' ')}: ${err.trim()}`));
      else resolve(Number(t1 - t0) / 1e6);
    });
  });
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
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-bench-start-'));
  const config = path.join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ server: { url: `http://127.0.0.1:${port}/dm` }, stateDir: path.join(dir, 'state'), device: { devIdScheme: 'fixed', devId: 'MAC:02BE0C000001' }, log: { level: 'error' } }));
  const withCpu = hasCommand('python3');
  const load0 = loadAverage();
  say(`### Cold start: spawn -> first POST at the server (median of ${runs}, after 1 warm-up run)`);
  say();
  say('| runtime | median ms | min ms | max ms | CPU ms per run, median (user+sys incl. curl) | goal < 50 ms (host qjs) |');
  say('|---|---:|---:|---:|---:|---|');
  for (const rt of [...runtimes(), ...bytecodeRuntimes()]) {
    if (rt.skip) {
      say(`| ${rt.label} | skipped: ${rt.skip} | | | | |`);
      continue;
    }
    await coldStart(rt.argv, config, server, hits);
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) ms.push(await coldStart(rt.argv, config, server, hits));
    const cpu: number[] = [];
    if (withCpu) for (let i = 0; i < Math.min(runs, 10); i++) cpu.push(await cpuMs([...rt.argv, '--config', config, 'request', '--device']));
    const m = median(ms);
    const g = rt.label.indexOf('qjs host') === 0 ? goal(m < GOAL_START_MS, `${(m - GOAL_START_MS).toFixed(1)} ms over`) : '';
    say(`| ${rt.label} | ${m.toFixed(1)} | ${Math.min(...ms).toFixed(1)} | ${Math.max(...ms).toFixed(1)} | ${cpu.length ? median(cpu).toFixed(1) : 'n/a (no python3)'} | ${g} |`);
  }
  say();
  if (withCpu) {
    // Where the host qjs start goes (CPU ms, median of 10): the interpreter alone, + parsing/compiling and running
    // the bundle's top level (--help), the curl process that carries the POST.
    const qjs = runtimes()[0].argv;
    const bare = await medianCpu([qjs[0], '-e', '0'], 10);
    const help = await medianCpu([...qjs, '--help'], 10);
    const curl = await medianCpu(['curl', '-s', '-o', '/dev/null', `http://127.0.0.1:${port}/dm`], 10);
    const bundleBytes = statSync(qjs[2]).size;
    say(`Host qjs breakdown, CPU ms (median of 10): interpreter start ${bare.toFixed(1)}; + load, parse and compile the ${bundleBytes}-byte bundle and print --help ${help.toFixed(1)}; one curl POST ${curl.toFixed(1)}.`);
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
  say('| runtime | agent peak RSS (VmHWM) | largest child peak (names) | agent + children, peak of summed PSS | session s | result | goal < 16 MiB (qjs agent) |');
  say('|---|---:|---:|---:|---:|---|---|');
  for (const rt of runtimes()) {
    if (rt.label.indexOf('qemu') >= 0) continue; // qemu's own memory would be counted: not a device figure
    const work = path.join(dir, rt.label.split(' ')[0]);
    mkdirSync(work, { recursive: true });
    const target = path.join(work, 'fw.img');
    const config = path.join(work, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        server: { url: server.url, id: 'dm-agent-reference-server' },
        stateDir: path.join(work, 'state'),
        device: { devIdScheme: 'fixed', devId: `MAC:02BE0C0000${rt.label.indexOf('node') === 0 ? '0A' : '0B'}` },
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
    const isQjs = rt.label.indexOf('qjs') === 0;
    const g = isQjs ? goal(r.agentPeak < GOAL_RSS && written === imageHash, r.agentPeak >= GOAL_RSS ? `${mib(r.agentPeak - GOAL_RSS)} over` : 'no image') : '';
    say(`| ${rt.label} | ${mib(r.agentPeak)} | ${r.childPeak ? `${mib(r.childPeak)} (${[...r.children].join(', ')})` : '-'} | ${mib(r.sumPeak)} | ${(r.ms / 1000).toFixed(1)} | ${result} | ${g} |`);
    if (written !== imageHash) process.stderr.write(`${rt.label} stderr:\n${r.stderr}\n`);
  }
  say();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const what = argv[0];
  if (what === 'image') await benchImage();
  else if (what === 'startup') await benchStartup();
  else if (what === 'rss') await benchRss();
  else if (what === 'all') {
    await benchImage();
    await benchStartup();
    await benchRss();
  } else {
    process.stderr.write('usage: npx tsx scripts/bench-runtime.ts image|startup [--runs N]|rss [--mib N]|all\n');
    process.exitCode = 2;
  }
}

main().catch((e) => {
  process.stderr.write(`bench-runtime: ${(e as Error).stack || e}\n`);
  process.exitCode = 1;
});
