// Hot-path UTF-8 -> string for the WBXML decoder and the byte helpers (src/bytes.ts), outside src/wbxml so that
// neither imports the other: an ASCII fast path (most DM strings are ASCII) and a closure-free
// general loop with the same semantics as bytes.ts utf8Decode (malformed sequences become U+FFFD). No per-byte
// allocation: code units are gathered in one reusable buffer and turned into a string per 4 KiB block.

const units = new Uint16Array(4096);

function fromUnits(n: number): string {
  return String.fromCharCode.apply(null, units.subarray(0, n) as unknown as number[]);
}

export function decodeUtf8(b: Uint8Array, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (b[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    if (end - start <= 24) {
      let s = '';
      for (let i = start; i < end; i++) s += String.fromCharCode(b[i]);
      return s;
    }
    let s = '';
    for (let i = start; i < end; i += 4096) {
      s += String.fromCharCode.apply(null, b.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
    }
    return s;
  }
  let s = '';
  let n = 0;
  let i = start;
  while (i < end) {
    const c = b[i++];
    let cp = 0xfffd;
    let need = 0;
    if (c < 0x80) cp = c;
    else if (c >= 0xc2 && c < 0xe0) {
      need = 1;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c < 0xf0) {
      need = 2;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c < 0xf5) {
      need = 3;
      cp = c & 0x07;
    }
    if (need > 0) {
      let ok = i + need <= end;
      let v = cp;
      for (let k = 0; ok && k < need; k++) {
        const x = b[i + k];
        if ((x & 0xc0) !== 0x80) ok = false;
        else v = (v << 6) | (x & 0x3f);
      }
      const min = need === 1 ? 0x80 : need === 2 ? 0x800 : 0x10000;
      if (ok && v >= min && v <= 0x10ffff && !(v >= 0xd800 && v <= 0xdfff)) {
        cp = v;
        i += need;
      } else cp = 0xfffd;
    }
    if (n >= 4094) {
      s += fromUnits(n);
      n = 0;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units[n++] = 0xd800 + (cp >> 10);
      units[n++] = 0xdc00 + (cp & 0x3ff);
    } else units[n++] = cp;
  }
  return s + fromUnits(n);
}

/** True when bytes[start..end) is well-formed UTF-8 (no overlongs, no surrogates, max U+10FFFF). */
export function isUtf8(b: Uint8Array, start = 0, end = b.length): boolean {
  let i = start;
  while (i < end) {
    const c = b[i++];
    if (c < 0x80) continue;
    let need: number;
    let min: number;
    let v: number;
    if (c >= 0xc2 && c < 0xe0) {
      need = 1;
      min = 0x80;
      v = c & 0x1f;
    } else if (c >= 0xe0 && c < 0xf0) {
      need = 2;
      min = 0x800;
      v = c & 0x0f;
    } else if (c >= 0xf0 && c < 0xf5) {
      need = 3;
      min = 0x10000;
      v = c & 0x07;
    } else return false;
    if (i + need > end) return false;
    for (let k = 0; k < need; k++) {
      const x = b[i++];
      if ((x & 0xc0) !== 0x80) return false;
      v = (v << 6) | (x & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return false;
  }
  return true;
}

/**
 * Writes `s` as UTF-8 into `buf` from `at` and returns the position after it; lone surrogates become U+FFFD (as
 * TextEncoder does). The caller makes room for the worst case, 3 bytes per UTF-16 code unit (a surrogate pair is two
 * units for four bytes). The one UTF-8 writer of the core: bytes.ts utf8Encode and the WBXML encoder's strings.
 */
export function encodeUtf8Into(s: string, buf: Uint8Array, at: number): number {
  let n = at;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[n++] = c;
      continue;
    }
    const cp = codePointAt(s, i, s.length);
    if (cp > 0xffff) i++;
    n = putCodePoint(buf, n, cp);
  }
  return n;
}

/**
 * The code point that starts at s[i] (a surrogate pair only when its low half is before `to`); a lone surrogate is
 * U+FFFD, as TextEncoder does. A result above 0xFFFF took two units.
 */
export function codePointAt(s: string, i: number, to: number): number {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) {
    const d = s.charCodeAt(i + 1);
    return d >= 0xdc00 && d <= 0xdfff ? 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00) : 0xfffd;
  }
  return c >= 0xd800 && c <= 0xdfff ? 0xfffd : c;
}

/** Writes a code point of 0x80 or more as UTF-8 at buf[n] (2 to 4 bytes); returns the index after it. */
export function putCodePoint(buf: Uint8Array, n: number, c: number): number {
  if (c < 0x800) {
    buf[n++] = 0xc0 | (c >> 6);
    buf[n++] = 0x80 | (c & 63);
  } else if (c < 0x10000) {
    buf[n++] = 0xe0 | (c >> 12);
    buf[n++] = 0x80 | ((c >> 6) & 63);
    buf[n++] = 0x80 | (c & 63);
  } else {
    buf[n++] = 0xf0 | (c >> 18);
    buf[n++] = 0x80 | ((c >> 12) & 63);
    buf[n++] = 0x80 | ((c >> 6) & 63);
    buf[n++] = 0x80 | (c & 63);
  }
  return n;
}
