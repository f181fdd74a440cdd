// Resume across a real process kill: a child process downloads over a slow link and is SIGKILLed mid-transfer; a
// fresh download in this process continues with `Range: bytes=<partial>-` and `If-Range`, and the result is exact.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { startPkgServer, PkgServer } from './support/pkg-server.js';
import { NodeDownloader, NodeStagingFiles } from '../platform/node/download.js';
import { downloadResumable } from '../src/update/download.js';

let srv: PkgServer;
const image = new Uint8Array(randomBytes(400_000));
beforeAll(async () => {
  srv = await startPkgServer();
});
afterAll(() => srv.close());

it('resumes with Range after SIGKILL of the downloading process', async () => {
  srv.objects.set('/slow.bin', { body: image, etag: '"k1"', trickle: 8192 }); // ~160 kB/s
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-kill-'));
  const file = path.join(dir, 'pkg.bin');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'support/dl-child.ts'), srv.url('/slow.bin'), file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 20_000;
  const size = () => {
    try {
      return statSync(file).size;
    } catch (e) {
      return 0;
    }
  };
  while (size() < 100_000) {
    if (Date.now() > deadline) throw new Error(`child made no progress: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  const partial = size();
  expect(partial).toBeGreaterThanOrEqual(100_000);
  expect(partial).toBeLessThan(image.length);
  expect(out).not.toContain('done');

  srv.objects.set('/slow.bin', { body: image, etag: '"k1"' });
  srv.log.length = 0;
  const res = await downloadResumable(new NodeDownloader(), new NodeStagingFiles(), {
    url: srv.url('/slow.bin'),
    file,
    policy: { allowedHosts: ['127.0.0.1'] },
    clock: { now: () => Date.now(), sleep: async () => undefined },
    random: { bytes: (n) => new Uint8Array(n) },
  });
  expect(res.size).toBe(image.length);
  expect(srv.log[0]).toMatchObject({ range: `bytes=${partial}-`, ifRange: '"k1"' });
  expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(createHash('sha256').update(image).digest('hex'));
}, 60_000);
