// The reference server's authentication (docs/protocol.md §3.2-§3.5): MD5 challenge/response with the digest's vectors,
// basic, HMAC on every message, and the server's own credentials (right and deliberately wrong).
import { afterEach, describe, expect, it } from 'vitest';
import { base64Decode, base64Encode, utf8Encode } from '../src/bytes.js';
import { basicCredData, hmacMac, md5CredData, parseHmacHeader } from '../src/dm/auth.js';
import type { Status } from '../src/syncml/model.js';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { commandsOf, genericAlert, statusFor, TestClient } from '../scripts/server/test-client.js';
import { allowViolations } from './support/conformance.js';

allowViolations('server unit tests: a hand-driven client leaves sessions half-done on purpose (auth challenges, wrong credentials)');

const DEVREQ = 'org.openmobilealliance.dm.firmwareupdate.devicerequest';
const USER = 'Bruce2';
const SECRET = 'OhBehave';

let server: DmServer | undefined;
afterEach(async () => {
  if (server) await server.close();
  server = undefined;
});

/** Deterministic "random" nonces: 0x01.., 0x02.., ... so tests can predict NextNonce. */
function counterRandom() {
  let n = 0;
  return (k: number) => new Uint8Array(k).fill(++n);
}

const md5 = (data: string) => ({ meta: { type: 'syncml:auth-md5', format: 'b64' }, data });

describe('MD5 (docs/protocol.md §3.2 vectors)', () => {
  it('accepts the spec example Cred for nonce "Nonce" with 212 and sends a NextNonce for the next session', async () => {
    server = await startDmServer({ auth: { type: 'md5', user: USER, secret: SECRET, nonce: 'Tm9uY2U=' }, random: counterRandom() });
    const c = new TestClient(server.url, 'IMEI:1', '1');
    const { reply } = await c.pkg1([genericAlert(DEVREQ, '')], { cred: md5('Zz6EivR3yeaaENcRN6lpAQ=='), locName: USER });
    const hdr = statusFor(reply, '0') as Status;
    expect(hdr.data).toBe('212');
    expect(hdr.chal && hdr.chal.meta).toMatchObject({ type: 'syncml:auth-md5', format: 'b64' });
    expect(base64Decode((hdr.chal as { meta: { nextNonce: string } }).meta.nextNonce).length).toBe(16);
    expect(server.events.genericAlerts).toHaveLength(1);
  });

  it('challenges a missing Cred with 407 + NextNonce, then accepts the Cred built with that nonce', async () => {
    server = await startDmServer({ auth: { type: 'md5', user: USER, secret: SECRET, nonce: 'Tm9uY2U=' }, random: counterRandom() });
    const c = new TestClient(server.url, 'IMEI:2', '1');
    const first = (await c.pkg1([genericAlert(DEVREQ, '')])).reply;
    const hdr = statusFor(first, '0') as Status;
    expect(hdr.data).toBe('407');
    const nonceB64 = (hdr.chal as { meta: { nextNonce: string } }).meta.nextNonce;
    // docs/protocol.md §1.4: after an auth failure only statuses, one per command, and nothing is executed or recorded
    expect(first.body.every((x) => x.kind === 'Status')).toBe(true);
    expect(first.body.map((x) => (x as Status).data)).toEqual(['407', '407', '407', '407']);
    expect(server.events.genericAlerts).toHaveLength(0);
    const nonce = base64Decode(nonceB64);
    const second = (await c.pkg1([genericAlert(DEVREQ, '')], { cred: md5(md5CredData(USER, SECRET, nonce)) })).reply;
    expect((statusFor(second, '0') as Status).data).toBe('212');
    expect(server.events.genericAlerts).toHaveLength(1);
    expect(server.events.sessions[0]).toMatchObject({ authFailures: 1, authenticated: true, endReason: 'completed' });
  });

  it('refuses a wrong Cred with 401 and a fresh nonce, and gives up after the third failure', async () => {
    server = await startDmServer({ auth: { type: 'md5', user: USER, secret: SECRET, nonce: 'Tm9uY2U=', maxFailures: 3 }, random: counterRandom() });
    const c = new TestClient(server.url, 'IMEI:3', '1');
    const nonces: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = (await c.pkg1([], { cred: md5(md5CredData(USER, 'wrong', utf8Encode('Nonce'))) })).reply;
      const hdr = statusFor(r, '0') as Status;
      expect(hdr.data).toBe('401');
      if (hdr.chal) nonces.push(hdr.chal.meta.nextNonce as string);
    }
    expect(nonces).toHaveLength(2); // no further challenge once the server gave up
    expect(nonces[0]).not.toBe(nonces[1]);
    expect(server.events.sessions[0].endReason).toBe('auth-failed');
  });

  it('requires the requested auth type (basic Cred when md5 was asked → 401)', async () => {
    server = await startDmServer({ auth: { type: 'md5', user: USER, secret: SECRET } });
    const c = new TestClient(server.url, 'IMEI:4', '1');
    const r = (await c.pkg1([], { cred: { meta: { type: 'syncml:auth-basic', format: 'b64' }, data: basicCredData(USER, SECRET) } })).reply;
    expect((statusFor(r, '0') as Status).data).toBe('401');
    expect(server.events.violations).toEqual([]);
  });

  it('does not need Cred again after 212 in the same session', async () => {
    server = await startDmServer({ scenario: 'fumo-200', auth: { type: 'md5', user: USER, secret: SECRET, nonce: 'Tm9uY2U=' } });
    const c = new TestClient(server.url, 'IMEI:5', '1');
    const pkg2 = (await c.pkg1([genericAlert(DEVREQ, '')], { cred: md5('Zz6EivR3yeaaENcRN6lpAQ==') })).reply;
    const pkg4 = (await c.send(c.statuses(pkg2))).reply;
    expect((statusFor(pkg4, '0') as Status).data).toBe('200');
  });
});

