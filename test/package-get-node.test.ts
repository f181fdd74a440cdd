// The package GET on the wire (Downloader.fetch of the Node adapter, platform/node/package-get.ts) against raw
// 127.0.0.1 servers that write exactly the bytes a scenario needs: the request head the server sees; a chunked body
// with extensions and trailers written one byte per TCP segment; 1xx answers before the final one; a close-delimited
// body; a head too large and a connection cut mid-chunk (TransferError 'network'); and the memory property: every
// body chunk handed on is a view of one reused read buffer (plain TCP), or of that buffer and a few small spares
// (TLS, whose already decrypted records still come after a pause), with every byte right although the consumer is
// slow. The scenarios are a table over runtimes: each entry builds that runtime's Downloader.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { NodeDownloader } from '../platform/node/download.js';
import type { Downloader, FetchRequest } from '../src/ports/update.js';
import { TransferError } from '../src/update/errors.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Runtime {
  name: string;
  downloader(o: { ca?: string }): Downloader;
}
const RUNTIMES: Runtime[] = [{ name: 'node', downloader: (o) => new NodeDownloader(o) }];

/** A server that reads the request head and hands the socket to `answer`; `heads` records every request head. */
interface RawServer {
  url(p: string): string;
  heads: string[];
  close(): Promise<void>;
}
type Answer = (s: net.Socket, path: string) => void | Promise<void>;

async function rawServer(answer: Answer, secure?: { key: Buffer; cert: Buffer }): Promise<RawServer> {
  const heads: string[] = [];
  const onSocket = (s: net.Socket) => {
    let got = '';
    const onData = (d: Buffer) => {
      got += d.toString('latin1');
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      s.off('data', onData);
      const head = got.slice(0, end);
      heads.push(head);
      void answer(s, head.split(' ')[1]);
    };
    s.on('data', onData);
    s.on('error', () => undefined);
  };
  const server = secure ? tls.createServer(secure, onSocket) : net.createServer(onSocket);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: (p) => `${secure ? 'https' : 'http'}://127.0.0.1:${port}${p}`,
    heads,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Writes `text` one byte per TCP segment (no Nagle: each write is its own segment, each read sees one byte). */
async function dribble(s: net.Socket, text: string): Promise<void> {
  s.setNoDelay(true);
  for (const c of Buffer.from(text, 'latin1')) {
    s.write(Buffer.from([c]));
    await sleep(1);
  }
}

const base = (url: string, extra: Partial<FetchRequest> = {}): FetchRequest =>
  Object.assign({ url, offset: 0, connectTimeoutMs: 5000, idleTimeoutMs: 5000 }, extra);

/** A streamed GET that keeps a copy of the bytes and the backing store of every chunk handed on. */
async function fetchAll(d: Downloader, r: FetchRequest, slow?: (n: number) => Promise<void>) {
  const parts: Buffer[] = [];
  const stores = new Set<ArrayBufferLike>();
  let status = 0;
  let headers: Record<string, string> = {};
  const res = await d.fetch(r, {
    onResponse: async (h) => {
      status = h.status;
      headers = h.headers;
    },
    onBody: async (b) => {
      stores.add(b.buffer);
      parts.push(Buffer.from(b));
      if (slow) await slow(parts.length);
    },
  });
  return { res, status, headers, body: Buffer.concat(parts), stores, chunks: parts.length };
}

async function failure(p: Promise<unknown>): Promise<TransferError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TransferError);
    return e as TransferError;
  }
  throw new Error('expected a TransferError');
}

