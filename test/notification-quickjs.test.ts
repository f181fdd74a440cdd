// Server notifications on QuickJS (platform/quickjs/notify-*.ts) through the on-target probe: the polled spool folder
// and UDP / HTTP through dmnative's own sockets (no socat on PATH) on every qjs build (host, and arm64/armhf under
// qemu), hostile input against those listeners, and the socat relays (the fallback for a qjs without dmnative
// sockets) on the host build. Suites skip with the reason printed when qjs cannot be built here or socat is not installed.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hex } from '../src/bytes.js';
import { buildPkg0, wspPush, type Pkg0Params } from '../scripts/server/pkg0.js';
import { connect, type Socket } from 'node:net';
import { bundleForQjs, ensureQjs, ensureQjsAsync, qjsArches, qjsCommand, scratchDir, type QjsArch } from './support/qjs.js';
import { pathWithout } from './support/path-without.js';
import { NotificationIntake, NotificationQueue } from '../src/notification/index.js';
import { maxPkg0Bytes } from '../src/notification/pkg0.js';
import { HttpNotificationEndpoint } from '../platform/node/notify-http.js';

const SERVER = 'dm.example.org';
const SECRET = 'qjs-secret';
const NONCE = Uint8Array.from([0xde, 0xad, 0xbe, 0xef]);
const params = (o: Partial<Pkg0Params> = {}): Pkg0Params => ({ serverId: SERVER, secret: SECRET, nonce: NONCE, uiMode: 1, initiator: 1, sessionId: 1, ...o });
const credentials = [{ serverId: SERVER, secret: SECRET, nonceHex: hex(NONCE) }];

const dir = scratchDir('notify');
const probe = path.join(dir, 'notify-probe.js');
const haveSocat = spawnSync('sh', ['-c', 'command -v socat'], { stdio: 'ignore' }).status === 0;
if (!haveSocat) console.warn('[notification quickjs] UDP/HTTP relay tests skipped: socat is not installed (apt-get install socat)');

interface ProbeRun {
  /** Resolves with the first stdout line (the ready line or a start error). */
  ready: Promise<any>;
  /** Resolves with the final JSON document and the exit code. */
  done: Promise<{ result: any; code: number; stderr: string }>;
}

function startProbe(arch: QjsArch, input: unknown, env?: NodeJS.ProcessEnv): ProbeRun & { pid: number } {
  const [cmd, ...pre] = qjsCommand(arch);
  const child = spawn(cmd, [...pre, '-m', probe, JSON.stringify(input)], env ? { env } : {});
  let out = '';
  let err = '';
  let readyResolve: (v: any) => void;
  const ready = new Promise<any>((r) => (readyResolve = r));
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    const nl = out.indexOf('\n');
    if (nl >= 0) readyResolve(JSON.parse(out.slice(0, nl)));
  });
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const done = new Promise<{ result: any; code: number; stderr: string }>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = out.trim().split('\n');
      readyResolve(JSON.parse(lines[0] || 'null'));
      resolve({ result: JSON.parse(lines[lines.length - 1] || 'null'), code: code === null ? -1 : code, stderr: err });
    });
  });
  return { ready, done, pid: child.pid as number };
}

