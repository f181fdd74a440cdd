// What the Node adapter of the streamed package GET (Downloader.fetch, src/ports/update.ts) shows beyond the scenarios
// both runtimes run (test/download-stream.test.ts): backpressure seen from the server (it can push no more than the
// socket buffers hold while onBody is slow), an onBody rejection that closes the connection, a cut transfer's bytes
// kept for the resume with onBody having seen exactly them, and a zero SyncCadence refused.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { startPkgServer, PkgServer } from './support/pkg-server.js';
import { startBodyServer, BodyServer } from './support/body-server.js';
import { NodeDownloader } from '../platform/node/download.js';
import type { Downloader, FetchHead, FetchRequest } from '../src/ports/update.js';
import { TransferError } from '../src/update/errors.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const image = new Uint8Array(randomBytes(3 << 20));

/** One runtime's downloader; `onDurableWrite` sees every buffer write ('download-chunk') and fsync ('download-fsync'). */
interface Runtime {
  name: string;
  downloader(o?: { onDurableWrite?(what: string): void }): Downloader;
}
const RUNTIMES: Runtime[] = [{ name: 'node', downloader: (o = {}) => new NodeDownloader(o) }];

interface Ctx {
  rt: Runtime;
  pkg: PkgServer;
  body: BodyServer;
  dir: string;
}

const base = (url: string, extra: Partial<FetchRequest> = {}): FetchRequest =>
  Object.assign({ url, offset: 0, connectTimeoutMs: 5000, idleTimeoutMs: 5000 }, extra);

