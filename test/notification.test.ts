// Server notifications, runtime-free part (project issue 11, docs/protocol.md §8): the §8.4 test vector, interop with the
// reference server's buildPkg0 / wspPush, bad digests, wrong server ids, truncation at every length, vendor limits,
// nonce resync in both byte forms, WSP push headers, SMS envelopes, dedup, the queue bound, the spool pass over an
// in-memory folder, UI-mode decisions with a fake UI, and the config section.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concatBytes, fromHex, hex, utf8Encode } from '../src/bytes.js';
import type { Log, LogLevel, UiAnswer, UiRequest, UserInterface } from '../src/ports/runtime.js';
import {
  DedupWindow,
  NotificationConfigError,
  NotificationError,
  NotificationIntake,
  NotificationQueue,
  RESYNC_NONCE_ASCII,
  RESYNC_NONCE_ZERO_BYTES,
  parseNotificationConfig,
  parsePkg0,
  parseWspPush,
  pkg0Digest,
  planNotifiedSession,
  processSpoolOnce,
  serveNotifications,
  serverCredentialsFrom,
  viaFromHelperName,
  sessionIdHex,
  unwrapNotification,
  verifyNotification,
  type Pkg0Notification,
  type QueuedNotification,
  type ServerCredentials,
  type SpoolFs,
} from '../src/notification/index.js';
import { buildPkg0, wspPush, type Pkg0Params } from '../scripts/server/pkg0.js';

// ---- helpers -------------------------------------------------------------------------------------------------------

interface Logged {
  level: LogLevel;
  message: string;
  fields?: Record<string, unknown>;
}
function memoryLog(): Log & { lines: Logged[] } {
  const lines: Logged[] = [];
  return { lines, log: (level, message, fields) => lines.push({ level, message, fields }) };
}

const SERVER = 'com.example.dmserver';
const SECRET = 'srvsecret';
const ISSUED = fromHex('8f2c1e9a77b0d4c35e6f0a1b2c3d4e5f');
const creds = (nonce: Uint8Array = ISSUED, extra: Partial<ServerCredentials> = {}): ServerCredentials => ({
  serverId: SERVER,
  secret: SECRET,
  nonce: () => nonce,
  ...extra,
});

function pkg(overrides: Partial<Pkg0Params> = {}): Uint8Array {
  return buildPkg0({ serverId: SERVER, secret: SECRET, nonce: ISSUED, uiMode: 1, initiator: 1, sessionId: 0x42, ...overrides }).bytes;
}

