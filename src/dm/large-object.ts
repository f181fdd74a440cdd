// Receiving a large object (OMA-TS-DM_Protocol-V1_2 "Large Object Handling", docs/protocol.md §1.10): the chunks of one
// Add/Replace item, counted in the bytes the object really has, and optionally handed on chunk by chunk to a sink (a
// package written to a staging file) instead of being kept in memory until the last chunk.
//
// What Meta Size counts: the object's size in bytes. For binary data carried as base64 text (Meta Format b64) that is
// the decoded size: OMA-TS-DM_TND-V1_2 §7.7.4 says the Size of a binary value is the size of the unencoded value, not
// of the base64 string that carried it over XML (docs/protocol.md §1.10, "Format: binary over XML must be b64").
import { utf8Encode } from '../bytes.js';

/** A sink refusing or failing with a DM status (e.g. 413 beyond the package cap, 420 no space). */
export class LargeObjectError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'LargeObjectError';
  }
}

/** The DM status for an error thrown by a sink: its own numeric `status` (any sink's error), else 500 Command failed. */
export function sinkStatus(e: unknown): number {
  const status = e !== null && typeof e === 'object' ? (e as { status?: unknown }).status : undefined;
  return typeof status === 'number' && status >= 300 && status < 600 ? status : 500;
}

/** Chunk text or bytes seen as base64 characters (WBXML may carry the b64 text as opaque bytes). */
function asText(part: string | Uint8Array): string {
  if (typeof part === 'string') return part;
  let s = '';
  for (let i = 0; i < part.length; i += 8192) s += String.fromCharCode.apply(null, Array.from(part.subarray(i, i + 8192)));
  return s;
}

/**
 * Turns the chunks of one object into its bytes, one chunk at a time: for Format b64 the base64 is decoded (a chunk
 * may end inside a 4-character group; the rest waits for the next chunk), otherwise text is UTF-8 and bytes are as
 * they came. `decoded` is what the object has so far; `raw` the bytes of the chunks as sent (the base64 length).
 */
export class ChunkDecoder {
  decoded = 0;
  raw = 0;
  private carry = '';
  private chars = 0;
  private readonly b64: boolean;

  constructor(format: string | undefined) {
    this.b64 = format === 'b64';
  }

  /** The bytes this chunk completes. Throws LargeObjectError(400) on a character that is not base64. */
  push(part: string | Uint8Array): Uint8Array {
    if (!this.b64) {
      const bytes = typeof part === 'string' ? utf8Encode(part) : part;
      this.raw += bytes.length;
      this.decoded += bytes.length;
      return bytes;
    }
    const text = asText(part);
    this.raw += text.length;
    const all = this.carry + text.replace(/[\s]/g, '');
    const whole = all.indexOf('=') >= 0 ? all.length : all.length - (all.length % 4);
    this.carry = all.slice(whole);
    return this.decode(all.slice(0, whole));
  }

  /** Counts a chunk without decoding it (an object kept in memory, stored as it came). */
  count(part: string | Uint8Array): void {
    if (!this.b64) {
      this.push(part);
      return;
    }
    const text = asText(part);
    this.raw += text.length;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x3d && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) this.chars++;
    }
    this.decoded = Math.floor((this.chars * 3) / 4);
  }

  /** The last bytes (an unpadded tail); call after the last chunk. */
  end(): Uint8Array {
    const rest = this.carry;
    this.carry = '';
    return this.b64 && rest.length > 0 ? this.decode(rest) : new Uint8Array(0);
  }

  /** Whether the object's size is `declared`: its decoded bytes, or, for a b64 object, the length of its base64 text. */
  matches(declared: number): boolean {
    return this.decoded === declared || (this.b64 && this.raw === declared);
  }

  private decode(text: string): Uint8Array {
    const bytes = decodeB64(text, this.raw);
    this.decoded += bytes.length;
    return bytes;
  }
}

/** Value of each base64 character (standard and URL alphabets), -1 for anything else. */
const B64_VALUE = new Int16Array(128).fill(-1);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
for (let i = 0; i < 64; i++) B64_VALUE[ALPHABET.charCodeAt(i)] = i;
B64_VALUE[0x2d] = 62;
B64_VALUE[0x5f] = 63;

/**
 * Decodes whitespace-free base64 straight into a byte array (a chunk of up to a message's size, many times per
 * object: no intermediate arrays, which QuickJS pays dearly for). `at` only names the position in an error.
 */
function decodeB64(text: string, at: number): Uint8Array {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x3d) end--;
  if (text.length - end > 2) throw new LargeObjectError(400, 'the object is not valid base64 (Format b64): too much padding');
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? B64_VALUE[c] : -1;
    if (v < 0) throw new LargeObjectError(400, `the object is not valid base64 (Format b64): character ${JSON.stringify(text[i])} near byte ${at}`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}
