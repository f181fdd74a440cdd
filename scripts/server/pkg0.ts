// Package #0, the General Notification Initiated Session Alert (docs/protocol.md §8): building the exact bytes, wrapping them
// in a connectionless WSP push (docs/protocol.md §8.3), and delivering them by UDP, HTTP POST or into a spool folder.
import { createSocket } from 'node:dgram';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { base64Decode, concatBytes, hex, utf8Encode } from '../../src/bytes.js';
import { hmacMac } from '../../src/dm/auth.js';
import type { NotificationRecord } from './types.js';
import { ServerConfigError } from './types.js';

export const MIME_NOTIFICATION = 'application/vnd.syncml.notification';
/** WSP well-known content type code of application/vnd.syncml.notification, and X-WAP-Application-ID of the DM UA. */
export const WSP_CONTENT_TYPE = 0x44;
export const WSP_APP_ID_DM = 0x07;
export const WAP_PUSH_PORT = 2948;

export interface Pkg0Params {
  serverId: string;
  /** SRVCRED AAuthSecret. */
  secret: string;
  /** SRVCRED AAuthData: the nonce the client issued to the server (raw bytes or base64 text). */
  nonce: Uint8Array | string;
  /** 0 not specified, 1 background, 2 informative, 3 user interaction (docs/protocol.md §8.1). */
  uiMode: 0 | 1 | 2 | 3;
  /** 0 client/user initiated, 1 server initiated. */
  initiator: 0 | 1;
  /** 1..0xFFFF; the client's pkg1 SessionID is its uppercase hex. */
  sessionId: number;
  vendor?: Uint8Array | string;
  /** Notification version ×10 (10 bits); 11 per spec. */
  version?: number;
}

export interface Pkg0 {
  bytes: Uint8Array;
  trigger: Uint8Array;
  digest: Uint8Array;
  /** The SessionID the client must use in pkg1 (uppercase hex, no leading zeros, docs/protocol.md §1.3). */
  sessionIdHex: string;
}

/** docs/protocol.md §8.1 layout + §8.2 digest = H(B64(H(serverId ":" secret)) ":" nonce ":" B64(H(trigger))), raw 16 bytes. */
export function buildPkg0(p: Pkg0Params): Pkg0 {
  const version = p.version === undefined ? 11 : p.version;
  if (!(version >= 0 && version < 1024)) throw new ServerConfigError(`pkg0 version ${version} does not fit 10 bits`);
  if (![0, 1, 2, 3].includes(p.uiMode)) throw new ServerConfigError(`pkg0 uiMode ${p.uiMode} must be 0..3`);
  if (p.initiator !== 0 && p.initiator !== 1) throw new ServerConfigError(`pkg0 initiator ${p.initiator} must be 0 or 1`);
  if (!(Number.isInteger(p.sessionId) && p.sessionId >= 1 && p.sessionId <= 0xffff))
    throw new ServerConfigError(`pkg0 sessionId ${p.sessionId} must be 1..65535`);
  const id = utf8Encode(p.serverId);
  if (id.length === 0 || id.length > 255) throw new ServerConfigError(`pkg0 server id must be 1..255 bytes, got ${id.length}`);
  const header = new Uint8Array(8);
  header[0] = version >> 2;
  header[1] = ((version & 3) << 6) | (p.uiMode << 4) | (p.initiator << 3);
  header[5] = p.sessionId >> 8;
  header[6] = p.sessionId & 0xff;
  header[7] = id.length;
  const vendor = p.vendor === undefined ? new Uint8Array(0) : typeof p.vendor === 'string' ? utf8Encode(p.vendor) : p.vendor;
  const trigger = concatBytes([header, id, vendor]);
  const nonce = typeof p.nonce === 'string' ? base64Decode(p.nonce) : p.nonce;
  // hmacMac is exactly B64(H(B64(H(name:secret)):nonce:B64(H(body)))); pkg0 uses the raw 16 bytes of it.
  const digest = base64Decode(hmacMac(p.serverId, p.secret, nonce, trigger));
  return { bytes: concatBytes([digest, trigger]), trigger, digest, sessionIdHex: p.sessionId.toString(16).toUpperCase() };
}

/** Connectionless WSP Push PDU (WAP-230): TID, type 0x06, HeadersLen, Content-Type 0x44, X-WAP-Application-ID 0x07. */
export function wspPush(pkg0: Uint8Array, tid = 0): Uint8Array {
  const headers = Uint8Array.from([0x80 | WSP_CONTENT_TYPE, 0x80 | 0x2f, 0x80 | WSP_APP_ID_DM]);
  return concatBytes([Uint8Array.from([tid & 0xff, 0x06, headers.length]), headers, pkg0]);
}

export type Pkg0Target = { via: 'udp'; host: string; port?: number } | { via: 'http'; url: string } | { via: 'spool'; dir: string };

/** Sends pkg0 and returns the record of what was sent. */
export async function deliverPkg0(pkg: Pkg0, sessionId: number, target: Pkg0Target): Promise<NotificationRecord> {
  const base = { time: Date.now(), sessionId, hex: hex(pkg.bytes) };
  if (target.via === 'udp') {
    const port = target.port || WAP_PUSH_PORT;
    const datagram = wspPush(pkg.bytes);
    const sock = createSocket(target.host.indexOf(':') >= 0 ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      sock.send(datagram, port, target.host, (err) => {
        sock.close();
        if (err) reject(err);
        else resolve();
      });
    });
    return { ...base, via: 'udp', to: `${target.host}:${port}`, bytes: datagram.length };
  }
  if (target.via === 'http') {
    const res = await fetch(target.url, { method: 'POST', headers: { 'content-type': MIME_NOTIFICATION }, body: pkg.bytes });
    if (res.status < 200 || res.status >= 300) throw new Error(`pkg0 POST to ${target.url} answered HTTP ${res.status}`);
    return { ...base, via: 'http', to: target.url, bytes: pkg.bytes.length };
  }
  mkdirSync(target.dir, { recursive: true });
  const file = join(target.dir, `pkg0-${pkg.sessionIdHex}-${Date.now()}.bin`);
  writeFileSync(file + '.tmp', pkg.bytes);
  // rename so that a watcher never sees a half-written notification
  renameSync(file + '.tmp', file);
  return { ...base, via: 'spool', to: file, bytes: pkg.bytes.length };
}
