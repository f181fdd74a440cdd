// Node entry point: `node dist/node/cli.js ...`.
import { open, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { runCli } from '../../src/cli/main.js';
import type { CliHost } from '../../src/cli/host.js';
import { createPlatform } from './platform.js';
import { writeStdout } from './stdout.js';

/** Reads stdin to its end, or stops once more than `limit` bytes came (then at most limit + 1 bytes are kept). */
async function readStdin(limit = Infinity): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of process.stdin) {
    const b = c as Buffer;
    chunks.push(total + b.length > limit ? b.subarray(0, limit + 1 - total) : b);
    total += b.length;
    if (total > limit) {
      process.stdin.destroy();
      break;
    }
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** Reads up to limit + 1 bytes of a file in chunks: also bounded for /dev/zero, FIFOs and files growing meanwhile. */
async function readFileCapped(path: string, limit: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    while (total <= limit) {
      const buf = Buffer.alloc(Math.min(65536, limit + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
    }
    return new Uint8Array(Buffer.concat(chunks));
  } finally {
    await fh.close();
  }
}

const host: CliHost = {
  runtime: 'node',
  async readFile(path, limit) {
    try {
      return limit === undefined ? new Uint8Array(await readFile(path)) : await readFileCapped(path, limit);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new Error(err.code === 'ENOENT' ? `${path}: no such file` : `${path}: ${err.message}`);
    }
  },
  fileExists: (path) => existsSync(path),
  readStdin,
  writeStdout,
  writeStderr(text) {
    process.stderr.write(text);
  },
  // Progress is drawn as a bar only on a terminal (src/cli/progress.ts); its width follows the window.
  stderrTerminal: () => (process.stderr.isTTY ? { columns: process.stderr.columns || 80 } : null),
  platform: createPlatform,
};

runCli(process.argv.slice(2), host).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`dm-agent: internal error: ${(e as Error).stack || e}\n`);
    process.exitCode = 1;
  },
);
