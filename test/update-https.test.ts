// Package download over HTTPS with a CA given to the adapter; an untrusted certificate is a connect failure (412).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { NodeDownloader, NodeStagingFiles } from '../platform/node/download.js';
import { downloadResumable } from '../src/update/download.js';
import { UpdateError } from '../src/update/errors.js';
import { fumoResultFor } from '../src/fumo/result-codes.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dm-tls-'));
const image = new Uint8Array(randomBytes(200_000));
let server: https.Server;
let base = '';
let cert = '';

beforeAll(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  cert = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
  server = https.createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert }, (req, res) => {
    const m = /^bytes=(\d+)-$/.exec(String(req.headers.range || ''));
    const start = m && req.headers['if-range'] === '"t1"' ? Number(m[1]) : 0;
    const h: Record<string, string> = { etag: '"t1"', 'content-length': String(image.length - start) };
    if (start > 0) h['content-range'] = `bytes ${start}-${image.length - 1}/${image.length}`;
    res.writeHead(start > 0 ? 206 : 200, h);
    res.end(Buffer.from(image.subarray(start)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const opts = (file: string) => ({
  url: `${base}/fw.bin`,
  file,
  policy: { allowedHosts: ['127.0.0.1'], allowHttp: false },
  clock: { now: () => Date.now(), sleep: async () => undefined },
  random: { bytes: (n: number) => new Uint8Array(n) },
  backoff: { baseMs: 1, maxMs: 1, maxAttempts: 2 },
});

it('downloads over https with the configured CA', async () => {
  const file = path.join(dir, 'a.bin');
  const res = await downloadResumable(new NodeDownloader({ ca: cert }), new NodeStagingFiles(), opts(file));
  expect(res.size).toBe(image.length);
  expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(createHash('sha256').update(image).digest('hex'));
});

it('refuses an untrusted certificate (412)', async () => {
  const file = path.join(dir, 'b.bin');
  let code = 0;
  try {
    await downloadResumable(new NodeDownloader(), new NodeStagingFiles(), opts(file));
  } catch (e) {
    code = e instanceof UpdateError ? fumoResultFor(e) : -1;
  }
  expect(code).toBe(412);
});