/** A free TCP/UDP port number on 127.0.0.1 (asked from the kernel, then released). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

beforeAll(async () => {
  await bundleForQjs('platform/quickjs/notify-probe.ts', probe);
});

describe.each(qjsArches())('spool folder on qjs $arch', ({ arch, skip }) => {
  beforeAll(() => {
    if (!skip) ensureQjs(arch);
  }, 900_000);

  it.skipIf(!!skip)('takes raw, WSP, hex and smstools files in age order, refuses a forged one into bad/, ignores a repeat', async () => {
    const spool = path.join(dir, `spool-${arch}`);
    mkdirSync(spool, { recursive: true });
    const forged = buildPkg0(params({ secret: 'nope', sessionId: 9 })).bytes;
    writeFileSync(path.join(spool, '1-raw.bin'), buildPkg0(params({ sessionId: 0x1a, uiMode: 3 })).bytes);
    writeFileSync(path.join(spool, '2-forged.bin'), forged);
    writeFileSync(path.join(spool, '3-push.bin'), wspPush(buildPkg0(params({ sessionId: 0x2b })).bytes));
    writeFileSync(path.join(spool, '4-gammu.txt'), hex(wspPush(buildPkg0(params({ sessionId: 0x3c })).bytes)).toUpperCase());
    writeFileSync(
      path.join(spool, '5-smstools'),
      Buffer.concat([Buffer.from('From: 123\nUDH: true\n\n'), Buffer.from([6, 5, 4, 0x0b, 0x84, 0x23, 0xf0]), wspPush(buildPkg0(params({ sessionId: 0x4d })).bytes)]),
    );
    writeFileSync(path.join(spool, '6-repeat.bin'), buildPkg0(params({ sessionId: 0x1a, uiMode: 3 })).bytes);
    const run = startProbe(arch, { notifications: { spool: { dir: spool, pollMs: 20, settleMs: 0 } }, credentials, expect: 4, timeoutMs: 20_000 });
    expect((await run.ready).ready).toBe(true);
    const { result, code, stderr } = await run.done;
    expect(code, stderr).toBe(0);
    expect(result.notifications.map((n: any) => [n.sessionId, n.uiMode, n.layers.join('+')])).toEqual([
      ['1A', 'user-interaction', ''],
      ['2B', 'background', 'wsp'],
      ['3C', 'background', 'hex+wsp'],
      ['4D', 'background', 'smstools+udh+wsp'],
    ]);
    expect(readdirSync(path.join(spool, 'bad')).sort()).toEqual(['2-forged.bin', '2-forged.bin.reason.txt']);
    expect(readdirSync(path.join(spool, 'done')).sort()).toEqual(['1-raw.bin', '3-push.bin', '4-gammu.txt', '5-smstools', '6-repeat.bin']);
    expect(stderr).toContain('"msg":"duplicate notification ignored"');
    expect(stderr).toContain('"field":"digest"');
  }, 120_000);
});

describe('UDP and HTTP through socat on qjs host (the fallback without dmnative sockets)', () => {
  const skip = qjsArches()[0].skip || (haveSocat ? null : 'socat not installed');
  // our qjs has dmnative sockets: the probe is told to use the relays anyway
  const forceSocat = { forceSocat: true };

  it.skipIf(!!skip)('relays a WAP push datagram and an HTTP POST into the spool; the HTTP helper answers like the Node endpoint', async () => {
    ensureQjs('host');
    const spool = path.join(dir, 'relay-spool');
    const [udpPort, httpPort] = [await freePort(), await freePort()];
    const run = startProbe('host', {
      notifications: {
        udp: { port: udpPort, address: '127.0.0.1' },
        http: { port: httpPort, address: '127.0.0.1', path: '/n' },
        spool: { dir: spool, pollMs: 20, settleMs: 0 },
      },
      credentials,
      expect: 2,
      timeoutMs: 15_000,
      listen: forceSocat,
    });
    const ready = await run.ready;
    expect(ready.ready, JSON.stringify(ready)).toBe(true);
    const url = `http://127.0.0.1:${httpPort}/n`;
    const type = { 'content-type': 'application/vnd.syncml.notification' };
    // the refusals first: the probe stops its relays once both good notifications are in
    expect((await fetch(url.replace('/n', '/x'), { method: 'POST', headers: type, body: 'x' })).status).toBe(404);
    expect((await fetch(url)).status).toBe(405);
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })).status).toBe(415);
    expect((await fetch(url, { method: 'POST', headers: type, body: new Uint8Array(5000) })).status).toBe(413);
    const accepted = await fetch(url, { method: 'POST', headers: type, body: buildPkg0(params({ sessionId: 0x6f })).bytes });
    expect(accepted.status).toBe(202);
    expect(await accepted.text()).toBe('spooled\n');
    const sock = createSocket('udp4');
    const pdu = wspPush(buildPkg0(params({ sessionId: 0x5e, uiMode: 2 })).bytes);
    await new Promise<void>((resolve, reject) => sock.send(pdu, udpPort, '127.0.0.1', (e) => (sock.close(), e ? reject(e) : resolve())));
    const { result, code, stderr } = await run.done;
    expect(code, stderr).toBe(0);
    const got = result.notifications.map((n: any) => [n.sessionId, n.via, n.from.replace(/-.*/, ''), n.layers.join('+')]).sort();
    expect(got).toEqual([
      ['5E', 'udp', 'udp', 'wsp'],
      ['6F', 'http', 'http', ''],
    ]);
    expect(result.relaysAliveAfterClose).toEqual([false, false]);
    expect(readdirSync(spool).filter((n) => !n.startsWith('.') && n !== 'done')).toEqual([]);
  }, 120_000);

  it.skipIf(!!skip)('fails to start with socat\'s reason when the port is taken, naming the config key', async () => {
    ensureQjs('host');
    const busy = createSocket('udp4');
    await new Promise<void>((resolve) => busy.bind(0, '127.0.0.1', () => resolve()));
    const port = busy.address().port;
    try {
      const run = startProbe('host', {
        notifications: { udp: { port, address: '127.0.0.1' }, spool: { dir: path.join(dir, 'busy-spool'), settleMs: 0 } },
        credentials,
        expect: 0,
        listen: forceSocat,
      });
      const { result, code } = await run.done;
      expect(code).toBe(0);
      expect(result.startError.name).toBe('SocatRelayError');
      expect(result.startError.message).toMatch(/^notifications\.udp: socat exited .*Address already in use/);
    } finally {
      busy.close();
    }
  }, 60_000);

  it.skipIf(!!qjsArches()[0].skip)('says socat is missing when it is not found, and needs a spool folder for UDP/HTTP', async () => {
    ensureQjs('host');
    const missing = startProbe('host', {
      notifications: { udp: { port: await freePort(), address: '127.0.0.1' }, spool: { dir: path.join(dir, 'nosocat'), settleMs: 0 }, quickjs: { socat: 'socat-not-installed-here' } },
      credentials,
      expect: 0,
      listen: forceSocat,
    });
    expect((await missing.done).result.startError.message).toBe('notifications.udp: socat-not-installed-here not found (install socat)');
    const nospool = startProbe('host', { notifications: { http: {} }, credentials, expect: 0, listen: forceSocat });
    expect((await nospool.done).result.startError).toMatchObject({ name: 'NotificationConfigError' });
    expect(existsSync(path.join(dir, 'nosocat', '.helpers', 'udp.sh'))).toBe(true);
  }, 60_000);
});

