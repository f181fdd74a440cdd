// A running `dm-agent daemon` in a test: its stderr (the log) as it grows, its exit, and a stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { agentCommand, type AgentRuntime } from './agent.js';
import { until } from './wait.js';

export interface RunningDaemon {
  child: ChildProcess;
  pid: number;
  /** Everything the daemon wrote to stderr so far. */
  log(): string;
  exited: Promise<number>;
  /** Sends `signal` (default SIGTERM) and returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** Starts the daemon with `args` before the command and waits for "daemon ready" (or its exit, then throws). */
export async function startDaemon(rt: AgentRuntime, args: string[], readyMs = 30_000): Promise<RunningDaemon> {
  const [cmd, ...pre] = agentCommand(rt);
  const child = spawn(cmd, [...pre, ...args, 'daemon']);
  let err = '';
  let code: number | undefined;
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number>((r) => child.on('close', (c) => r((code = c === null ? -1 : c))));
  try {
    await until('daemon ready', () => /daemon ready/.test(err) || code !== undefined, { ms: readyMs, detail: () => err.slice(-2000) });
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  if (code !== undefined) throw new Error(`daemon exited ${code} before it was ready: ${err.slice(-2000)}`);
  return {
    child,
    pid: child.pid as number,
    log: () => err,
    exited,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (code === undefined) child.kill(signal);
      return exited;
    },
  };
}
