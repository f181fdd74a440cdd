import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { startPkgServer, PkgServer } from './support/pkg-server.js';
import { NodeDownloader, NodeStagingFiles } from '../platform/node/download.js';
import { downloadResumable, sidecarName, DownloadOptions } from '../src/update/download.js';
import { UpdateError } from '../src/update/errors.js';
import { backoffDelay } from '../src/backoff.js';
import type { Clock, Random } from '../src/ports/runtime.js';
import { fumoResultFor } from '../src/fumo/result-codes.js';

const fastClock = (): Clock & { slept: number[] } => {
  const slept: number[] = [];
  return { slept, now: () => Date.now(), sleep: async (ms: number) => void slept.push(ms) };
};
const seqRandom = (v = 0x80): Random => ({ bytes: (n: number) => new Uint8Array(n).fill(v) });

let srv: PkgServer;
let dir: string;
const image = new Uint8Array(randomBytes(300_000));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  srv = await startPkgServer();
  dir = mkdtempSync(path.join(tmpdir(), 'dm-dl-'));
});
afterAll(async () => {
  await srv.close();
});

let n = 0;
function opts(url: string, extra: Partial<DownloadOptions> = {}): DownloadOptions {
  return Object.assign(
    { url, file: path.join(dir, `f${++n}.bin`), policy: { allowedHosts: ['127.0.0.1'] }, clock: fastClock(), random: seqRandom(), backoff: { baseMs: 10, maxMs: 100, maxAttempts: 4 } },
    extra,
  );
}
const dl = new NodeDownloader();
const files = new NodeStagingFiles();

async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    if (e instanceof UpdateError) return fumoResultFor(e);
    throw e;
  }
  throw new Error('expected an UpdateError');
}

