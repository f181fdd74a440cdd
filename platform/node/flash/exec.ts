// Runs a helper program with optional stdin and collects its output (fw_printenv/fw_setenv, rauc, swupdate, ...).

import { spawn } from 'node:child_process';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(argv: string[], input?: string, timeoutMs = 600_000): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code === null ? (signal ? 128 : 1) : code, stdout, stderr });
    });
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // a tool that exits without reading stdin must not crash us (EPIPE)
      child.stdin.end(input);
    }
  });
}