const CHUNKED_BODY = '5;name=value;flag\r\nhello\r\n1 ; x="a;b"\r\n \r\nA\r\n0123456789\r\n0;last\r\nX-Checksum: abc\r\n\r\n';
const big = new Uint8Array(randomBytes(1 << 20));
const BIG_TOTAL = 48 << 20;
/** BIG_TOTAL bytes: `big` repeated. */
async function pumpBig(s: net.Socket): Promise<void> {
  s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BIG_TOTAL}\r\n\r\n`);
  for (let i = 0; i < BIG_TOTAL / big.length; i++) if (!s.write(big)) await new Promise((r) => s.once('drain', r));
  s.end();
}
function bigSha(): string {
  const h = createHash('sha256');
  for (let i = 0; i < BIG_TOTAL / big.length; i++) h.update(big);
  return h.digest('hex');
}

interface Ctx {
  rt: Runtime;
  srv: RawServer;
  tlsSrv: RawServer;
  ca: string;
}

const answers: Record<string, Answer> = {
  '/plain': (s) => void s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
  '/chunked-dribble': async (s) => {
    await dribble(s, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nETag: "d1"\r\n\r\n' + CHUNKED_BODY);
    s.end();
  },
  '/interim': (s) => void s.end('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nfin'),
  '/close-delimited': async (s) => {
    s.write('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nfirst ');
    await sleep(30);
    s.end('second');
  },
  '/huge-head': (s) => void s.end('HTTP/1.1 200 OK\r\n' + 'X-Pad: ' + 'p'.repeat(80_000) + '\r\nContent-Length: 0\r\n\r\n'),
  '/cut-chunk': async (s) => {
    s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nhalf');
    await sleep(30);
    s.destroy();
  },
  '/big': pumpBig,
};
const dispatch: Answer = (s, p) => (answers[p.split('?')[0]] || answers['/plain'])(s, p);

type Scenario = [string, (c: Ctx) => Promise<void>];
const SCENARIOS: Scenario[] = [
  [
    'the request: GET with Host, User-Agent dm-agent/<version> (node v<x.y.z>), Range/If-Range, Accept-Encoding identity and Connection close',
    async ({ rt, srv }) => {
      const r = await fetchAll(rt.downloader({}), base(srv.url('/plain?v=1'), { offset: 7, ifRange: '"e1"' }));
      expect(r.body.toString()).toBe('ok');
      const lines = srv.heads[srv.heads.length - 1].split('\r\n');
      expect(lines[0]).toBe('GET /plain?v=1 HTTP/1.1');
      const fields = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      expect(fields).toMatchObject({
        host: srv.url('').replace('http://', ''),
        'user-agent': expect.stringMatching(/^dm-agent\/\S+ \(node v\d+\.\d+\.\d+\)$/),
        range: 'bytes=7-',
        'if-range': '"e1"',
        'accept-encoding': 'identity',
        connection: 'close',
      });
    },
  ],
  [
    'chunked with extensions and trailers, one byte per segment: exactly the chunk data is handed on',
    async ({ rt, srv }) => {
      const r = await fetchAll(rt.downloader({}), base(srv.url('/chunked-dribble')));
      expect(r.status).toBe(200);
      expect(r.headers.etag).toBe('"d1"');
      expect(r.body.toString()).toBe('hello 0123456789');
      expect(r.res.received).toBe(16);
    },
  ],
  [
    '1xx interim answers are skipped: onResponse sees the final 200 only',
    async ({ rt, srv }) => {
      const r = await fetchAll(rt.downloader({}), base(srv.url('/interim')));
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe('fin');
    },
  ],
  [
    'a close-delimited body ends with the connection',
    async ({ rt, srv }) => {
      const r = await fetchAll(rt.downloader({}), base(srv.url('/close-delimited')));
      expect(r.body.toString()).toBe('first second');
    },
  ],
  [
    'a head larger than 64 KiB is a network failure naming the cap',
    async ({ rt, srv }) => {
      const e = await failure(fetchAll(rt.downloader({}), base(srv.url('/huge-head'))));
      expect(e.kind).toBe('network');
      expect(e.message).toMatch(/head larger than 65536 bytes/);
    },
  ],
  [
    'a connection cut in the middle of a chunk is a network failure (the download resumes)',
    async ({ rt, srv }) => {
      let handed = '';
      const e = await failure(
        rt.downloader({}).fetch(base(srv.url('/cut-chunk')), { onResponse: async () => undefined, onBody: (b) => void (handed += Buffer.from(b).toString()) }),
      );
      expect(e.kind).toBe('network');
      expect(e.message).toMatch(/closed before the body was complete \(4 bytes came\)/);
      expect(handed).toBe('half');
    },
  ],
  [
    'plain TCP: every chunk of a 48 MiB body is a view of the one read buffer; bytes right with a slow consumer',
    async ({ rt, srv }) => {
      const r = await fetchAll(rt.downloader({}), base(srv.url('/big')), async (n) => {
        if (n % 64 === 0) await sleep(5);
      });
      expect(sha(r.body)).toBe(bigSha());
      expect(r.chunks).toBeGreaterThan(100);
      expect(r.stores.size, `${r.chunks} chunks came in ${r.stores.size} distinct buffers`).toBe(1);
    },
  ],
  [
    'TLS: a 48 MiB body comes in the read buffer and a few spares only; bytes right although the consumer pauses often',
    async ({ rt, tlsSrv, ca }) => {
      const r = await fetchAll(rt.downloader({ ca }), base(tlsSrv.url('/big')), async (n) => {
        if (n % 16 === 0) await sleep(2);
      });
      expect(sha(r.body)).toBe(bigSha());
      expect(r.chunks).toBeGreaterThan(1000);
      expect(r.stores.size, `${r.chunks} chunks came in ${r.stores.size} distinct buffers`).toBeLessThanOrEqual(8);
    },
  ],
];

const dir = mkdtempSync(path.join(tmpdir(), 'dm-pkgget-'));
let srv: RawServer;
let tlsSrv: RawServer;
let ca = '';
beforeAll(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  ca = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
  srv = await rawServer(dispatch);
  tlsSrv = await rawServer(dispatch, { key: readFileSync(path.join(dir, 'key.pem')), cert: Buffer.from(ca) });
});
afterAll(async () => {
  await srv.close();
  await tlsSrv.close();
  rmSync(dir, { recursive: true, force: true });
});

for (const rt of RUNTIMES) {
  describe(`package GET on the wire on ${rt.name}`, () => {
    for (const [name, fn] of SCENARIOS) it(name, () => fn({ rt, srv, tlsSrv, ca }), 60_000);
  });
}
