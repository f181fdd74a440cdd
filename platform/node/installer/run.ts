// Runs an installer command and captures its output. Never throws for a non-zero exit (the adapters map exit codes
// to SCOMO result codes, digest §6.3); a command that cannot be started at all throws a ScomoError.

import { spawn } from 'node:child_process';
import { ScomoError } from '../../../src/scomo/errors.js';
import { ScomoResult } from '../../../src/scomo/codes.js';

export interface RunResult {
  /** Exit code; -1 when killed by a signal or by the timeout. */
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Kill the command after this long (default 30 minutes: a large package on a slow flash). */
  timeoutMs?: number;
  /** Result code when the command cannot be started (default 1405 Install Failed). */
  spawnFailureCode?: number;
}

const MAX_CAPTURE = 64 * 1024;

export function runCommand(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ? { ...process.env, ...options.env } : process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    // Keep only the tail of long outputs: the error is at the end, memory stays bounded.
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString('utf8')).slice(-MAX_CAPTURE)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-MAX_CAPTURE)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs || 30 * 60 * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new ScomoError(options.spawnFailureCode || ScomoResult.InstallFailed, `cannot run ${command}: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code === null ? -1 : code, stdout, stderr, timedOut });
    });
  });
}

/** Last non-empty lines of a command's output, for error messages and logs. */
export function tail(text: string, lines = 3): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .slice(-lines)
    .join(' | ');
}
