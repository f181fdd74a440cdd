// The CommandRunner port (src/ports/commands.ts) on Node: child_process.spawn without a shell, stdin written then
// closed, the tail of each output stream kept, SIGKILL on timeout. The one spawn wrapper of this runtime: the flash
// writers, the U-Boot env tools, reboot and health check, and the SCOMO installers all run through it.

import { spawn } from 'node:child_process';
import type { CommandOptions, CommandResult, CommandRunner } from '../../src/ports/commands.js';

const MAX_CAPTURE = 64 * 1024;
const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;

export const nodeRunCommand: CommandRunner = (argv: string[], options: CommandOptions = {}): Promise<CommandResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      env: options.env ? { ...process.env, ...options.env } : process.env,
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    // Keep only the tail of long outputs: the error is at the end, memory stays bounded.
    child.stdout!.on('data', (d: Buffer) => (stdout = (stdout + d.toString('utf8')).slice(-MAX_CAPTURE)));
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-MAX_CAPTURE)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs || DEFAULT_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code === null ? -1 : code, stdout, stderr, timedOut });
    });
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // a tool that exits without reading stdin must not crash us (EPIPE)
      child.stdin.end(options.stdin);
    }
  });
