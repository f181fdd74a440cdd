// mb_u_int32 (WAP-192 §5.1, docs/protocol.md §2.1): big-endian groups of 7 bits, continuation bit 0x80 on every byte but the last.
// Example 0x1201 -> A4 01; 16384 -> 81 80 00; 127 -> 7F.

import { WbxmlError } from './errors.js';

/** Result of reading an mb_u_int32: the value and the offset just after it. */
export interface MbRead {
  value: number;
  next: number;
}

/** Reads an mb_u_int32 at `pos`. At most 5 bytes and 32 bits; throws WbxmlError otherwise or when truncated. */
export function readMbUint32(bytes: Uint8Array, pos: number): MbRead {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (pos + i >= bytes.length) throw new WbxmlError('truncated', pos, 'mb_u_int32 runs past the end of the document');
    const b = bytes[pos + i];
    value = value * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      if (value > 0xffffffff) throw new WbxmlError('bad-mb-uint32', pos, 'mb_u_int32 exceeds 32 bits');
      return { value, next: pos + i + 1 };
    }
  }
  throw new WbxmlError('bad-mb-uint32', pos, 'mb_u_int32 longer than 5 bytes');
}

/** Appends the mb_u_int32 encoding of `value` (0..2^32-1) to `out`. */
export function encodeMbUint32(value: number): number[] {
  if (!(value >= 0 && value <= 0xffffffff) || Math.floor(value) !== value) {
    throw new WbxmlError('encode-failed', -1, `mb_u_int32 value out of range: ${value}`);
  }
  const groups: number[] = [value % 128];
  let v = Math.floor(value / 128);
  while (v > 0) {
    groups.unshift((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  return groups;
}
