// Notification transports on Node with real sockets and folders on 127.0.0.1: WAP push over UDP, the HTTP endpoint,
// and the SMS spool folder, each fed by the reference server's deliverPkg0 (scripts/server/pkg0.ts) where it can be.
import { afterEach, describe, expect, it } from 'vitest';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hex, utf8Encode } from '../src/bytes.js';
import type { Log } from '../src/ports/runtime.js';
import { NotificationIntake, NotificationQueue, type ServerCredentials } from '../src/notification/index.js';
import type { NotificationReceipt } from '../src/ports/notification.js';
import { UdpNotificationListener } from '../platform/node/notify-udp.js';
import { HttpNotificationEndpoint } from '../platform/node/notify-http.js';
import { SpoolWatcher } from '../platform/node/notify-spool.js';
import { buildPkg0, deliverPkg0, wspPush, type Pkg0Params } from '../scripts/server/pkg0.js';

const SERVER = 'dm.example.net';
const SECRET = 'server-secret';
const NONCE = Uint8Array.from([9, 8, 7, 6, 5, 4, 3, 2]);
const creds: ServerCredentials = { serverId: SERVER, secret: SECRET, nonce: () => NONCE };
const silent: Log = { log: () => undefined };

function params(o: Partial<Pkg0Params> = {}): Pkg0Params {
  return { serverId: SERVER, secret: SECRET, nonce: NONCE, uiMode: 1, initiator: 1, sessionId: 0x2a, ...o };
}

function setup(capacity = 8) {
  const queue = new NotificationQueue(capacity);
  const intake = new NotificationIntake({ credentials: () => [creds], queue, clock: { now: () => Date.now() }, log: silent });
  return { queue, intake };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

describe('UDP: WAP push over connectionless WSP', () => {
  async function listen(intake: NotificationIntake) {
    const results: NotificationReceipt[] = [];
    let wake: (() => void) | undefined;
    const l = new UdpNotificationListener({
      port: 0,
      address: '127.0.0.1',
      intake,
      log: silent,
      onResult: (r) => {
        results.push(r);
        if (wake) wake();
      },
    });
    const bound = await l.start();
    closers.push(() => l.close());
    const nextResult = async (count: number) => {
      const deadline = Date.now() + 5000;
      while (results.length < count && Date.now() < deadline) await new Promise<void>((r) => ((wake = r), setTimeout(r, 50)));
      expect(results.length).toBeGreaterThanOrEqual(count);
      return results[count - 1];
    };
    return { bound, nextResult };
  }

  it('queues a push sent by the reference server, ignores its repeat, drops a forged one', async () => {
    const { queue, intake } = setup();
    const { bound, nextResult } = await listen(intake);
    expect(bound.port).toBeGreaterThan(0);
    const pkg = buildPkg0(params({ uiMode: 3, sessionId: 0x1b }));
    await deliverPkg0(pkg, 0x1b, { via: 'udp', host: '127.0.0.1', port: bound.port });
    const first = await nextResult(1);
    expect(first.outcome).toBe('queued');
    const n = queue.take()!;
    expect(n).toMatchObject({ sessionIdHex: '1B', serverId: SERVER, uiMode: 'user-interaction', via: 'udp', layers: ['wsp'] });
    expect(n.from).toMatch(/^127\.0\.0\.1:\d+$/);

    await deliverPkg0(pkg, 0x1b, { via: 'udp', host: '127.0.0.1', port: bound.port });
    expect((await nextResult(2)).outcome).toBe('duplicate');

    const forged = buildPkg0(params({ secret: 'guess', sessionId: 0x1c }));
    await deliverPkg0(forged, 0x1c, { via: 'udp', host: '127.0.0.1', port: bound.port });
    const third = await nextResult(3);
    expect(third.outcome).toBe('rejected');
    expect(third.outcome === 'rejected' && third.error.field).toBe('digest');
    expect(queue.size).toBe(0);
  });

  it('refuses a datagram that is not a push for the DM agent, naming the WSP field', async () => {
    const { intake } = setup();
    const { bound, nextResult } = await listen(intake);
    const pdu = wspPush(buildPkg0(params()).bytes);
    pdu[pdu.indexOf(0x87)] = 0x84; // X-WAP-Application-ID of another user agent
    const sock = createSocket('udp4');
    await new Promise<void>((resolve, reject) => sock.send(pdu, bound.port, '127.0.0.1', (e) => (sock.close(), e ? reject(e) : resolve())));
    const r = await nextResult(1);
    expect(r.outcome === 'rejected' && r.error.field).toBe('wsp.appId');
  });

  it('says which address could not be bound', async () => {
    const { intake } = setup();
    const { bound } = await listen(intake);
    const second = new UdpNotificationListener({ port: bound.port, address: '127.0.0.1', intake, log: silent });
    await expect(second.start()).rejects.toThrow(`notifications.udp: cannot listen on 127.0.0.1:${bound.port}`);
  });
});

describe('HTTP endpoint', () => {
  async function endpoint(capacity = 8) {
    const s = setup(capacity);
    const e = new HttpNotificationEndpoint({ port: 0, address: '127.0.0.1', path: '/notify', intake: s.intake, log: silent });
    const bound = await e.start();
    closers.push(() => e.close());
    return { ...s, url: `http://127.0.0.1:${bound.port}/notify` };
  }
  const post = (url: string, body: Uint8Array, type = 'application/vnd.syncml.notification') =>
    fetch(url, { method: 'POST', headers: { 'content-type': type }, body });

  it('accepts the reference server POST (202), answers 200 to its repeat, 403 to a forgery, 400 to junk', async () => {
    const { url, queue } = await endpoint();
    const pkg = buildPkg0(params({ uiMode: 2, sessionId: 0xabc }));
    const rec = await deliverPkg0(pkg, 0xabc, { via: 'http', url });
    expect(rec.via).toBe('http');
    expect(queue.take()).toMatchObject({ sessionIdHex: 'ABC', uiMode: 'informative', via: 'http' });
    const again = await post(url, pkg.bytes);
    expect(again.status).toBe(200);
    expect(await again.text()).toBe('duplicate\n');
    const forged = await post(url, buildPkg0(params({ secret: 'x', sessionId: 5 })).bytes);
    expect(forged.status).toBe(403);
    expect(await forged.text()).toMatch(/^digest:/);
    const junk = await post(url, utf8Encode('hello'));
    expect(junk.status).toBe(400);
    expect(await junk.text()).toMatch(/^digest: package 0 has 5 bytes/);
    expect(queue.size).toBe(0);
  });

  it('refuses other paths, methods and content types, oversized bodies, and says 503 when the queue is full', async () => {
    const { url } = await endpoint(1);
    expect((await fetch(url.replace('/notify', '/other'), { method: 'POST' })).status).toBe(404);
    const get = await fetch(url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await post(url, buildPkg0(params()).bytes, 'application/octet-stream')).status).toBe(415);
    expect((await post(url, new Uint8Array(4000))).status).toBe(413);
    expect((await post(url, new Uint8Array(200_000))).status).toBe(413);
    // without a Content-Length (chunked), the limit is counted while reading
    const chunked = new ReadableStream({
      start(c) {
        for (let k = 0; k < 10; k++) c.enqueue(new Uint8Array(1000));
        c.close();
      },
    });
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/vnd.syncml.notification' }, body: chunked, duplex: 'half' } as RequestInit);
    expect(r.status).toBe(413);
    expect((await post(url, buildPkg0(params({ sessionId: 1 })).bytes)).status).toBe(202);
    const full = await post(url, buildPkg0(params({ sessionId: 2 })).bytes);
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBe('30');
  });
});