describe('basic', () => {
  it('accepts QnJ1Y2UyOk9oQmVoYXZl (docs/protocol.md §3.2) with 212 and challenges a missing Cred with 407', async () => {
    server = await startDmServer({ auth: { type: 'basic', user: USER, secret: SECRET } });
    const ok = (await new TestClient(server.url, 'IMEI:6', '1').pkg1([], { cred: { meta: { type: 'syncml:auth-basic', format: 'b64' }, data: 'QnJ1Y2UyOk9oQmVoYXZl' } })).reply;
    expect((statusFor(ok, '0') as Status).data).toBe('212');
    const no = (await new TestClient(server.url, 'IMEI:6', '2').pkg1([])).reply;
    const hdr = statusFor(no, '0') as Status;
    expect(hdr.data).toBe('407');
    expect(hdr.chal && hdr.chal.meta.type).toBe('syncml:auth-basic');
  });
});

describe('HMAC (docs/protocol.md §3.3, §3.5)', () => {
  const nonce = utf8Encode('Nonce');
  it('checks x-syncml-hmac on every message, answers 200 with a fresh NextNonce each time', async () => {
    server = await startDmServer({ scenario: 'fumo-200', auth: { type: 'hmac', user: USER, secret: SECRET, nonce: base64Encode(nonce) }, random: counterRandom() });
    const c = new TestClient(server.url, 'IMEI:7', '1');
    const pkg2 = (await c.pkg1([genericAlert(DEVREQ, '')], { hmac: { user: USER, secret: SECRET, nonce } })).reply;
    const h1 = statusFor(pkg2, '0') as Status;
    expect(h1.data).toBe('200');
    const n1 = base64Decode(h1.chal!.meta.nextNonce!);
    // next message must be signed with the new nonce; the old one fails
    const bad = (await c.send(c.statuses(pkg2), { hmac: { user: USER, secret: SECRET, nonce } })).reply;
    const h2 = statusFor(bad, '0') as Status;
    expect(h2.data).toBe('401');
    const n2 = base64Decode(h2.chal!.meta.nextNonce!);
    expect(n2).not.toEqual(n1);
    const good = (await c.send(c.statuses(pkg2), { hmac: { user: USER, secret: SECRET, nonce: n2 } })).reply;
    const h3 = statusFor(good, '0') as Status;
    expect(h3.data).toBe('200');
    expect(h3.chal!.meta.nextNonce).not.toBe(h2.chal!.meta.nextNonce);
  });

  it('407 without the header, 401 when the body was changed after signing', async () => {
    server = await startDmServer({ auth: { type: 'hmac', user: USER, secret: SECRET, nonce: base64Encode(nonce) } });
    const r1 = (await new TestClient(server.url, 'IMEI:8', '1').pkg1([])).reply;
    expect((statusFor(r1, '0') as Status).data).toBe('407');
    expect((statusFor(r1, '0') as Status).chal!.meta.type).toBe('syncml:auth-MAC');
    server.events.sessions.length = 0;
    const r2 = (await new TestClient(server.url, 'IMEI:9', '1').pkg1([], { hmac: { user: USER, secret: SECRET, nonce }, tamper: true })).reply;
    expect((statusFor(r2, '0') as Status).data).toBe('401');
  });
});