describe('resumable download', () => {
  it('downloads a whole object, reports progress and marks the sidecar complete', async () => {
    srv.objects.set('/a.bin', { body: image, etag: '"v1"' });
    const seen: number[] = [];
    const o = opts(srv.url('/a.bin'), { onProgress: (p) => seen.push(p.received), expectedSize: image.length });
    expect((await downloadResumable(dl, files, o)).size).toBe(image.length);
    expect(sha(readFileSync(o.file))).toBe(sha(image));
    expect(seen[seen.length - 1]).toBe(image.length);
    expect(JSON.parse(readFileSync(sidecarName(o.file), 'utf8'))).toMatchObject({ complete: true, validator: '"v1"', total: image.length });
    // Already complete: a second call makes no request.
    const before = srv.log.length;
    expect((await downloadResumable(dl, files, o)).size).toBe(image.length);
    expect(srv.log.length).toBe(before);
  });

  it('resumes with Range + If-Range after the connection drops', async () => {
    srv.objects.set('/cut.bin', { body: image, etag: '"c1"', cutAfter: 100_000, cutOnce: true });
    const o = opts(srv.url('/cut.bin'));
    srv.log.length = 0;
    await downloadResumable(dl, files, o);
    expect(sha(readFileSync(o.file))).toBe(sha(image));
    const gets = srv.log.filter((l) => l.path === '/cut.bin');
    expect(gets.length).toBe(2);
    expect(gets[1].range).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(gets[1].range as string)![0])).toBeGreaterThan(0);
    expect(gets[1].ifRange).toBe('"c1"');
  });

  it('resumes across a process restart (new downloader over the same partial file and sidecar)', async () => {
    srv.objects.set('/restart.bin', { body: image, etag: '"r1"', cutAfter: 120_000, cutOnce: true });
    const o = opts(srv.url('/restart.bin'), { backoff: { baseMs: 1, maxMs: 1, maxAttempts: 1 } });
    expect(await codeOf(downloadResumable(dl, files, o))).toBe(503); // the "process" dies with a partial file
    const partial = readFileSync(o.file).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(image.length);
    srv.log.length = 0;
    await downloadResumable(new NodeDownloader(), new NodeStagingFiles(), Object.assign({}, o, { backoff: undefined }));
    expect(sha(readFileSync(o.file))).toBe(sha(image));
    expect(srv.log[0].range).toBe(`bytes=${partial}-`);
  });

  it('starts over when the object changed (If-Range mismatch → 200)', async () => {
    srv.objects.set('/chg.bin', { body: image, etag: '"old"', cutAfter: 50_000, cutOnce: true });
    const o = opts(srv.url('/chg.bin'), { backoff: { baseMs: 1, maxMs: 1, maxAttempts: 1 } });
    await codeOf(downloadResumable(dl, files, o));
    const other = new Uint8Array(randomBytes(200_000));
    srv.objects.set('/chg.bin', { body: other, etag: '"new"' });
    await downloadResumable(dl, files, Object.assign({}, o, { backoff: undefined }));
    expect(sha(readFileSync(o.file))).toBe(sha(other));
  });

  it('does not resume without a validator (no ETag/Last-Modified)', async () => {
    srv.objects.set('/noetag.bin', { body: image, cutAfter: 50_000, cutOnce: true });
    const o = opts(srv.url('/noetag.bin'));
    srv.log.length = 0;
    await downloadResumable(dl, files, o);
    expect(sha(readFileSync(o.file))).toBe(sha(image));
    expect(srv.log.every((l) => l.range === undefined)).toBe(true);
  });

  it('follows a redirect only inside the allow-list', async () => {
    srv.objects.set('/moved', { body: image, status: 302, location: '/a.bin' });
    const o = opts(srv.url('/moved'));
    await downloadResumable(dl, files, o);
    expect(sha(readFileSync(o.file))).toBe(sha(image));
    srv.objects.set('/evil', { body: image, status: 302, location: 'http://evil.example/x' });
    expect(await codeOf(downloadResumable(dl, files, opts(srv.url('/evil'))))).toBe(411);
  });

  it.each([
    ['file:///etc/passwd'],
    ['ftp://127.0.0.1/x.bin'],
    ['http://user:pw@127.0.0.1/x.bin'],
    ['http://other.example/x.bin'],
    ['not a url'],
  ])('refuses %s with 411 and makes no request', async (u) => {
    const before = srv.log.length;
    expect(await codeOf(downloadResumable(dl, files, opts(u)))).toBe(411);
    expect(srv.log.length).toBe(before);
  });

  it('maps HTTP failures to FUMO result codes', async () => {
    srv.objects.set('/s401', { body: image, status: 401 });
    srv.objects.set('/s503', { body: image, status: 503 });
    srv.objects.set('/s500', { body: image, status: 500 });
    expect(await codeOf(downloadResumable(dl, files, opts(srv.url('/missing'))))).toBe(411);
    expect(await codeOf(downloadResumable(dl, files, opts(srv.url('/s401'))))).toBe(406);
    const clock = fastClock();
    expect(await codeOf(downloadResumable(dl, files, opts(srv.url('/s503'), { clock })))).toBe(412);
    expect(clock.slept.length).toBe(3); // 4 attempts, 3 backoff sleeps, then give up
    expect(await codeOf(downloadResumable(dl, files, opts(srv.url('/s500'))))).toBe(500);
  });

  it('gives 412 when nothing listens', async () => {
    const o = opts('http://127.0.0.1:1/x.bin', { backoff: { baseMs: 1, maxMs: 1, maxAttempts: 2 } });
    expect(await codeOf(downloadResumable(dl, files, o))).toBe(412);
  });

  it('aborts a stalled transfer on the idle timeout (407)', async () => {
    srv.objects.set('/stall', { body: image, stall: true, etag: '"s"' });
    const o = opts(srv.url('/stall'), { idleTimeoutMs: 200, backoff: { baseMs: 1, maxMs: 1, maxAttempts: 2 } });
    expect(await codeOf(downloadResumable(dl, files, o))).toBe(407);
  });

  it('aborts a trickle below the low-speed floor (503)', async () => {
    srv.objects.set('/slow', { body: image, trickle: 100, etag: '"t"' });
    const o = opts(srv.url('/slow'), { lowSpeed: { bytesPerSecond: 100_000, windowMs: 300 }, backoff: { baseMs: 1, maxMs: 1, maxAttempts: 1 } });
    expect(await codeOf(downloadResumable(dl, files, o))).toBe(503);
  });

  it('refuses a size different from the descriptor before writing (402)', async () => {
    const o = opts(srv.url('/a.bin'), { expectedSize: image.length - 1 });
    expect(await codeOf(downloadResumable(dl, files, o))).toBe(402);
    expect(existsSync(o.file)).toBe(false);
  });

  it('honours a bandwidth cap', async () => {
    srv.objects.set('/small.bin', { body: image.subarray(0, 100_000), etag: '"b"' });
    const t0 = Date.now();
    await downloadResumable(dl, files, opts(srv.url('/small.bin'), { maxBytesPerSecond: 250_000 }));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300); // 100 kB at 250 kB/s ≥ 400 ms minus the first chunk
  });

  it('ignores a stale partial file that belongs to another URL', async () => {
    const o = opts(srv.url('/a.bin'));
    writeFileSync(o.file, 'garbage');
    writeFileSync(sidecarName(o.file), JSON.stringify({ url: 'http://127.0.0.1/other', validator: '"v1"' }));
    await downloadResumable(dl, files, o);
    expect(sha(readFileSync(o.file))).toBe(sha(image));
  });
});

describe('backoff', () => {
  it('stays within [cap/2, cap] and is capped', () => {
    const p = { baseMs: 1000, maxMs: 8000, maxAttempts: 10 };
    for (let retry = 1; retry < 10; retry++) {
      const cap = Math.min(8000, 1000 * 2 ** (retry - 1));
      expect(backoffDelay(p, retry, seqRandom(0))).toBe(cap / 2);
      expect(backoffDelay(p, retry, seqRandom(0xff))).toBe(cap);
    }
  });
});
