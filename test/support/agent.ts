// Runs the built agent the way a person or a script would: `node dist/node/cli.js ...` or
// `qjs -m dist/quickjs/dm-agent.js ...` (host qjs, or arm64/armhf qjs under qemu-user-static), or the executable the
// images ship (runtime 'qjs-exe': QuickJS + dmnative + the bundle as bytecode, scripts/build-agent, host build).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { qjsCommand, qjsSkipReason, ensureQjs, repoRoot, type QjsArch } from './qjs.js';

export type AgentRuntime = 'node' | 'qjs' | 'qjs-aarch64' | 'qjs-armhf' | 'qjs-exe';

export const RUNTIMES: AgentRuntime[] = ['node', 'qjs', 'qjs-aarch64', 'qjs-armhf'];

const ARCH: Record<Exclude<AgentRuntime, 'node'>, QjsArch> = { qjs: 'host', 'qjs-aarch64': 'aarch64', 'qjs-armhf': 'armhf', 'qjs-exe': 'host' };

let exeBuilt: string | undefined;
/** Relinks build/agent/<host>/dm-agent from the current bundle once per test process (scripts/build-agent, ~1 s once
 *  qjs is built; it locks against parallel builders and replaces the file by rename, so running copies are safe). */
function ensureAgentExe(): string {
  if (exeBuilt) return exeBuilt;
  ensureBuilt();
  try {
    execFileSync('bash', [path.join(repoRoot, 'scripts/build-agent'), 'host'], { cwd: repoRoot, stdio: 'pipe', timeout: 900_000 });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`scripts/build-agent host failed: ${err.stderr ? err.stderr.toString() : err.message}`);
  }
  exeBuilt = path.join(repoRoot, 'build/agent', process.arch === 'arm64' ? 'aarch64' : 'x86_64', 'dm-agent');
  return exeBuilt;
}

let built = false;
/** Builds dist/ once per test process when it is missing or older than the sources. */
export function ensureBuilt(): void {
  if (built) return;
  const out = path.join(repoRoot, 'dist/quickjs/dm-agent.js');
  const newest = (dir: string): number => {
    let t = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }
    return t;
  };
  const srcTime = Math.max(newest(path.join(repoRoot, 'src')), newest(path.join(repoRoot, 'platform')));
  if (!existsSync(out) || statSync(out).mtimeMs < srcTime || !existsSync(path.join(repoRoot, 'dist/node/cli.js'))) {
    execFileSync('node', [path.join(repoRoot, 'scripts/build.mjs'), '--quiet'], { cwd: repoRoot, stdio: 'inherit' });
  }
  built = true;
}

/** Why a runtime cannot run here (missing tool), or null. */
export function runtimeSkipReason(rt: AgentRuntime): string | null {
  if (rt === 'node') return null;
  return qjsSkipReason(ARCH[rt]);
}

/** Builds what a runtime needs (dist/, and qjs for the arch) — call from beforeAll: a first qjs build takes minutes. */
export function prepareRuntime(rt: AgentRuntime): void {
  ensureBuilt();
  if (rt === 'qjs-exe') ensureAgentExe();
  else if (rt !== 'node') ensureQjs(ARCH[rt]);
}

export function agentCommand(rt: AgentRuntime): string[] {
  ensureBuilt();
  if (rt === 'node') return [process.execPath, path.join(repoRoot, 'dist/node/cli.js')];
  if (rt === 'qjs-exe') return [ensureAgentExe()];
  const bin = ensureQjs(ARCH[rt]);
  if (!bin.path) throw new Error(`qjs unavailable: ${bin.skip}`);
  return [...qjsCommand(ARCH[rt]), '-m', path.join(repoRoot, 'dist/quickjs/dm-agent.js')];
}

export interface AgentRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runAgent(rt: AgentRuntime, args: string[], opts: { input?: Buffer | string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<AgentRun> {
  const [cmd, ...pre] = agentCommand(rt);
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, ...args], { cwd: repoRoot, env: { ...process.env, ...(opts.env || {}) } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs || 60_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code === null ? -1 : code, stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString(), ms: Date.now() - t0 });
    });
    // An agent that exits before it reads stdin (usage errors, or simply a fast start) closes the pipe: EPIPE here is
    // not the test's business, the exit status and output are.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input === undefined ? '' : opts.input);
  });
}

/** A scratch directory with a config file for the agent; returns [configPath, stateDir]. */
export function agentConfig(config: Record<string, unknown>, name = 'agent'): { dir: string; config: string; state: string } {
  const dir = mkdtempSync(path.join(tmpdir(), `dm-${name}-`));
  const state = path.join(dir, 'state');
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ stateDir: state, ...config }, null, 2));
  return { dir, config: file, state };
}
