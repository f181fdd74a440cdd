// The Node CommandRunner for the SCOMO installer and service adapters (src/scomo/installers): spawn without a shell,
// bounded output capture, a kill on timeout.

import { spawn } from 'node:child_process';
import type { CommandOptions, CommandResult, CommandRunner } from '../../../src/scomo/installers/command.js';

const MAX_CAPTURE = 64 * 1024;

export function runCommand(command: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ? { ...process.env, ...options.env } : process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    // Keep only the tail of long outputs: the error is at the end, memory stays bounded.
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString('utf8')).slice(-MAX_CAPTURE)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-MAX_CAPTURE)));
    // Default 30 minutes: a large package on slow flash.
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs || 30 * 60 * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code === null ? -1 : code, stdout, stderr, timedOut });
    });
  });
}

export const nodeCommandRunner: CommandRunner = { run: runCommand };
