// Test support for running code on QuickJS: build (or reuse) our qjs, bundle a TypeScript entry for it, and run
// it on the host or, for arm64/armhf, under qemu-user-static.
//
//   const q = ensureQjs('host');            // { path } or { skip: 'reason' }; builds once, then reuses the cache
//   await ensureQjsAsync('host')             // the same without blocking the worker during a build (prefer it)
//   await bundleForQjs('test/qjs/x.ts', out) // esbuild: esm, es2020, neutral, std/os/dmnative external, minified
//   const r = runQjs('aarch64', out, ['arg'])  // { code, stdout, stderr }
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type QjsArch = 'host' | 'aarch64' | 'armhf';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const ARCH_DIR: Record<QjsArch, string> = { host: process.arch === 'arm64' ? 'aarch64' : 'x86_64', aarch64: 'aarch64', armhf: 'armhf' };
const CROSS_GCC: Record<QjsArch, string> = { host: 'gcc', aarch64: 'aarch64-linux-gnu-gcc', armhf: 'arm-linux-gnueabihf-gcc' };
const QEMU: Record<QjsArch, [string, string] | null> = {
  host: null,
  aarch64: ['qemu-aarch64-static', '/usr/aarch64-linux-gnu'],
  armhf: ['qemu-arm-static', '/usr/arm-linux-gnueabihf'],
};

export type QjsBinary = { path: string; skip?: undefined } | { path?: undefined; skip: string };

const ensured = new Map<QjsArch, QjsBinary>();

function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Why qjs for `arch` cannot be built or run here, or null when every tool is present. Cheap: builds nothing. */
export function qjsSkipReason(arch: QjsArch): string | null {
  const qemu = QEMU[arch];
  if (!existsSync(path.join(repoRoot, 'node_modules/qjsc/deps/quickjs_2021_03_27/qjs.c'))) {
    return 'QuickJS sources missing (node_modules/qjsc not installed)';
  }
  if (!hasCommand(CROSS_GCC[arch])) return `${CROSS_GCC[arch]} not installed`;
  if (!hasCommand('make')) return 'make not installed';
  if (!hasCommand('flock')) return 'flock not installed (util-linux)';
  if (qemu && !hasCommand(qemu[0])) return `${qemu[0]} not installed (qemu-user-static)`;
  if (qemu && !existsSync(qemu[1])) return `${qemu[1]} missing (cross libc for ${arch})`;
  return null;
}

/** Builds (or reuses) build/qjs/<arch>/qjs through scripts/build-qjs. Returns a skip reason when a tool is missing. */
export function ensureQjs(arch: QjsArch): QjsBinary {
  const known = ensured.get(arch);
  if (known) return known;
  let result: QjsBinary;
  const skip = qjsSkipReason(arch);
  if (skip) {
    result = { skip };
  } else {
    try {
      execFileSync('bash', [path.join(repoRoot, 'scripts/build-qjs'), arch], { cwd: repoRoot, stdio: 'pipe', timeout: 900_000 });
      result = { path: path.join(repoRoot, 'build/qjs', ARCH_DIR[arch], 'qjs') };
    } catch (e) {
      const err = e as { stderr?: Buffer; message: string };
      throw new Error(`scripts/build-qjs ${arch} failed: ${err.stderr ? err.stderr.toString() : err.message}`);
    }
  }
  ensured.set(arch, result);
  return result;
}

/**
 * Same as ensureQjs without blocking the test worker while a build runs (a blocked worker cannot answer vitest's
 * RPC and the run ends with "Timeout calling onTaskUpdate"). Prefer this one in beforeAll(..., 900_000).
 */
export async function ensureQjsAsync(arch: QjsArch): Promise<QjsBinary> {
  const known = ensured.get(arch);
  if (known) return known;
  const skip = qjsSkipReason(arch);
  if (skip) {
    ensured.set(arch, { skip });
    return { skip };
  }
  const { spawn } = await import('node:child_process');
  await new Promise<void>((resolve, reject) => {
    const child = spawn('bash', [path.join(repoRoot, 'scripts/build-qjs'), arch], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const err: Buffer[] = [];
    child.stdout.resume();
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`scripts/build-qjs ${arch} failed (exit ${code}): ${Buffer.concat(err).toString()}`));
    });
  });
  const result = { path: path.join(repoRoot, 'build/qjs', ARCH_DIR[arch], 'qjs') };
  ensured.set(arch, result);
  return result;
}

/** Arches to test: all three, each with the reason it is skipped (printed once) or null. */
export function qjsArches(): { arch: QjsArch; skip: string | null }[] {
  return (['host', 'aarch64', 'armhf'] as QjsArch[]).map((arch) => {
    const skip = qjsSkipReason(arch);
    if (skip) console.warn(`[quickjs ${arch}] skipped: ${skip}`);
    return { arch, skip };
  });
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  input?: string | Buffer;
}

/** The command line that runs `qjs` for an arch (qemu-user-static with `-L <sysroot>` for the ARM builds). */
export function qjsCommand(arch: QjsArch): string[] {
  const bin = ensureQjs(arch);
  if (!bin.path) throw new Error(`qjs for ${arch} unavailable: ${bin.skip}`);
  const qemu = QEMU[arch];
  return qemu ? [qemu[0], '-L', qemu[1], bin.path] : [bin.path];
}

/** Runs a bundled ES module with our qjs, synchronously (blocks the test worker: keep it for short runs). */
export function runQjsSync(arch: QjsArch, scriptPath: string, args: string[] = [], opts: RunOptions = {}): RunResult {
  const [cmd, ...pre] = qjsCommand(arch);
  const r = spawnSync(cmd, [...pre, '-m', scriptPath, ...args], {
    cwd: opts.cwd,
    env: opts.env,
    input: opts.input,
    timeout: opts.timeoutMs === undefined ? 120_000 : opts.timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { code: r.status === null ? -1 : r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** Runs a bundled ES module with our qjs (`qjs -m script args...`); ARM builds run under qemu-user-static. */
export async function runQjs(arch: QjsArch, scriptPath: string, args: string[] = [], opts: RunOptions = {}): Promise<RunResult> {
  const { spawn } = await import('node:child_process');
  const [cmd, ...pre] = qjsCommand(arch);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, '-m', scriptPath, ...args], { cwd: opts.cwd, env: opts.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs === undefined ? 120_000 : opts.timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code === null ? -1 : code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Bundles a TypeScript entry into one ES module for qjs (the same settings the agent's QuickJS bundle needs). */
export async function bundleForQjs(entryTs: string, outFile: string, options: { minify?: boolean } = {}): Promise<string> {
  const esbuild = await import('esbuild');
  mkdirSync(path.dirname(outFile), { recursive: true });
  await esbuild.build({
    entryPoints: [path.resolve(repoRoot, entryTs)],
    outfile: outFile,
    bundle: true,
    format: 'esm',
    target: 'es2020',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    external: ['std', 'os', 'dmnative'],
    minify: options.minify === undefined ? true : options.minify,
    logLevel: 'silent',
  });
  return outFile;
}

/** Scratch directory for a test's bundles and files, under build/ (ignored by git). */
export function scratchDir(name: string): string {
  const dir = path.join(repoRoot, 'build/test-qjs', `${name}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