/** Sends `data` on a raw TCP connection and resolves with everything the server sent until it closed (or `ms`). */
function rawHttp(port: number, data: string | Buffer | (string | Buffer)[], ms = 20_000): Promise<{ text: string; closedBy: 'server' | 'timeout' | 'error' }> {
  return new Promise((resolve) => {
    const s: Socket = connect(port, '127.0.0.1');
    let text = '';
    const t = setTimeout(() => (s.destroy(), resolve({ text, closedBy: 'timeout' })), ms);
    s.on('data', (b) => (text += b.toString('latin1')));
    s.on('error', () => (clearTimeout(t), resolve({ text, closedBy: 'error' })));
    s.on('end', () => (clearTimeout(t), s.end(), resolve({ text, closedBy: 'server' })));
    // pieces go out 50 ms apart, so the server reads them one by one
    const pieces = Array.isArray(data) ? data : [data];
    pieces.forEach((p, i) => setTimeout(() => s.write(p), i * 50));
  });
}

/** Resident memory of a process in KiB (under qemu-user: the emulator's, which holds the guest's). */
function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : -1;
}

const sendUdp = (port: number, bytes: Uint8Array) =>
  new Promise<void>((resolve, reject) => {
    const sock = createSocket('udp4');
    sock.send(bytes, port, '127.0.0.1', (e) => (sock.close(), e ? reject(e) : resolve()));
  });

