// Node entry point: `node dist/node/cli.js ...`.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { runCli } from '../../src/cli/main.js';
import type { CliHost } from '../../src/cli/host.js';
import { createNodePlatform } from './platform.js';

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

const host: CliHost = {
  runtime: 'node',
  async readFile(path) {
    try {
      return new Uint8Array(await readFile(path));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new Error(err.code === 'ENOENT' ? `${path}: no such file` : `${path}: ${err.message}`);
    }
  },
  fileExists: (path) => existsSync(path),
  readStdin,
  writeStdout(data) {
    process.stdout.write(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  },
  writeStderr(text) {
    process.stderr.write(text);
  },
  platform: createNodePlatform,
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