describe('server credentials (SRVCRED, docs/protocol.md §3.3)', () => {
  const clientNonce = utf8Encode('srvnonce');
  it('puts an MD5 Cred made with the nonce the client issued, and switches to the nonce of the client Chal', async () => {
    server = await startDmServer({
      scenario: 'fumo-200',
      serverId: 'srv',
      serverCred: { type: 'md5', secret: 'srvsecret', nonce: base64Encode(clientNonce) },
    });
    const c = new TestClient(server.url, 'IMEI:10', '1');
    const pkg2 = (await c.pkg1([genericAlert(DEVREQ, '')])).reply;
    expect(pkg2.hdr.cred).toEqual({ meta: { type: 'syncml:auth-md5', format: 'b64' }, data: md5CredData('srv', 'srvsecret', clientNonce) });
    // The client challenges the server with a new nonce; the next server message uses it.
    const st = c.statuses(pkg2, () => 200, 401);
    st[0].chal = { meta: { type: 'syncml:auth-md5', format: 'b64', nextNonce: base64Encode(utf8Encode('fresh')) } };
    const pkg4 = (await c.send(st)).reply;
    expect(pkg4.hdr.cred!.data).toBe(md5CredData('srv', 'srvsecret', utf8Encode('fresh')));
    expect(server.events.sessions[0].serverHdrStatuses).toEqual([401]);
    // ...and it re-sends the refused package, which the client now executes (212 for our SyncHdr)
    expect(commandsOf(pkg4).map((x) => x.kind)).toEqual(['Alert', 'Replace', 'Exec']);
    const pkg6 = (await c.send(c.statuses(pkg4, (x) => (x.kind === 'Exec' ? 202 : 200), 212))).reply;
    expect(commandsOf(pkg6)).toEqual([]);
    expect(server.events.sessions[0]).toMatchObject({ serverHdrStatuses: [401, 212], endReason: 'completed' });
  });

  it('gives up after the client refused its (wrong) credentials three times', async () => {
    server = await startDmServer({
      scenario: 'fumo-200',
      serverId: 'srv',
      serverCred: { type: 'md5', secret: 'srvsecret', nonce: base64Encode(clientNonce), wrong: true },
    });
    const c = new TestClient(server.url, 'IMEI:13', '1');
    let reply = (await c.pkg1([genericAlert(DEVREQ, '')])).reply;
    const kinds: string[][] = [];
    for (let i = 0; i < 3; i++) {
      kinds.push(commandsOf(reply).map((x) => x.kind));
      reply = (await c.send(c.statuses(reply, () => 401, 401))).reply;
    }
    expect(kinds).toEqual([['Alert', 'Replace', 'Exec'], ['Alert', 'Replace', 'Exec'], ['Alert', 'Replace', 'Exec']]);
    expect(commandsOf(reply)).toEqual([]);
    expect(reply.final).toBe(true);
    expect(server.events.sessions[0].endReason).toBe('auth-failed');
  });

  it('stops sending Cred after the client answered 212; a refused statuses-only message is not re-sent', async () => {
    server = await startDmServer({ scenario: 'fumo-200', serverId: 'srv', serverCred: { type: 'md5', secret: 'srvsecret' } });
    const c = new TestClient(server.url, 'IMEI:14', '1');
    // first contact: the server is challenged with 401 (auth=md5 for the client too, so pkg1 goes twice)
    server.setScenario('fumo-200');
    const pkg2 = (await c.pkg1([genericAlert(DEVREQ, '')])).reply;
    expect(pkg2.hdr.cred).toBeDefined();
    const st = c.statuses(pkg2, () => 200, 212);
    const pkg4 = (await c.send(st)).reply;
    expect(pkg4.hdr.cred).toBeUndefined();
    expect(server.events.sessions[0].endReason).toBe('completed');
  });

  it('sends wrong credentials on request', async () => {
    server = await startDmServer({ serverId: 'srv', serverCred: { type: 'md5', secret: 'srvsecret', nonce: base64Encode(clientNonce), wrong: true } });
    const pkg2 = (await new TestClient(server.url, 'IMEI:11', '1').pkg1([])).reply;
    expect(pkg2.hdr.cred!.data).not.toBe(md5CredData('srv', 'srvsecret', clientNonce));
  });

  it('signs its responses with x-syncml-hmac in HMAC mode', async () => {
    server = await startDmServer({ serverId: 'srv', serverCred: { type: 'hmac', secret: 'srvsecret', nonce: base64Encode(clientNonce) } });
    const c = new TestClient(server.url, 'IMEI:12', '1');
    await c.pkg1([]);
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.syncml.dm+xml' },
      body: `<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>2</SessionID><MsgID>1</MsgID><Target><LocURI>${server.url}</LocURI></Target><Source><LocURI>IMEI:12</LocURI></Source></SyncHdr><SyncBody><Alert><CmdID>1</CmdID><Data>1201</Data></Alert><Final/></SyncBody></SyncML>`,
    });
    const body = new Uint8Array(await res.arrayBuffer());
    const h = parseHmacHeader(res.headers.get('x-syncml-hmac') || '');
    expect(h).not.toBeNull();
    expect(h!.username).toBe('srv');
    expect(h!.mac).toBe(hmacMac('srv', 'srvsecret', clientNonce, body));
  });
});