function expectError(fn: () => unknown, code: NotificationError['code'], field: NotificationError['field']): NotificationError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected NotificationError ${code}/${field}`).toBeInstanceOf(NotificationError);
  const err = caught as NotificationError;
  expect({ code: err.code, field: err.field }).toEqual({ code, field });
  expect(err.message.startsWith(field + ':')).toBe(true);
  return err;
}

// ---- docs/protocol.md §8.4 test vector ---------------------------------------------------------------------------------------

describe('docs/protocol.md §8.4 test vector', () => {
  const trigger = fromHex('02 e8 00 00 00 1a 2b 14 63 6f 6d 2e 65 78 61 6d 70 6c 65 2e 64 6d 73 65 72 76 65 72');
  const digest = fromHex('fd 35 02 d3 32 05 d3 b0 25 b8 7c 8d 3b c9 24 e9');
  const bytes = concatBytes([digest, trigger]);

  it('computes the exact digest bytes', () => {
    expect(hex(pkg0Digest(SERVER, SECRET, new Uint8Array(4), trigger))).toBe(hex(digest));
  });

  it('parses every field of the exact bytes', () => {
    const n = parsePkg0(bytes);
    expect(n.version).toBe(11);
    expect(n.uiMode).toBe('informative');
    expect(n.initiator).toBe('server');
    expect(n.futureUse).toBe(0);
    expect(n.sessionId).toBe(0x1a2b);
    expect(n.sessionIdHex).toBe('1A2B');
    expect(n.serverId).toBe(SERVER);
    expect(n.vendor.length).toBe(0);
    expect(hex(n.trigger)).toBe(hex(trigger));
    expect(hex(n.digest)).toBe(hex(digest));
  });

  it('verifies with the issued nonce of four zero bytes (not flagged as resync)', () => {
    const v = verifyNotification(parsePkg0(bytes), creds(new Uint8Array(4)));
    expect(v.resync).toBe(false);
    expect(v.nonceForm).toBe('issued');
  });

  it('is what the reference server builds for the same parameters', () => {
    const p = buildPkg0({ serverId: SERVER, secret: SECRET, nonce: new Uint8Array(4), uiMode: 2, initiator: 1, sessionId: 0x1a2b });
    expect(hex(p.bytes)).toBe(hex(bytes));
    expect(p.sessionIdHex).toBe('1A2B');
  });
});

// ---- parse + verify ------------------------------------------------------------------------------------------------

describe('package 0 fields', () => {
  it('reads each ui-mode and initiator from its bits', () => {
    const modes = ['not-specified', 'background', 'informative', 'user-interaction'];
    for (const ui of [0, 1, 2, 3] as const) {
      for (const init of [0, 1] as const) {
        const n = parsePkg0(pkg({ uiMode: ui, initiator: init }));
        expect(n.uiMode).toBe(modes[ui]);
        expect(n.initiator).toBe(init ? 'server' : 'client');
      }
    }
  });

  it('writes the pkg1 SessionID as uppercase hex without leading zeros (docs/protocol.md §1.3)', () => {
    expect(sessionIdHex(0x001a)).toBe('1A');
    expect(sessionIdHex(0xffff)).toBe('FFFF');
    expect(sessionIdHex(1)).toBe('1');
    expect(parsePkg0(pkg({ sessionId: 0x00ab })).sessionIdHex).toBe('AB');
  });

  it('reads the future-use bits without mixing them into neighbours', () => {
    const b = pkg({ sessionId: 0xbeef });
    b[17] |= 0x07;
    b[18] = 0xff;
    b[19] = 0xff;
    b[20] = 0xff;
    const n = parsePkg0(b);
    expect(n.futureUse).toBe(0x7ffffff);
    expect(n.sessionId).toBe(0xbeef);
    expect(n.initiator).toBe('server');
  });

  it('round-trips any parameters the reference server can build (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.record({
          uiMode: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<0 | 1 | 2 | 3>,
          initiator: fc.constantFrom(0, 1) as fc.Arbitrary<0 | 1>,
          sessionId: fc.integer({ min: 1, max: 0xffff }),
          serverId: fc.stringMatching(/^[!-~]{1,40}$/),
          vendor: fc.uint8Array({ maxLength: 64 }),
          version: fc.integer({ min: 10, max: 1023 }),
          nonce: fc.uint8Array({ minLength: 1, maxLength: 32 }),
        }),
        (p) => {
          const built = buildPkg0({ ...p, secret: 'pw' });
          const n = verifyNotification(parsePkg0(built.bytes), { serverId: p.serverId, secret: 'pw', nonce: () => p.nonce });
          expect(n.sessionIdHex).toBe(built.sessionIdHex);
          expect(n.serverId).toBe(p.serverId);
          expect(hex(n.vendor)).toBe(hex(p.vendor));
          expect(n.version).toBe(p.version);
          expect(n.resync).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses session id 0 and an empty or non-ASCII server id, naming the field', () => {
    const zero = pkg();
    zero[21] = 0;
    zero[22] = 0;
    expectError(() => parsePkg0(zero), 'invalid', 'sessionId');
    const empty = pkg().slice(0, 24);
    empty[23] = 0;
    expectError(() => parsePkg0(empty), 'invalid', 'serverId');
    const ctl = pkg();
    ctl[24] = 0x01;
    expectError(() => parsePkg0(ctl), 'invalid', 'serverId');
  });
});

describe('truncated packets at every length', () => {
  const full = pkg({ vendor: 'vendor-bytes' });
  const idEnd = 24 + SERVER.length;

  it('names the field the bytes end in, for every length below the server id end', () => {
    for (let len = 0; len < idEnd; len++) {
      const field = len < 16 ? 'digest' : len < 24 ? 'header' : 'serverId';
      expectError(() => parsePkg0(full.slice(0, len)), 'truncated', field);
    }
  });

  it('parses a cut inside the vendor data, but the digest then fails', () => {
    for (let len = idEnd; len < full.length; len++) {
      const n = parsePkg0(full.slice(0, len));
      expect(n.vendor.length).toBe(len - idEnd);
      expectError(() => verifyNotification(n, creds()), 'bad-digest', 'digest');
    }
    expect(verifyNotification(parsePkg0(full), creds()).resync).toBe(false);
  });
});

describe('truncated WSP-wrapped and hex-wrapped packets at every length', () => {
  it('are rejected with a typed error through the intake, never queued, never thrown', () => {
    const { i, queue } = intake();
    const body = pkg({ vendor: 'xy' });
    const pdu = wspPush(body);
    for (let len = 0; len < pdu.length; len++) {
      const r = i.receive(pdu.slice(0, len), 'udp');
      expect(r.outcome, `WSP length ${len}`).toBe('rejected');
    }
    const text = hex(pdu);
    for (let len = 0; len < text.length; len += 2) {
      expect(i.receive(utf8Encode(text.slice(0, len)), 'spool').outcome, `hex length ${len}`).toBe('rejected');
    }
    expect(queue.size).toBe(0);
    expect(i.receive(pdu, 'udp').outcome).toBe('queued');
  });
});

describe('vendor data limit', () => {
  it('accepts vendor data up to the limit and refuses one byte more', () => {
    const v = new Uint8Array(10).fill(0x41);
    expect(parsePkg0(pkg({ vendor: v }), { maxVendorBytes: 10 }).vendor.length).toBe(10);
    const e = expectError(() => parsePkg0(pkg({ vendor: new Uint8Array(11) }), { maxVendorBytes: 10 }), 'too-large', 'vendor');
    expect(e.message).toContain('11 bytes');
  });

  it('defaults to 1024 bytes', () => {
    expect(parsePkg0(pkg({ vendor: new Uint8Array(1024) })).vendor.length).toBe(1024);
    expectError(() => parsePkg0(pkg({ vendor: new Uint8Array(1025) })), 'too-large', 'vendor');
  });
});

describe('digest verification', () => {
  it('refuses a flipped bit anywhere in the digest or the trigger', () => {
    const good = pkg({ vendor: 'v' });
    for (let i = 0; i < good.length; i++) {
      // id length and server id bytes: changing them names another server (tested below as unknown-server)
      if (i >= 23 && i < 24 + SERVER.length) continue;
      const bad = good.slice();
      bad[i] ^= 0x01;
      let n: Pkg0Notification;
      try {
        n = parsePkg0(bad);
      } catch (e) {
        expect(e).toBeInstanceOf(NotificationError); // e.g. the session id became 0
        continue;
      }
      expectError(() => verifyNotification(n, creds()), 'bad-digest', 'digest');
    }
  });

  it('refuses the wrong secret and a stale nonce', () => {
    const n = parsePkg0(pkg());
    expectError(() => verifyNotification(n, creds(ISSUED, { secret: 'other' })), 'bad-digest', 'digest');
    expectError(() => verifyNotification(n, creds(fromHex('00112233'))), 'bad-digest', 'digest');
  });

  it('refuses a server id with no SRVCRED, naming serverId and the known ids', () => {
    const n = parsePkg0(pkg({ serverId: 'evil.example' }));
    const e = expectError(() => verifyNotification(n, [creds()]), 'unknown-server', 'serverId');
    expect(e.message).toContain('evil.example');
    expect(e.message).toContain(SERVER);
  });

  it('picks the credentials of the server that sent it among several accounts', () => {
    const other: ServerCredentials = { serverId: 'other', secret: 'x', nonce: () => new Uint8Array(1) };
    const n = parsePkg0(pkg());
    expect(verifyNotification(n, [other, creds()]).serverId).toBe(SERVER);
  });

  it('accepts a digest made over SRVCRED AAuthName when it differs from ServerID (LIBDMC, docs/protocol.md §8.2)', () => {
    const trigger = parsePkg0(pkg()).trigger;
    const bytes = concatBytes([pkg0Digest('srv-user', SECRET, ISSUED, trigger), trigger]);
    expectError(() => verifyNotification(parsePkg0(bytes), creds()), 'bad-digest', 'digest');
    expect(verifyNotification(parsePkg0(bytes), creds(ISSUED, { authName: 'srv-user' })).nonceForm).toBe('issued');
  });

  it('builds SRVCRED from the server config, reading the nonce at check time', () => {
    let nonce = fromHex('00');
    const c = serverCredentialsFrom({ id: SERVER, serverAuth: { name: 'srv-user', secret: SECRET } }, () => nonce);
    expect(c).toMatchObject({ serverId: SERVER, secret: SECRET, authName: 'srv-user' });
    expect(serverCredentialsFrom({ id: SERVER, serverAuth: { name: SERVER, secret: SECRET } }, () => nonce).authName).toBeUndefined();
    expectError(() => verifyNotification(parsePkg0(pkg()), c), 'bad-digest', 'digest');
    nonce = ISSUED;
    expect(verifyNotification(parsePkg0(pkg()), c).nonceForm).toBe('issued');
  });

  it('accepts a server that hashed the base64 text of our nonce (MOTO fallback), not as resync', () => {
    const b64text = utf8Encode(Buffer.from(ISSUED).toString('base64'));
    const v = verifyNotification(parsePkg0(pkg({ nonce: b64text })), creds());
    expect(v.nonceForm).toBe('issued-base64-text');
    expect(v.resync).toBe(false);
  });

  it('version: 10 and 12 are accepted (12 logged), 9 is refused naming the version', () => {
    const log = memoryLog();
    expect(verifyNotification(parsePkg0(pkg({ version: 10 })), creds(), { log }).version).toBe(10);
    expect(verifyNotification(parsePkg0(pkg({ version: 12 })), creds(), { log }).version).toBe(12);
    expect(log.lines.filter((l) => /version/.test(l.message)).map((l) => l.fields!.version)).toEqual([10, 12]);
    expectError(() => verifyNotification(parsePkg0(pkg({ version: 9 })), creds()), 'invalid', 'version');
    expect(verifyNotification(parsePkg0(pkg({ version: 9 })), creds(), { minVersion: 0 }).version).toBe(9);
  });
});

describe('nonce resynchronisation (docs/protocol.md §8.2)', () => {
  it('accepts the resync nonce as four 0x00 bytes and flags the session', () => {
    const log = memoryLog();
    const v = verifyNotification(parsePkg0(pkg({ nonce: new Uint8Array(4) })), creds(), { log });
    expect(v.resync).toBe(true);
    expect(v.nonceForm).toBe('resync-zero-bytes');
    expect(hex(v.nonce)).toBe(hex(RESYNC_NONCE_ZERO_BYTES));
    expect(log.lines.some((l) => l.level === 'warn' && /resync/.test(l.message))).toBe(true);
  });

  it('accepts the resync nonce as the ASCII text 0x00000000 and flags the session', () => {
    const v = verifyNotification(parsePkg0(pkg({ nonce: utf8Encode('0x00000000') })), creds());
    expect(v.resync).toBe(true);
    expect(v.nonceForm).toBe('resync-ascii');
    expect(hex(v.nonce)).toBe(hex(RESYNC_NONCE_ASCII));
  });

  it('does not accept other near-miss resync forms', () => {
    for (const nonce of [new Uint8Array(3), new Uint8Array(5), utf8Encode('00000000'), utf8Encode('AAAAAA==')]) {
      expectError(() => verifyNotification(parsePkg0(pkg({ nonce })), creds()), 'bad-digest', 'digest');
    }
  });
});

// ---- WSP push --------------------------------------------------------------------------------------------------------

describe('WSP push header (docs/protocol.md §8.3)', () => {
  const body = pkg();

  it('parses the reference server push: TID, Push, content type 0xC4, app id 0xAF 0x87', () => {
    const pdu = wspPush(body, 0x5a);
    const p = parseWspPush(pdu);
    expect(p.tid).toBe(0x5a);
    expect(p.pduType).toBe(0x06);
    expect(p.contentType).toBe(0x44);
    expect(p.appId).toBe(0x07);
    expect(hex(p.body)).toBe(hex(body));
  });

  it('parses a push without an application id', () => {
    const pdu = concatBytes([Uint8Array.from([0x01, 0x06, 0x01, 0xc4]), body]);
    const p = parseWspPush(pdu);
    expect(p.appId).toBeUndefined();
    expect(hex(p.body)).toBe(hex(body));
  });

  it('reads the content type as text and in the general form, and the app id as a URI', () => {
    const ct = utf8Encode('application/vnd.syncml.notification\0');
    const app = concatBytes([Uint8Array.from([0xaf]), utf8Encode('x-wap-application:syncml.dm\0')]);
    const headers = concatBytes([ct, app]);
    const pdu = concatBytes([Uint8Array.from([0, 0x06, headers.length]), headers, body]);
    const p = parseWspPush(pdu);
    expect(p.contentType).toBe('application/vnd.syncml.notification');
    expect(p.appId).toBe('x-wap-application:syncml.dm');
    expect(hex(p.body)).toBe(hex(body));
    // general form: value length 3, media 0xC4, a parameter (charset 0x81 = 0xEA utf-8); then another header
    const g = Uint8Array.from([0x03, 0xc4, 0x81, 0xea, 0x80 | 0x29, 0x80 /* a short-integer header to skip */, 0xaf, 0x87]);
    const pdu2 = concatBytes([Uint8Array.from([0, 0x06, g.length]), g, body]);
    const p2 = parseWspPush(pdu2);
    expect(p2.contentType).toBe(0x44);
    expect(p2.appId).toBe(7);
    expect(hex(p2.body)).toBe(hex(body));
  });

  it('reads a multi-octet uintvar headers length', () => {
    const pad = new Uint8Array(200);
    for (let i = 0; i < 100; i++) {
      pad[2 * i] = 0x80 | 0x29;
      pad[2 * i + 1] = 0x80;
    }
    const headers = concatBytes([Uint8Array.from([0xc4]), pad]);
    const len = headers.length; // 201 -> uintvar 0x81 0x49
    const pdu = concatBytes([Uint8Array.from([0, 0x06, 0x80 | (len >> 7), len & 0x7f]), headers, body]);
    expect(hex(parseWspPush(pdu).body)).toBe(hex(body));
  });

  it('refuses other PDU types, content types and application ids, naming the field', () => {
    expectError(() => parseWspPush(Uint8Array.from([0, 0x07, 1, 0xc4])), 'invalid', 'wsp.pduType');
    expectError(() => parseWspPush(concatBytes([Uint8Array.from([0, 6, 1, 0xc2]), body])), 'invalid', 'wsp.contentType');
    expectError(() => parseWspPush(concatBytes([Uint8Array.from([0, 6, 3, 0xc4, 0xaf, 0x84]), body])), 'invalid', 'wsp.appId');
  });

  it('fails with a typed error at every truncated length of the header', () => {
    const pdu = wspPush(body);
    for (let len = 0; len < 6; len++) {
      let caught: unknown;
      try {
        parseWspPush(pdu.slice(0, len));
      } catch (e) {
        caught = e;
      }
      expect(caught, `length ${len}`).toBeInstanceOf(NotificationError);
      expect((caught as NotificationError).code).toBe('truncated');
    }
  });
});

// ---- envelopes -------------------------------------------------------------------------------------------------------

describe('envelopes: raw, WSP, hex text, smstools file, SMS user data header', () => {
  const body = pkg();
  const udh = Uint8Array.from([0x06, 0x05, 0x04, 0x0b, 0x84, 0x23, 0xf0]); // ports 2948 <- 9200

  it('raw package 0 stays as it is', () => {
    expect(unwrapNotification(body)).toEqual({ pkg0: body, layers: [] });
  });

  it('raw package 0 whose second digest byte is 0x06 is not mistaken for a WSP push', () => {
    // find a session id whose digest has 0x06 at byte 1
    let b: Uint8Array | undefined;
    for (let s = 1; s < 0xffff && !b; s++) {
      const c = pkg({ sessionId: s });
      if (c[1] === 0x06) b = c;
    }
    expect(b).toBeDefined();
    const u = unwrapNotification(b!);
    expect(u.layers).toEqual([]);
    expect(hex(u.pkg0)).toBe(hex(b!));
  });

  it('unwraps a WSP push, gammu-style hex text of it, a UDH in front of it, and an smstools file', () => {
    const pdu = wspPush(body);
    expect(unwrapNotification(pdu).layers).toEqual(['wsp']);
    const hexText = utf8Encode(hex(pdu).toUpperCase().replace(/(.{32})/g, '$1\n') + '\n');
    const h = unwrapNotification(hexText);
    expect(h.layers).toEqual(['hex', 'wsp']);
    expect(hex(h.pkg0)).toBe(hex(body));
    const withUdh = unwrapNotification(concatBytes([udh, pdu]));
    expect(withUdh.layers).toEqual(['udh', 'wsp']);
    expect(hex(withUdh.pkg0)).toBe(hex(body));
    const smstools = concatBytes([
      utf8Encode('From: 491701234567\nFrom_TOA: 91 international\nSent: 26-11-22 04:40:00\nAlphabet: binary\nUDH: true\nLength: 99\n\n'),
      udh,
      pdu,
    ]);
    const s = unwrapNotification(smstools);
    expect(s.layers).toEqual(['smstools', 'udh', 'wsp']);
    expect(hex(s.pkg0)).toBe(hex(body));
  });

  it('refuses a part of a concatenated SMS, naming sms.udh', () => {
    const concat = Uint8Array.from([0x0b, 0x05, 0x04, 0x0b, 0x84, 0x23, 0xf0, 0x00, 0x03, 0x17, 0x02, 0x01]);
    expectError(() => unwrapNotification(concatBytes([concat, wspPush(body)])), 'unsupported', 'sms.udh');
  });
});

// ---- intake: dedup and queue ---------------------------------------------------------------------------------------

function intake(opts: { capacity?: number; windowMs?: number; nonce?: Uint8Array } = {}) {
  const queue = new NotificationQueue(opts.capacity === undefined ? 8 : opts.capacity);
  const clock = { t: 1_000_000, now() { return this.t; } };
  const log = memoryLog();
  const nonce = opts.nonce || ISSUED;
  const i = new NotificationIntake({ credentials: () => [creds(nonce)], queue, clock, log, dedupWindowMs: opts.windowMs });
  return { i, queue, clock, log };
}

describe('intake, dedup window and queue bound', () => {
  it('queues a good notification, ignores the same one within the window, takes it again after', () => {
    const { i, queue, clock } = intake({ windowMs: 60_000 });
    const b = pkg();
    expect(i.receive(b, 'udp', '10.0.0.1:9200').outcome).toBe('queued');
    expect(i.receive(wspPush(b), 'spool', 'x').outcome).toBe('duplicate'); // same notification, other envelope
    clock.t += 59_999;
    expect(i.receive(b, 'http').outcome).toBe('duplicate');
    expect(queue.size).toBe(1);
    clock.t += 1;
    expect(i.receive(b, 'http').outcome).toBe('queued');
    expect(queue.size).toBe(2);
    // another session id is not a duplicate
    expect(i.receive(pkg({ sessionId: 0x43 }), 'udp').outcome).toBe('queued');
  });

  it('drops and logs a notification that fails verification; it never reaches the queue', () => {
    const { i, queue, log } = intake();
    const bad = pkg();
    bad[0] ^= 0xff;
    const r = i.receive(bad, 'udp', '10.0.0.9:1');
    expect(r.outcome).toBe('rejected');
    expect(r.outcome === 'rejected' && r.error.field).toBe('digest');
    expect(queue.size).toBe(0);
    const line = log.lines.find((l) => l.message === 'notification dropped');
    expect(line && line.fields).toMatchObject({ via: 'udp', from: '10.0.0.9:1', field: 'digest', code: 'bad-digest' });
    expect(i.dedup.size).toBe(0);
  });

  it('refuses when the queue is full, without remembering it as seen', () => {
    const { i, queue } = intake({ capacity: 2 });
    expect(i.receive(pkg({ sessionId: 1 }), 'udp').outcome).toBe('queued');
    expect(i.receive(pkg({ sessionId: 2 }), 'udp').outcome).toBe('queued');
    expect(i.receive(pkg({ sessionId: 3 }), 'udp').outcome).toBe('full');
    expect(queue.size).toBe(2);
    expect(queue.take()!.sessionIdHex).toBe('1');
    expect(i.receive(pkg({ sessionId: 3 }), 'udp').outcome).toBe('queued');
    expect([queue.take()!.sessionIdHex, queue.take()!.sessionIdHex]).toEqual(['2', '3']);
  });

  it('uses the nonce current at arrival (a new session issues a new one)', () => {
    let nonce = ISSUED;
    const queue = new NotificationQueue();
    const i = new NotificationIntake({ credentials: () => [creds(nonce)], queue, clock: { now: () => 0 }, log: memoryLog() });
    const b = pkg();
    nonce = fromHex('01020304');
    expect(i.receive(b, 'udp').outcome).toBe('rejected');
    nonce = ISSUED;
    expect(i.receive(b, 'udp').outcome).toBe('queued');
  });

  it('hands notifications to one waiter in arrival order, one at a time, and null after close', async () => {
    const { i, queue } = intake();
    const first = queue.next();
    i.receive(pkg({ sessionId: 0xa }), 'udp');
    i.receive(pkg({ sessionId: 0xb }), 'udp');
    expect((await first)!.sessionIdHex).toBe('A');
    expect(queue.size).toBe(1);
    expect((await queue.next())!.sessionIdHex).toBe('B');
    const pending = queue.next();
    await expect(queue.next()).rejects.toThrow(/already waiting/);
    queue.close();
    expect(await pending).toBeNull();
    expect(queue.push({} as QueuedNotification)).toBe('full');
  });

  it('dedup table stays bounded', () => {
    const d = new DedupWindow(1000, 3);
    for (let k = 0; k < 10; k++) d.record(`k${k}`, 0);
    expect(d.size).toBe(3);
    expect(d.isDuplicate('k9', 1)).toBe(true);
    expect(d.isDuplicate('k0', 1)).toBe(false);
    expect(d.isDuplicate('k9', 1000)).toBe(false);
  });
});

// ---- spool pass over an in-memory folder -----------------------------------------------------------------------------

function memoryFs(files: Record<string, { data: Uint8Array; mtimeMs: number }>): SpoolFs & { files: typeof files } {
  const dirs = new Set<string>(['/spool']);
  return {
    files,
    async entries(dir) {
      const out: { name: string; isFile: boolean; mtimeMs: number; size: number }[] = [];
      for (const p of Object.keys(files)) {
        if (p.startsWith(dir + '/') && p.slice(dir.length + 1).indexOf('/') < 0) {
          out.push({ name: p.slice(dir.length + 1), isFile: true, mtimeMs: files[p].mtimeMs, size: files[p].data.length });
        }
      }
      for (const d of dirs) if (d.startsWith(dir + '/') && d.slice(dir.length + 1).indexOf('/') < 0) out.push({ name: d.slice(dir.length + 1), isFile: false, mtimeMs: 0, size: 0 });
      return out;
    },
    async read(p) {
      if (!files[p]) throw new Error(`ENOENT ${p}`);
      return files[p].data;
    },
    async rename(a, b) {
      files[b] = files[a];
      delete files[a];
    },
    async mkdirp(d) {
      dirs.add(d);
    },
    async exists(p) {
      return files[p] !== undefined || dirs.has(p) || Object.keys(files).some((f) => f.startsWith(p + '/'));
    },
    async writeText(p, t) {
      files[p] = { data: utf8Encode(t), mtimeMs: 0 };
    },
    async remove(p) {
      delete files[p];
    },
  };
}

describe('spool pass', () => {
  it('moves good files to done/, bad ones to bad/ with a reason, leaves settling and temporary files', async () => {
    const { i, queue, log } = intake();
    const bad = pkg({ sessionId: 9 });
    bad[3] ^= 1;
    const fs = memoryFs({
      '/spool/a.bin': { data: pkg({ sessionId: 1 }), mtimeMs: 100 },
      '/spool/b.hex': { data: utf8Encode(hex(wspPush(pkg({ sessionId: 2 })))), mtimeMs: 200 },
      '/spool/c.bin': { data: bad, mtimeMs: 300 },
      '/spool/d.bin': { data: pkg({ sessionId: 4 }), mtimeMs: 9_999 },
      '/spool/e.tmp': { data: pkg({ sessionId: 5 }), mtimeMs: 0 },
      '/spool/.f': { data: pkg({ sessionId: 6 }), mtimeMs: 0 },
      '/spool/done/a.bin': { data: new Uint8Array(1), mtimeMs: 0 },
    });
    const r = await processSpoolOnce(fs, i, { dir: '/spool', now: 10_000, settleMs: 1000, log });
    expect(r.map((x) => [x.name, x.outcome, x.movedTo])).toEqual([
      ['a.bin', 'queued', 'done/a.bin.1'],
      ['b.hex', 'queued', 'done/b.hex'],
      ['c.bin', 'rejected', 'bad/c.bin'],
      ['d.bin', 'skipped', undefined],
    ]);
    expect(new TextDecoder().decode(fs.files['/spool/bad/c.bin.reason.txt'].data)).toMatch(/^bad-digest digest:/);
    expect(Object.keys(fs.files).sort()).toEqual(
      ['/spool/.f', '/spool/bad/c.bin', '/spool/bad/c.bin.reason.txt', '/spool/d.bin', '/spool/done/a.bin', '/spool/done/a.bin.1', '/spool/done/b.hex', '/spool/e.tmp'].sort(),
    );
    expect([queue.take()!.sessionIdHex, queue.take()!.sessionIdHex]).toEqual(['1', '2']);
  });

  it('keeps only the newest files in done/ and bad/', async () => {
    const { i, log } = intake({ windowMs: 0 });
    const files: Record<string, { data: Uint8Array; mtimeMs: number }> = {};
    for (let k = 0; k < 5; k++) files[`/spool/done/old${k}`] = { data: new Uint8Array(1), mtimeMs: k };
    for (let k = 0; k < 3; k++) files[`/spool/n${k}`] = { data: pkg({ sessionId: 1 }), mtimeMs: 10 + k };
    const fs = memoryFs(files);
    const r = await processSpoolOnce(fs, i, { dir: '/spool', now: 100, settleMs: 0, log, keepFiles: 4 });
    expect(r.map((x) => x.outcome)).toEqual(['queued', 'queued', 'queued']); // window 0: a replay is taken again
    expect(Object.keys(fs.files).sort()).toEqual(['/spool/done/n0', '/spool/done/n1', '/spool/done/n2', '/spool/done/old4']);
    expect(log.lines.some((l) => /removed/.test(l.message) && l.fields!.removed === 4)).toBe(true);
  });

  it('keeps a file when the queue is full and takes it on a later pass', async () => {
    const { i, queue, log } = intake({ capacity: 1 });
    const fs = memoryFs({
      '/spool/1': { data: pkg({ sessionId: 1 }), mtimeMs: 1 },
      '/spool/2': { data: pkg({ sessionId: 2 }), mtimeMs: 2 },
    });
    const r1 = await processSpoolOnce(fs, i, { dir: '/spool', now: 10, settleMs: 0, log });
    expect(r1.map((x) => x.outcome)).toEqual(['queued', 'full']);
    expect(fs.files['/spool/2']).toBeDefined();
    queue.take();
    const r2 = await processSpoolOnce(fs, i, { dir: '/spool', now: 10, settleMs: 0, log });
    expect(r2.map((x) => [x.name, x.outcome])).toEqual([['2', 'queued']]);
  });
});

// ---- session plan (UI modes) -----------------------------------------------------------------------------------------

class FakeUi implements UserInterface {
  asked: UiRequest[] = [];
  constructor(private readonly answer: UiAnswer | Error) {}
  ask(r: UiRequest): Promise<UiAnswer> {
    this.asked.push(r);
    return this.answer instanceof Error ? Promise.reject(this.answer) : Promise.resolve(this.answer);
  }
}

describe('planNotifiedSession: UI modes', () => {
  const n = (uiMode: Pkg0Notification['uiMode']) => ({ uiMode, sessionIdHex: '1A2B', serverId: SERVER });

  it('background and not-specified: start at once, no UI at all', async () => {
    for (const m of ['background', 'not-specified'] as const) {
      const ui = new FakeUi({ kind: 'no' });
      expect(await planNotifiedSession(n(m), ui)).toEqual({ start: true, sessionId: '1A2B' });
      expect(ui.asked).toEqual([]);
    }
  });

  it('informative: start and return the text; shows it through the UI only when asked to', async () => {
    const ui = new FakeUi({ kind: 'ok' });
    const p = await planNotifiedSession(n('informative'), ui);
    expect(p.start).toBe(true);
    expect(p.showInfo).toContain(SERVER);
    expect(ui.asked).toEqual([]);
    const p2 = await planNotifiedSession(n('informative'), ui, { display: true });
    expect(p2.start).toBe(true);
    expect(ui.asked).toEqual([{ kind: 'display', text: p.showInfo }]);
    // a failing display does not stop the session
    expect((await planNotifiedSession(n('informative'), new FakeUi(new Error('tty gone')), { display: true })).start).toBe(true);
  });

  it('user interaction: asks a confirm first; only yes starts the session', async () => {
    const cases: [UiAnswer | Error, boolean, RegExp][] = [
      [{ kind: 'yes' }, true, /agreed/],
      [{ kind: 'no' }, false, /declined/],
      [{ kind: 'cancelled' }, false, /declined/],
      [{ kind: 'timeout' }, false, /in time/],
      [{ kind: 'cannotDisplay', reason: 'queue full' }, false, /cannot ask/],
      [{ kind: 'unsupported' }, false, /cannot ask/],
      [new Error('boom'), false, /failed: boom/],
    ];
    for (const [answer, start, reason] of cases) {
      const ui = new FakeUi(answer);
      const p = await planNotifiedSession(n('user-interaction'), ui, { maxWaitSeconds: 30 });
      expect(p.start, JSON.stringify(answer)).toBe(start);
      expect(p.sessionId).toBe('1A2B');
      expect(p.reason).toMatch(reason);
      expect(ui.asked).toHaveLength(1);
      expect(ui.asked[0]).toMatchObject({ kind: 'confirm', maxWaitSeconds: 30 });
      expect(ui.asked[0].text).toContain(SERVER);
    }
  });

  it('user interaction on a device that cannot ask starts only with whenCannotAsk=start', async () => {
    const p = await planNotifiedSession(n('user-interaction'), new FakeUi({ kind: 'unsupported' }), { whenCannotAsk: 'start' });
    expect(p.start).toBe(true);
  });
});

// ---- config ----------------------------------------------------------------------------------------------------------

describe('notifications config section', () => {
  it('gives defaults and enables only the transports named', () => {
    const c = parseNotificationConfig({ udp: {}, spool: { dir: '/var/spool/sms' } });
    expect(c.udp).toEqual({ port: 2948, address: '0.0.0.0' });
    expect(c.http).toBeUndefined();
    expect(c.spool).toEqual({ dir: '/var/spool/sms', pollMs: 2000, settleMs: 1000 });
    expect(c).toMatchObject({ dedupWindowMs: 300000, maxVendorBytes: 1024, queueCapacity: 8, minVersion: 10, whenCannotAsk: 'skip' });
    expect(parseNotificationConfig(undefined).udp).toBeUndefined();
  });

  it('names the key that is wrong', () => {
    const bad: [unknown, string][] = [
      [{ udp: { port: 70000 } }, 'notifications.udp.port'],
      [{ http: { path: 'x' } }, 'notifications.http.path'],
      [{ spool: {} }, 'notifications.spool.dir'],
      [{ spool: { dir: '/x', pollMs: 1 } }, 'notifications.spool.pollMs'],
      [{ maxVendorBytes: -1 }, 'notifications.maxVendorBytes'],
      [{ whenCannotAsk: 'maybe' }, 'notifications.whenCannotAsk'],
      [{ udpp: {} }, 'notifications.udpp'],
      [[], 'notifications'],
    ];
    for (const [input, key] of bad) {
      let caught: unknown;
      try {
        parseNotificationConfig(input);
      } catch (e) {
        caught = e;
      }
      expect(caught, key).toBeInstanceOf(NotificationConfigError);
      expect((caught as NotificationConfigError).key).toBe(key);
    }
  });
});

// ---- robustness: random bytes never escape as anything but a rejection ------------------------------------------------

describe('random input (fast-check)', () => {
  it('intake.receive never throws and never queues random bytes, random WSP pushes or random near-valid packets', () => {
    const { i, queue } = intake();
    const good = pkg({ vendor: 'abc' });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.uint8Array({ maxLength: 80 }).map((b) => concatBytes([Uint8Array.from([0, 6]), b])),
          fc.uint8Array({ maxLength: 80 }).map((b) => wspPush(b)),
          fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 })).map(([at, x]) => {
            const c = good.slice();
            c[at] ^= x;
            return c;
          }),
          fc.stringMatching(/^[0-9a-f ]{0,120}$/).map((t) => utf8Encode(t)),
        ),
        (bytes) => {
          const r = i.receive(bytes, 'udp');
          if (r.outcome !== 'rejected') {
            // only an unchanged copy of a valid notification may pass (e.g. a flip inside the vendor data cannot)
            throw new Error(`accepted ${hex(bytes)}`);
          }
          expect(r.error).toBeInstanceOf(NotificationError);
        },
      ),
      { numRuns: 2000 },
    );
    expect(queue.size).toBe(0);
  });
});

// ---- the daemon loop ---------------------------------------------------------------------------------------------------

describe('serveNotifications: one session at a time, following the plan', () => {
  it('runs sessions in order, queues what arrives meanwhile, skips declined and stale ones, survives a failing session', async () => {
    const { i, queue, clock, log } = intake();
    const ui = new FakeUi({ kind: 'no' });
    const ran: string[] = [];
    let running = 0;
    let maxRunning = 0;
    let release: (() => void) | undefined;
    const runSession = async (sessionId: string, n: QueuedNotification) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      ran.push(`${sessionId}${n.resync ? '(resync)' : ''}`);
      if (sessionId === '1') await new Promise<void>((r) => (release = r));
      running--;
      if (sessionId === '5') throw new Error('server went away');
    };
    const served = serveNotifications({ queue, ui, log, clock, runSession, maxAgeMs: 60_000 });
    i.receive(pkg({ sessionId: 1, uiMode: 2 }), 'udp');
    await new Promise((r) => setTimeout(r, 0));
    expect(ran).toEqual(['1']);
    // while session 1 runs: a user-interaction one (declined by the UI), a resync one, a failing one, a stale one
    i.receive(pkg({ sessionId: 3, uiMode: 3 }), 'udp');
    i.receive(pkg({ sessionId: 4, nonce: new Uint8Array(4) }), 'udp');
    i.receive(pkg({ sessionId: 5 }), 'udp');
    clock.t -= 120_000;
    i.receive(pkg({ sessionId: 6 }), 'udp');
    clock.t += 120_000;
    expect(queue.size).toBe(4);
    release!();
    await new Promise((r) => setTimeout(r, 10));
    queue.close();
    const summary = await served;
    expect(ran).toEqual(['1', '4(resync)', '5']);
    expect(maxRunning).toBe(1);
    expect(summary).toEqual({ started: 2, declined: 1, stale: 1, failed: 1 });
    // informative: the text was displayed; user interaction: the confirm was asked
    expect(ui.asked.map((r) => r.kind)).toEqual(['display', 'confirm']);
    expect(log.lines.some((l) => l.level === 'error' && l.fields!.error === 'server went away')).toBe(true);
  });

  it('labels files written by the QuickJS socat helpers with their transport', () => {
    expect([viaFromHelperName('udp-1-2-127.0.0.1.bin'), viaFromHelperName('http-1-2.bin'), viaFromHelperName('IN1.txt')]).toEqual(['udp', 'http', 'spool']);
  });
});
