// The runtime-free byte helpers against Node's own UTF-8 and base64.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { base64Decode, base64Encode, fromHex, hex, isValidUtf8, utf8Decode, utf8Encode, Base64Error } from '../src/bytes.js';

describe('bytes', () => {
  it('UTF-8 matches Node for any string and any bytes', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      expect(Buffer.from(utf8Encode(s)).equals(Buffer.from(s, 'utf8'))).toBe(true);
    }));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      const want = new TextDecoder().decode(b);
      // Valid input decodes exactly; malformed input gives U+FFFD (how many per bad sequence may differ from WHATWG).
      if (Buffer.from(want, 'utf8').equals(Buffer.from(b))) expect(utf8Decode(b)).toBe(want);
      else expect(utf8Decode(b)).toContain('\ufffd');
    }));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      expect(isValidUtf8(b)).toBe(Buffer.from(new TextDecoder().decode(b), 'utf8').equals(Buffer.from(b)));
    }));
  });
  it('base64 matches Node and refuses garbage', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      expect(base64Encode(b)).toBe(Buffer.from(b).toString('base64'));
      expect(Array.from(base64Decode(base64Encode(b)))).toEqual(Array.from(b));
    }));
    expect(() => base64Decode('ab$c')).toThrow(Base64Error);
    expect(Array.from(base64Decode('Tm9uY2U'))).toEqual(Array.from(Buffer.from('Nonce')));
  });
  it('hex round-trips and rejects odd input', () => {
    expect(hex(fromHex('00ff10'))).toBe('00ff10');
    expect(() => fromHex('abc')).toThrow(/invalid hex/);
  });
});