/** A streamed GET that records the head, the order of events and a copy of every chunk. */
async function stream(d: Downloader, r: FetchRequest, onChunk?: (b: Uint8Array, n: number) => Promise<void> | void) {
  const events: string[] = [];
  const chunks: Buffer[] = [];
  let head: FetchHead | undefined;
  const result = await d.fetch(r, {
    onResponse: async (h) => {
      events.push('response');
      head = h;
    },
    onBody: async (b) => {
      events.push('body');
      chunks.push(Buffer.from(b)); // the adapter may reuse `b` afterwards
      if (onChunk) await onChunk(b, chunks.length);
    },
  });
  return { result, head, events, bytes: Buffer.concat(chunks), chunks: chunks.length };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

type Scenario = [string, (c: Ctx) => Promise<void>];
const SCENARIOS: Scenario[] = [
  [
    'fetch: backpressure — one chunk at a time, and a slow onBody holds the server back (memory flat)',
    async ({ rt, body }) => {
      const total = 48 << 20;
      let outstanding = 0;
      let most = 0;
      let received = 0;
      let ahead = -1;
      const h = createHash('sha256');
      const r = await rt.downloader().fetch(base(body.url(`/gen/${total}`)), {
        onResponse: async () => undefined,
        onBody: async (b) => {
          outstanding++;
          most = Math.max(most, outstanding);
          h.update(b);
          received += b.length;
          if (ahead < 0 && received >= 2 << 20) {
            // The consumer stalls: what the server managed to send meanwhile is bounded by the socket buffers.
            await sleep(400);
            ahead = body.requests[body.requests.length - 1].sent() - received;
          }
          outstanding--;
        },
      });
      expect(r.received).toBe(total);
      expect(h.digest('hex')).toBe(body.sha256Of(total));
      expect(most).toBe(1);
      expect(ahead).toBeGreaterThanOrEqual(0);
      expect(ahead, `server got ${ahead} bytes ahead of the consumer`).toBeLessThan(16 << 20);
    },
  ],
  [
    "fetch: an onBody rejection aborts with that error, nothing more is handed on, and the socket is closed",
    async ({ rt, body }) => {
      const boom = new Error('slot write failed');
      let calls = 0;
      const before = body.requests.length;
      const e = await rejection(
        rt.downloader().fetch(base(body.url(`/gen/${32 << 20}`)), {
          onResponse: async () => undefined,
          onBody: async () => {
            calls++;
            if (calls === 3) throw boom;
          },
        }),
      );
      expect(e).toBe(boom);
      const req = body.requests[before];
      for (let i = 0; i < 50 && req.closedAt === undefined; i++) await sleep(20);
      expect(req.closedAt, 'the server saw the connection close').toBeDefined();
      await sleep(50);
      expect(calls).toBe(3);
    },
  ],
  [
    "fetchToFile: onBody sees exactly the file's bytes — whole, resumed (206) and cut short (kept for the resume)",
    async ({ rt, pkg, dir }) => {
      pkg.objects.set('/f.bin', { body: image, etag: '"f1"' });
      const file = path.join(dir, 'f.bin');
      const seen: Buffer[] = [];
      const hooks = { onResponse: async () => undefined, onBody: (b: Uint8Array) => void seen.push(Buffer.from(b)) };
      // Cut after 1.3 MB: the bytes received are flushed and hashed, no more, no fewer.
      pkg.objects.set('/f.bin', { body: image, etag: '"f1"', cutAfter: 1_300_000, cutOnce: true });
      const e = await rejection(rt.downloader().fetchToFile(Object.assign(base(pkg.url('/f.bin')), { file }), hooks));
      expect((e as TransferError).kind).toBe('network');
      const part = readFileSync(file);
      expect(part.length).toBe(1_300_000);
      expect(sha(Buffer.concat(seen))).toBe(sha(part));
      // The resume: only the appended bytes are handed on, and the file is the object.
      seen.length = 0;
      const r = await rt.downloader().fetchToFile(Object.assign(base(pkg.url('/f.bin'), { offset: part.length, ifRange: '"f1"' }), { file }), hooks);
      expect(r.status).toBe(206);
      expect(sha(readFileSync(file))).toBe(sha(image));
      expect(sha(Buffer.concat(seen))).toBe(sha(image.subarray(part.length)));
      // A whole GET.
      seen.length = 0;
      const w = await rt.downloader().fetchToFile(Object.assign(base(pkg.url('/f.bin')), { file }), hooks);
      expect(w.fileSize).toBe(image.length);
      expect(sha(Buffer.concat(seen))).toBe(sha(readFileSync(file)));
    },
  ],
  [
    'fetchToFile: fsync by bytes — every sync.bytes, the default cadence (32 MiB) syncs a 3 MiB file once at the end, a zero cadence is refused',
    async ({ rt, pkg, dir }) => {
      pkg.objects.set('/c.bin', { body: image, etag: '"c1"' });
      const file = path.join(dir, 'c.bin');
      let fsyncs = 0;
      const d = rt.downloader({ onDurableWrite: (what) => void (what === 'download-fsync' && fsyncs++) });
      const hooks = { onResponse: async () => undefined };
      await d.fetchToFile(Object.assign(base(pkg.url('/c.bin')), { file, sync: { bytes: 256 << 10, ms: 600_000 } }), hooks);
      // 3 MiB / 256 KiB = 12 budgets (a socket read may overshoot one), plus the final sync.
      expect(fsyncs).toBeGreaterThanOrEqual(11);
      expect(fsyncs).toBeLessThanOrEqual(13);
      fsyncs = 0;
      await d.fetchToFile(Object.assign(base(pkg.url('/c.bin')), { file }), hooks);
      expect(fsyncs).toBe(1);
      expect(sha(readFileSync(file))).toBe(sha(image));
      // A cadence that would never sync is refused, naming what was wrong.
      await expect(d.fetchToFile(Object.assign(base(pkg.url('/c.bin')), { file, sync: { bytes: 0, ms: 2000 } }), hooks)).rejects.toThrow(/sync cadence.*bytes=0/);
    },
  ],
];

let pkg: PkgServer;
let body: BodyServer;
let dir: string;
beforeAll(async () => {
  pkg = await startPkgServer();
  body = await startBodyServer();
  dir = mkdtempSync(path.join(tmpdir(), 'dm-stream-'));
});
afterAll(async () => {
  await pkg.close();
  await body.close();
  rmSync(dir, { recursive: true, force: true });
});

for (const rt of RUNTIMES) {
  describe(`streamed package GET on ${rt.name}`, () => {
    for (const [name, run] of SCENARIOS) it(name, () => run({ rt, pkg, body, dir }));
  });
}
