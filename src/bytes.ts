// Byte helpers the core needs on every runtime. QuickJS 2021-03-27 has no TextEncoder, TextDecoder, atob or btoa
// (docs/design.md), so UTF-8 and base64 are done here, small and tested against Node's own implementations.
import { decodeUtf8, encodeUtf8Into, isUtf8 } from './utf8.js';

/** UTF-8 of `text` (lone surrogates become U+FFFD, as TextEncoder does): one buffer sized for the worst case, cut to length. */
export function utf8Encode(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 3);
  const n = encodeUtf8Into(text, out, 0);
  return n === out.length ? out : out.slice(0, n);
}

/** Decodes UTF-8; malformed sequences become U+FFFD (as TextDecoder does without `fatal`). */
export function utf8Decode(bytes: Uint8Array, start = 0, end = bytes.length): string {
  return decodeUtf8(bytes, start, end);
}

/** True when the bytes are valid UTF-8 (used to decide whether OPAQUE data can be shown as text); src/utf8.ts checks. */
export function isValidUtf8(bytes: Uint8Array): boolean {
  return isUtf8(bytes);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX: Record<string, number> = {};
for (let i = 0; i < B64.length; i++) B64_INDEX[B64[i]] = i;
B64_INDEX['-'] = 62;
B64_INDEX['_'] = 63;

/** Standard base64 with padding (RFC 4648 §4), as every DM formula in docs/protocol.md §3.2 uses. */
export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += B64[n >> 18] + B64[(n >> 12) & 63] + '==';
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + '=';
  }
  return out;
}

export class Base64Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Base64Error';
  }
}

/** Decodes base64 (standard or URL alphabet, padding optional, whitespace ignored); throws Base64Error otherwise. */
export function base64Decode(text: string): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  let padding = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === ' ' || ch === '\n' || ch === '\r' || ch === '\t') continue;
    if (ch === '=') {
      padding++;
      continue;
    }
    const v = B64_INDEX[ch];
    if (v === undefined || padding > 0) throw new Base64Error(`invalid base64 character ${JSON.stringify(ch)} at ${i}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  if (padding > 2) throw new Base64Error('too much base64 padding');
  return Uint8Array.from(out);
}

export function hex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return s;
}

export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`invalid hex string`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function eqBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