const TYPE = { 'content-type': 'application/vnd.syncml.notification' };
const firstLine = (t: string) => t.split('\r\n')[0];

/**
 * The HTTP answers of a notification endpoint at `url` (path /n) to refusals, malformed requests, a forgery, a genuine
 * package 0 (session 6F) and its repeat: the same scenario against Node's endpoint and against qjs's own.
 */
async function httpAnswers(url: string, port: number): Promise<[string, number | string, string][]> {
  const got: [string, number | string, string][] = [];
  const viaFetch = async (label: string, init?: RequestInit, u = url) => {
    const r = await fetch(u, init);
    const text = await r.text();
    got.push([label, r.status, r.status === 405 ? `allow: ${r.headers.get('allow')}` : text.replace(/^(digest: package 0 has \d+ bytes).*/s, '$1')]);
  };
  const viaRaw = async (label: string, request: string) => {
    const r = await rawHttp(port, request);
    got.push([label, firstLine(r.text), r.closedBy]);
  };
  await viaFetch('other path', { method: 'POST', headers: TYPE, body: 'x' }, url.replace('/n', '/x'));
  await viaFetch('GET');
  await viaFetch('other type', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
  await viaFetch('too large', { method: 'POST', headers: TYPE, body: new Uint8Array(5000) });
  await viaFetch('junk', { method: 'POST', headers: TYPE, body: 'hello' });
  await viaRaw('two Content-Lengths', `POST /n HTTP/1.1\r\nHost: x\r\nContent-Type: ${TYPE['content-type']}\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd`);
  await viaRaw('no Host', 'GET /n HTTP/1.1\r\n\r\n');
  await viaRaw('folded header', 'GET /n HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n');
  await viaRaw('space in a header name', 'GET /n HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n');
  const forged = await fetch(url, { method: 'POST', headers: TYPE, body: buildPkg0(params({ secret: 'nope', sessionId: 0x70 })).bytes });
  got.push(['forged', forged.status, (await forged.text()).split(':')[0]]);
  const body = buildPkg0(params({ sessionId: 0x6f })).bytes;
  await viaFetch('genuine', { method: 'POST', headers: TYPE, body });
  // the repeat in pieces: the end of the head split between two reads, the body in two more
  const head = `POST /n HTTP/1.1\r\nHost: x\r\nContent-Type: ${TYPE['content-type']}\r\nContent-Length: ${body.length}\r\n\r\n`;
  const repeat = await rawHttp(port, [head.slice(0, -3), head.slice(-3), Buffer.from(body.subarray(0, 10)), Buffer.from(body.subarray(10))]);
  got.push(['repeat', firstLine(repeat.text), /\r\n\r\n(.*\r\n)?duplicate\n/.test(repeat.text) ? 'duplicate' : repeat.text]); // Node sends it chunked
  // as curl sends a body over 1 KiB: the head with Expect: 100-continue, the body once the interim answer came
  const expectHead = head.replace('\r\n\r\n', '\r\nExpect: 100-continue\r\n\r\n');
  const expecting = await rawHttp(port, [expectHead, Buffer.from(body)]);
  got.push(['repeat, Expect: 100-continue', firstLine(expecting.text), /\r\n\r\nHTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n(.*\r\n)?duplicate\n/.test(expecting.text) ? '200 duplicate' : expecting.text]);
  return got;
}

const HTTP_ANSWERS: [string, number | string, string][] = [
  ['other path', 404, 'not found\n'],
  ['GET', 405, 'allow: POST'],
  ['other type', 415, 'content type must be application/vnd.syncml.notification\n'],
  ['too large', 413, `body over ${maxPkg0Bytes() + 64} bytes\n`],
  ['junk', 400, 'digest: package 0 has 5 bytes'],
  ['two Content-Lengths', 'HTTP/1.1 400 Bad Request', 'server'],
  ['no Host', 'HTTP/1.1 400 Bad Request', 'server'],
  ['folded header', 'HTTP/1.1 400 Bad Request', 'server'],
  ['space in a header name', 'HTTP/1.1 400 Bad Request', 'server'],
  ['forged', 403, 'digest'],
  ['genuine', 202, 'queued\n'],
  ['repeat', 'HTTP/1.1 200 OK', 'duplicate'],
  ['repeat, Expect: 100-continue', 'HTTP/1.1 100 Continue', '200 duplicate'],
];

describe('the HTTP answers on Node (the reference for qjs)', () => {
  it('answers the refusals, malformed requests, a forgery, a genuine package 0 and its repeat', async () => {
    const queue = new NotificationQueue();
    const nonce = () => NONCE;
    const intake = new NotificationIntake({ credentials: () => [{ serverId: SERVER, secret: SECRET, nonce }], queue, clock: { now: () => Date.now() }, log: { log: () => undefined } });
    const endpoint = new HttpNotificationEndpoint({ port: 0, address: '127.0.0.1', path: '/n', intake, log: { log: () => undefined } });
    const { port } = await endpoint.start();
    try {
      expect(await httpAnswers(`http://127.0.0.1:${port}/n`, port)).toEqual(HTTP_ANSWERS);
      expect(queue.take()).toMatchObject({ sessionIdHex: '6F', via: 'http' });
    } finally {
      await endpoint.close();
    }
  });
});

describe.each(qjsArches())('UDP and HTTP through dmnative sockets on qjs $arch, socat not on PATH', ({ arch, skip }) => {
  const env = { ...process.env, PATH: pathWithout('socat') };
  const type = { 'content-type': 'application/vnd.syncml.notification' };
  beforeAll(async () => {
    if (!skip) await ensureQjsAsync(arch);
  }, 900_000);

  it.skipIf(!!skip)('receives a WAP push datagram and an HTTP POST itself, answering as the Node endpoint does', async () => {
    expect(spawnSync('sh', ['-c', 'command -v socat'], { env, stdio: 'ignore' }).status).not.toBe(0);
    const [udpPort, httpPort] = [await freePort(), await freePort()];
    const run = startProbe(
      arch,
      { notifications: { udp: { port: udpPort, address: '127.0.0.1' }, http: { port: httpPort, address: '127.0.0.1', path: '/n' } }, credentials, expect: 2, timeoutMs: 30_000 },
      env,
    );
    const ready = await run.ready;
    expect(ready, JSON.stringify(ready)).toEqual({
      ready: true,
      socat: [],
      listening: [
        { kind: 'udp', address: '127.0.0.1', port: udpPort },
        { kind: 'http', address: '127.0.0.1', port: httpPort },
      ],
    });
    const url = `http://127.0.0.1:${httpPort}/n`;
    // the refusals first: the probe stops listening once both good notifications are in
    expect(await httpAnswers(url, httpPort)).toEqual(HTTP_ANSWERS);
    await sendUdp(udpPort, wspPush(buildPkg0(params({ sessionId: 0x5e, uiMode: 2 })).bytes));
    const { result, code, stderr } = await run.done;
    expect(code, stderr).toBe(0);
    const got = result.notifications.map((n: any) => [n.sessionId, n.via, n.from.replace(/:\d+$/, ''), n.layers.join('+')]).sort();
    expect(got).toEqual([
      ['5E', 'udp', '127.0.0.1', 'wsp'],
      ['6F', 'http', '127.0.0.1', ''],
    ]);
    expect(stderr).toContain('"msg":"listening for WAP push notifications"');
    expect(stderr).not.toContain('socat');
  }, 180_000);

  it.skipIf(!!skip)('fails to start naming the config key and the errno when the port is taken; needs no spool folder', async () => {
    const busy = createSocket('udp4');
    await new Promise<void>((resolve) => busy.bind(0, '127.0.0.1', () => resolve()));
    const port = busy.address().port;
    try {
      const run = startProbe(arch, { notifications: { udp: { port, address: '127.0.0.1' } }, credentials, expect: 0 }, env);
      const { result, code } = await run.done;
      expect(code).toBe(0);
      expect(result.startError.message).toBe(`notifications.udp: cannot listen on 127.0.0.1:${port}: dmnative.udpBind(127.0.0.1:${port}): EADDRINUSE Address already in use`);
    } finally {
      busy.close();
    }
  }, 60_000);

  it.skipIf(!!skip)('hostile input (huge datagrams, slowloris, a huge head, an endless body) neither blocks it nor grows its memory', async () => {
    const [udpPort, httpPort] = [await freePort(), await freePort()];
    const run = startProbe(
      arch,
      {
        notifications: { udp: { port: udpPort, address: '127.0.0.1' }, http: { port: httpPort, address: '127.0.0.1', path: '/n' } },
        credentials,
        expect: 3,
        timeoutMs: 90_000,
        listen: { httpTimeoutMs: 1500, httpMaxConnections: 4 },
      },
      env,
    );
    expect((await run.ready).ready).toBe(true);
    // The same hostile round twice: the first may still grow the heap (and, under qemu, the translation cache) to its
    // working size; the second must not grow it further.
    const round = async (genuineId: number) => {
      // 300 datagrams of 60000 bytes: each is dropped whole, none is held
      const big = new Uint8Array(60_000).fill(0x41);
      for (let i = 0; i < 300; i++) await sendUdp(udpPort, big);
      // slowloris: 12 connections that send half a request line and then nothing; only 4 are served at once
      const t0 = Date.now();
      const slow = Array.from({ length: 12 }, () => rawHttp(httpPort, 'POST /n HTTP/1.1\r\n'));
      await new Promise((r) => setTimeout(r, 300));
      // a head over 8 KiB: 431; a body that never ends: 413 at once, then the connection is cut
      const hugeHead = rawHttp(httpPort, `POST /n HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`);
      const endless = rawHttp(httpPort, Buffer.concat([Buffer.from(`POST /n HTTP/1.1\r\nHost: x\r\nContent-Type: ${type['content-type']}\r\nContent-Length: 99999999\r\n\r\n`), Buffer.alloc(1024 * 1024)]));
      // a genuine notification still gets through once the slow ones have timed out
      const accepted = await fetch(`http://127.0.0.1:${httpPort}/n`, { method: 'POST', headers: type, body: buildPkg0(params({ sessionId: genuineId })).bytes });
      expect(accepted.status).toBe(202);
      const waitedMs = Date.now() - t0;
      const slowAnswers = await Promise.all(slow);
      expect(slowAnswers.map((a) => [a.text.split('\r\n')[0], a.closedBy])).toEqual(slowAnswers.map(() => ['HTTP/1.1 408 Request Timeout', 'server']));
      expect((await hugeHead).text.split('\r\n')[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
      const cut = await endless;
      expect(cut.text.split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large');
      expect(cut.closedBy).not.toBe('timeout');
      return waitedMs;
    };
    const rss = [rssKiB(run.pid)];
    const waited = [await round(0x71)];
    rss.push(rssKiB(run.pid));
    waited.push(await round(0x72));
    rss.push(rssKiB(run.pid));
    await sendUdp(udpPort, wspPush(buildPkg0(params({ sessionId: 0x73 })).bytes));
    const { result, code, stderr } = await run.done;
    expect(code, stderr).toBe(0);
    expect(result.notifications.map((n: any) => n.sessionId).sort()).toEqual(['71', '72', '73']);
    // the ones the socket buffer held were each read and dropped as too large (the kernel drops the rest)
    const tooLarge = stderr.split('datagram of 60000 bytes, at most').length - 1;
    expect(tooLarge).toBeGreaterThan(0);
    expect(stderr).not.toContain('"code":"truncated"');
    console.log(
      `[notification quickjs ${arch}] hostile input, two rounds: RSS ${rss.join(' -> ')} KiB; ${tooLarge}/600 huge datagrams reached the socket and were ` +
        `dropped; the genuine POST was answered after ${waited.join(' / ')} ms behind 12 slow connections (4 at once, 1.5 s each)`,
    );
    expect(rss[2] - rss[1]).toBeLessThan(1024);
  }, 180_000);
});