describe('spool folder', () => {
  const mk = () => mkdtempSync(path.join(tmpdir(), 'dm-notify-spool-'));

  it('takes files from the reference server, gammu hex text and smstools, moves them to done/ and bad/', async () => {
    const dir = mk();
    const { intake, queue } = setup();
    const w = new SpoolWatcher({ dir, settleMs: 0, intake, log: silent });
    closers.push(() => w.close());
    const rec = await deliverPkg0(buildPkg0(params({ sessionId: 0x10 })), 0x10, { via: 'spool', dir });
    writeFileSync(path.join(dir, 'IN20261122_044000_00_+4917012345_00.txt'), hex(wspPush(buildPkg0(params({ sessionId: 0x11 })).bytes)).toUpperCase() + '\n');
    writeFileSync(
      path.join(dir, 'GSM1.xyz'),
      Buffer.concat([Buffer.from('From: 4917012345\nAlphabet: binary\nUDH: true\n\n'), Buffer.from([6, 5, 4, 0x0b, 0x84, 0x23, 0xf0]), wspPush(buildPkg0(params({ sessionId: 0x12 })).bytes)]),
    );
    const bad = buildPkg0(params({ sessionId: 0x13 })).bytes;
    bad[20] ^= 0x40;
    writeFileSync(path.join(dir, 'bad.bin'), bad);
    writeFileSync(path.join(dir, 'half.tmp'), bad);
    // oldest first: give them increasing modification times
    const files = [path.basename(rec.to), 'IN20261122_044000_00_+4917012345_00.txt', 'GSM1.xyz', 'bad.bin'];
    files.forEach((f, i) => utimesSync(path.join(dir, f), 1_700_000_000 + i, 1_700_000_000 + i));

    const results = await w.pollOnce();
    expect(results.map((r) => r.outcome)).toEqual(['queued', 'queued', 'queued', 'rejected']);
    expect([queue.take()!, queue.take()!, queue.take()!].map((n) => [n.sessionIdHex, n.layers.join('+')])).toEqual([
      ['10', ''],
      ['11', 'hex+wsp'],
      ['12', 'smstools+udh+wsp'],
    ]);
    expect(readdirSync(path.join(dir, 'done')).sort()).toEqual(files.slice(0, 3).sort());
    expect(readdirSync(path.join(dir, 'bad')).sort()).toEqual(['bad.bin', 'bad.bin.reason.txt']);
    expect(readFileSync(path.join(dir, 'bad', 'bad.bin.reason.txt'), 'utf8')).toMatch(/^bad-digest digest:/);
    expect(existsSync(path.join(dir, 'half.tmp'))).toBe(true);
    // a second pass finds nothing new
    expect(await w.pollOnce()).toEqual([]);
  });

  it('polls on its own: a file dropped after start is taken within a few periods, but not before it settles', async () => {
    const dir = mk();
    const { intake, queue } = setup();
    const w = new SpoolWatcher({ dir, pollMs: 20, settleMs: 300, intake, log: silent });
    await w.start();
    closers.push(() => w.close());
    writeFileSync(path.join(dir, 'sms.bin'), buildPkg0(params({ sessionId: 0x77 })).bytes);
    const t0 = Date.now();
    const n = await queue.next();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(n!.sessionIdHex).toBe('77');
    await w.close();
    expect(readdirSync(path.join(dir, 'done'))).toEqual(['sms.bin']);
  });
});
