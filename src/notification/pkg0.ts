// Package 0, the General Notification Initiated Session Alert: reading the exact bit layout of docs/protocol.md §8.1.
//
//   bytes 0..15   digest (MD5, raw)                                   -> checked in verify.ts (docs/protocol.md §8.2)
//   bytes 16..23  one 64-bit big-endian word: version (10 bits) | ui-mode (2) | initiator (1) | future use (27)
//                 | session id (16) | server id length N (8)
//   bytes 24..    server id (N bytes, ASCII), then vendor-specific data (the rest)
// `trigger` is every byte after the digest; it is what the digest covers.
import { utf8Decode } from '../bytes.js';
import { NotificationError } from './errors.js';

/** docs/protocol.md §8.1 ui-mode. */
export type UiMode = 'not-specified' | 'background' | 'informative' | 'user-interaction';
export const UI_MODES: UiMode[] = ['not-specified', 'background', 'informative', 'user-interaction'];

/** docs/protocol.md §8.1 initiator bit: 0 client/end user, 1 server. */
export type Initiator = 'client' | 'server';

export const DIGEST_BYTES = 16;
/** digest + 8-byte header: the shortest possible package 0 (MOTO's minimum, docs/protocol.md §8.1). */
export const MIN_PKG0_BYTES = 24;
/** Nominal version field value (1.1 ×10) that SPEC-ZH requires and LIBDMC insists on. */
export const PKG0_VERSION = 11;
export const DEFAULT_MAX_VENDOR_BYTES = 1024;

export interface Pkg0Notification {
  digest: Uint8Array;
  /** Header + server id + vendor data: the bytes the digest covers. */
  trigger: Uint8Array;
  /** Version ×10 as sent (11 = 1.1). */
  version: number;
  uiMode: UiMode;
  initiator: Initiator;
  /** The 27 future-use bits; 0 from a conforming server (kept so a log can show what arrived). */
  futureUse: number;
  /** 1..0xFFFF. */
  sessionId: number;
  /** The pkg1 SessionID: uppercase hex, no leading zeros (docs/protocol.md §1.3: 0x001A -> "1A"). */
  sessionIdHex: string;
  serverId: string;
  vendor: Uint8Array;
}

export interface Pkg0Limits {
  /** Largest vendor-specific part accepted (default 1024 bytes). */
  maxVendorBytes?: number;
}

/** SessionID text for pkg1 (docs/protocol.md §1.3). */
export function sessionIdHex(sessionId: number): string {
  return sessionId.toString(16).toUpperCase();
}

/**
 * Parses package 0. Throws NotificationError naming the field when the bytes end early ('truncated'), the session id
 * is 0 or the server id empty or not ASCII ('invalid'), or the vendor data is over the limit ('too-large').
 * The version is returned as sent: policy on it lives in verify.ts so a log can say what arrived.
 */
export function parsePkg0(bytes: Uint8Array, limits: Pkg0Limits = {}): Pkg0Notification {
  const maxVendor = limits.maxVendorBytes === undefined ? DEFAULT_MAX_VENDOR_BYTES : limits.maxVendorBytes;
  if (bytes.length < DIGEST_BYTES) {
    throw new NotificationError('truncated', 'digest', `package 0 has ${bytes.length} bytes, the digest alone needs ${DIGEST_BYTES}`);
  }
  if (bytes.length < MIN_PKG0_BYTES) {
    throw new NotificationError('truncated', 'header', `package 0 has ${bytes.length} bytes, digest and header need ${MIN_PKG0_BYTES}`);
  }
  const h = bytes.subarray(DIGEST_BYTES, MIN_PKG0_BYTES);
  // Bit arithmetic on bytes, not on a 64-bit number: JS numbers hold 53 bits, and bitwise operators 32.
  const version = (h[0] << 2) | (h[1] >> 6);
  const uiMode = UI_MODES[(h[1] >> 4) & 3];
  const initiator: Initiator = (h[1] >> 3) & 1 ? 'server' : 'client';
  const futureUse = (h[1] & 7) * 0x1000000 + (h[2] << 16) + (h[3] << 8) + h[4];
  const sessionId = (h[5] << 8) | h[6];
  const idLength = h[7];
  if (sessionId === 0) throw new NotificationError('invalid', 'sessionId', 'session id 0 is outside 1..0xFFFF (docs/protocol.md §8.1)');
  if (idLength === 0) throw new NotificationError('invalid', 'serverId', 'server id length is 0');
  const idEnd = MIN_PKG0_BYTES + idLength;
  if (bytes.length < idEnd) {
    throw new NotificationError(
      'truncated',
      'serverId',
      `server id needs ${idLength} bytes, only ${bytes.length - MIN_PKG0_BYTES} follow the header`,
    );
  }
  const idBytes = bytes.subarray(MIN_PKG0_BYTES, idEnd);
  for (let i = 0; i < idBytes.length; i++) {
    if (idBytes[i] < 0x20 || idBytes[i] > 0x7e) {
      throw new NotificationError('invalid', 'serverId', `server id byte ${i} is 0x${idBytes[i].toString(16)}, not printable ASCII`);
    }
  }
  const vendorLength = bytes.length - idEnd;
  if (vendorLength > maxVendor) {
    throw new NotificationError('too-large', 'vendor', `vendor data has ${vendorLength} bytes, the limit is ${maxVendor}`);
  }
  return {
    digest: bytes.slice(0, DIGEST_BYTES),
    trigger: bytes.slice(DIGEST_BYTES),
    version,
    uiMode,
    initiator,
    futureUse,
    sessionId,
    sessionIdHex: sessionIdHex(sessionId),
    serverId: utf8Decode(idBytes),
    vendor: bytes.slice(idEnd),
  };
}

/** The largest package 0 the limits allow (digest, header, a 255-byte server id and the vendor limit). */
export function maxPkg0Bytes(limits: Pkg0Limits = {}): number {
  return MIN_PKG0_BYTES + 255 + (limits.maxVendorBytes === undefined ? DEFAULT_MAX_VENDOR_BYTES : limits.maxVendorBytes);
}
