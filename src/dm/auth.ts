// DM security formulas (docs/protocol.md §3.2, §3.5): what goes into Cred/Data and into the x-syncml-hmac header.
// H = MD5 giving 16 raw bytes, B64 = standard base64 with padding. Nonces are used as raw bytes: the NextNonce
// that arrives as base64 text is decoded first (docs/protocol.md §3.2 "Nonce bytes").
import { md5 } from '@noble/hashes/legacy';
import { base64Encode, concatBytes, utf8Encode } from '../bytes.js';
import type { AuthType } from '../config.js';
export type { AuthType } from '../config.js';

/** SyncML Meta/Type and DMAcc AAuthType names of the client-side auth types (docs/protocol.md §3.1). */
export const AUTH_META_TYPE: Record<Exclude<AuthType, 'none'>, string> = {
  basic: 'syncml:auth-basic',
  md5: 'syncml:auth-md5',
  hmac: 'syncml:auth-MAC',
};

export const AAUTH_TYPE: Record<Exclude<AuthType, 'none'>, string> = {
  basic: 'BASIC',
  md5: 'DIGEST',
  hmac: 'HMAC',
};

/** Maps a Chal or Cred Meta/Type string back to our auth type; undefined when we do not support it. */
export function authTypeFromMeta(metaType: string | undefined): AuthType | undefined {
  switch ((metaType || '').trim()) {
    case 'syncml:auth-basic':
      return 'basic';
    case 'syncml:auth-md5':
      return 'md5';
    case 'syncml:auth-MAC':
    case 'syncml:auth-mac':
      return 'hmac';
    default:
      return undefined;
  }
}

const COLON = utf8Encode(':');

/** B64(H(name ":" secret)), the shared first stage of MD5, HMAC and package-0 digests. */
export function userDigest(name: string, secret: string): string {
  return base64Encode(md5(utf8Encode(`${name}:${secret}`)));
}

/** Basic Cred Data = B64(name ":" secret). */
export function basicCredData(name: string, secret: string): string {
  return base64Encode(utf8Encode(`${name}:${secret}`));
}

/** Splits a basic Cred Data back into name and secret; null when it is not valid. */
export function parseBasicCred(data: string, decode: (b64: string) => Uint8Array): { name: string; secret: string } | null {
  try {
    const text = String.fromCharCode.apply(null, Array.from(decode(data.trim())));
    const i = text.indexOf(':');
    return i < 0 ? null : { name: text.slice(0, i), secret: text.slice(i + 1) };
  } catch {
    return null;
  }
}

/** MD5 Cred Data = B64(H(B64(H(name ":" secret)) ":" nonce)), nonce as raw bytes. */
export function md5CredData(name: string, secret: string, nonce: Uint8Array): string {
  return base64Encode(md5(concatBytes([utf8Encode(userDigest(name, secret)), COLON, nonce])));
}

/** HMAC mac = B64(H(B64(H(name ":" secret)) ":" nonce ":" B64(H(body)))) over the exact HTTP body bytes. Not RFC 2104. */
export function hmacMac(name: string, secret: string, nonce: Uint8Array, body: Uint8Array): string {
  const bodyDigest = utf8Encode(base64Encode(md5(body)));
  return base64Encode(md5(concatBytes([utf8Encode(userDigest(name, secret)), COLON, nonce, COLON, bodyDigest])));
}

export interface HmacHeader {
  algorithm: string;
  username: string;
  mac: string;
}

/** `algorithm=MD5, username="name", mac=...` (docs/protocol.md §3.5). */
export function formatHmacHeader(username: string, mac: string): string {
  return `algorithm=MD5, username="${username.replace(/["\\]/g, (c) => '\\' + c)}", mac=${mac}`;
}

/**
 * Parses the x-syncml-hmac header leniently: optional whitespace, quoted or bare username, algorithm defaulting to MD5
 * (docs/protocol.md §3.5: MOTO sends it without spaces). Returns null when username or mac is missing.
 */
export function parseHmacHeader(value: string): HmacHeader | null {
  const out: Record<string, string> = {};
  const re = /\s*([A-Za-z]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^,]*)\s*(,|$)/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(value)) !== null) {
    if (m[0].length === 0) break;
    consumed = re.lastIndex;
    const key = m[1].toLowerCase();
    const raw = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2].trim();
    out[key] = raw;
    if (re.lastIndex >= value.length) break;
  }
  if (consumed < value.trim().length && consumed === 0) return null;
  if (!out.username || !out.mac) return null;
  return { algorithm: out.algorithm || 'MD5', username: out.username, mac: out.mac };
}

/** Constant-time string comparison for credentials (avoid leaking how many leading characters matched). */
export function sameSecret(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}
