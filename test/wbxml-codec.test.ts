// WBXML layer: mb_u_int32 (docs/protocol.md §2.1), the §2.8 encoding example, header variants real engines send
// (LIBWBXML.md / PROVENANCE.md), empty/OPAQUE Data, the encoder options, and the typed errors with byte offsets.

import { describe, expect, it } from 'vitest';
import { encodeMbUint32, readMbUint32 } from '../src/wbxml/mbuint.js';
import { decodeWbxmlDocument } from '../src/wbxml/decoder.js';
import { encodeWbxmlDocument } from '../src/wbxml/encoder.js';
import { WbxmlError } from '../src/wbxml/errors.js';
import { DMDDF12, SYNCML12 } from '../src/wbxml/codepages.js';
import { decodeWbxml, decodeXml, encodeWbxml, wbxmlToXml, xmlToWbxml } from '../src/syncml/index.js';
import type { SyncML } from '../src/syncml/model.js';
import { fromHex, hex, isValidUtf8, utf8Decode, utf8Encode } from '../src/bytes.js';
import { decodeUtf8, isUtf8 } from '../src/utf8.js';
import fc from 'fast-check';

function wbxmlError(f: () => unknown): WbxmlError {
  try {
    f();
  } catch (e) {
    if (e instanceof WbxmlError) return e;
    throw new Error(`expected WbxmlError, got ${String(e)}`);
  }
  throw new Error('expected WbxmlError, nothing thrown');
}

describe('mb_u_int32 (docs/protocol.md §2.1)', () => {
  it.each([
    [0x1201, 'a401'],
    [16384, '818000'],
    [127, '7f'],
    [128, '8100'],
    [0, '00'],
    [0xffffffff, '8fffffff7f'],
  ])('%i <-> %s', (value, bytes) => {
    expect(hex(Uint8Array.from(encodeMbUint32(value)))).toBe(bytes);
    expect(readMbUint32(fromHex(bytes), 0)).toEqual({ value, next: bytes.length / 2 });
  });

  it('rejects more than 5 bytes, more than 32 bits and truncation, with the offset', () => {
    expect(() => readMbUint32(fromHex('8080808080'), 0)).toThrow(/longer than 5 bytes/);
    expect(() => readMbUint32(fromHex('9fffffff7f'), 0)).toThrow(/exceeds 32 bits/);
    const e = wbxmlError(() => readMbUint32(fromHex('0081'), 1));
    expect(e.code).toBe('truncated');
    expect(e.offset).toBe(1);
    expect(() => encodeMbUint32(-1)).toThrow(WbxmlError);
  });
});

// Digest §2.8 [SELF]: the XML and its WBXML with a textual FPI (29 bytes, no NUL, as the Motorola engine writes it).
const EX_XML =
  '<SyncML><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>http://s</LocURI></Target><Source><LocURI>IMEI:1</LocURI></Source><Meta><MaxMsgSize xmlns="syncml:metinf">16384</MaxMsgSize></Meta></SyncHdr><SyncBody><Alert><CmdID>1</CmdID><Data>1201</Data></Alert><Final/></SyncBody></SyncML>';
const EX_FPI = '2d2f2f53594e434d4c2f2f4454442053796e634d4c20312e322f2f454e';
const EX_BODY =
  '6d6c7103312e3200017203444d2f312e32000165033100015b033100016e5703687474703a2f2f73000101675703494d45493a310001015a00014c0331363338340001010100006b464b033100014f0331323031000101120101';
const EX_WBXML = '0200006a1d' + EX_FPI + EX_BODY;

describe('docs/protocol.md §2.8 example', () => {
  it('decodes the example bytes to the same model as the XML', () => {
    const m = decodeWbxml(fromHex(EX_WBXML));
    expect(m).toEqual(decodeXml(EX_XML));
    expect(m.hdr.meta).toEqual({ maxMsgSize: '16384' });
    expect(m.body).toEqual([{ kind: 'Alert', cmdID: '1', data: '1201', items: [] }]);
    expect(m.final).toBe(true);
  });

  it('encodes the example byte for byte (string FPI gets its NUL terminator; numeric FPI 02 A4 01 6A 00)', () => {
    const m = decodeXml(EX_XML);
    expect(hex(encodeWbxml(m, { publicId: 'string' }))).toBe('0200006a1e' + EX_FPI + '00' + EX_BODY);
    expect(hex(encodeWbxml(m))).toBe('02a4016a00' + EX_BODY);
    expect(hex(xmlToWbxml(EX_XML))).toBe('02a4016a00' + EX_BODY);
  });
});

const BODY_MIN = '6d6c7103312e3200017203444d2f312e32000165033100015b033100016e5703730001016757036300010101' + '6b12' + '01' + '01';

describe('headers real engines send', () => {
  it.each([
    ['WBXML 1.1, numeric 0x1201', '01a4016a00'],
    ['WBXML 1.3, numeric 0x1201', '03a4016a00'],
    ['unknown public id 0x01 = SyncML 1.2', '02016a00'],
    ['SyncML 1.1 id 0x0FD3 with DM/1.2 content', '029f536a00'],
    ['string-table FPI without NUL (android dm12)', '0200006a1d' + EX_FPI],
    ['string-table FPI "SyncML 1.1" without NUL', '0200006a1d' + EX_FPI.replace('312e32', '312e31')],
    ['charset 0 (unknown) read as UTF-8', '02a4010000'],
  ])('%s', (_name, header) => {
    const m = decodeWbxml(fromHex(header + BODY_MIN));
    expect(m.hdr.verProto).toBe('DM/1.2');
    expect(m.hdr.target.locURI).toBe('s');
    expect(m.final).toBe(true);
  });

  it('reads strings through STR_T from a non-empty string table', () => {
    // table: "http://s\0" ; Target LocURI = STR_T 0, Source LocURI = STR_T 0
    const table = utf8Encode('http://s');
    const doc = '02a4016a09' + hex(table) + '00' + '6d6c7103312e3200017203444d2f312e32000165033100015b033100016e578300010167578300010101' + '6b1201' + '01';
    const m = decodeWbxml(fromHex(doc));
    expect(m.hdr.target.locURI).toBe('http://s');
    expect(m.hdr.source.locURI).toBe('http://s');
  });

  it('applies the version and public-id options', () => {
    const m = decodeXml(EX_XML);
    expect(encodeWbxml(m, { version: '1.1' })[0]).toBe(0x01);
    expect(encodeWbxml(m, { version: '1.3' })[0]).toBe(0x03);
    expect(() => encodeWbxml(m, { version: '2.0' as '1.3' })).toThrow(/unsupported WBXML version/);
  });
});

function msgWith(items: string): SyncML {
  return decodeXml(
    `<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>s</LocURI></Target><Source><LocURI>c</LocURI></Source></SyncHdr><SyncBody>${items}<Final/></SyncBody></SyncML>`,
  );
}

describe('Data encodings', () => {
  const prefix = '02a4016a00' + '6d6c7103312e3200017203444d2f312e32000165033100015b033100016e5703730001016757036300010101' + '6b';
  const add = (item: string) => fromHex(prefix + '45' + '4b033200' + '01' + '54' + item + '01' + '01' + '1201' + '01');

  it('accepts an empty Data as a bare token (libwbxml) and as content + empty STR_I (Motorola engine)', () => {
    const bare = decodeWbxml(add('0f'));
    const empty = decodeWbxml(add('4f030001'));
    expect((bare.body[0] as { items: { data?: unknown }[] }).items[0].data).toBe('');
    expect(empty).toEqual(bare);
  });

  it('reads OPAQUE as text when it is UTF-8, as bytes when Format is bin or it is not UTF-8', () => {
    const text = decodeWbxml(add('4fc303616263' + '01'));
    expect((text.body[0] as { items: { data?: unknown }[] }).items[0].data).toBe('abc');
    const bin = decodeWbxml(add('4fc302ff00' + '01'));
    expect((bin.body[0] as { items: { data?: unknown }[] }).items[0].data).toEqual(Uint8Array.from([0xff, 0x00]));
    // Item Meta Format bin (MetInf page 1 token 0x07 with content) makes even ASCII bytes binary.
    const fmt = decodeWbxml(add('5a0001470362696e0001' + '0000' + '01' + '4fc303616263' + '01'));
    expect((fmt.body[0] as { items: { data?: unknown }[] }).items[0].data).toEqual(utf8Encode('abc'));
  });

  it('writes text as STR_I, bytes as OPAQUE, "" as the bare Data token, undefined as nothing', () => {
    const m = msgWith('<Alert><CmdID>3</CmdID><Data>1226</Data><Item><Data/></Item><Item/></Alert>');
    const alert = m.body[0] as { items: { data?: unknown }[] };
    expect(alert.items[0].data).toBe('');
    expect(alert.items[1].data).toBeUndefined();
    const bytes = hex(encodeWbxml(m));
    expect(bytes).toContain('4f0331323236000154' + '0f' + '01' + '14'); // Data "1226", Item{Data bare}, Item bare
    alert.items[1].data = Uint8Array.from([0xff, 2, 0]);
    expect(hex(encodeWbxml(m))).toContain('544fc303ff0200' + '0101');
    expect(decodeWbxml(encodeWbxml(m))).toEqual(m);
    // Bytes that happen to be UTF-8 and carry no Meta Format bin are indistinguishable from text on the wire.
    alert.items[1].data = utf8Encode('ok');
    expect((decodeWbxml(encodeWbxml(m)).body[0] as { items: { data?: unknown }[] }).items[1].data).toBe('ok');
  });

  it('puts repeated strings into the string table when asked, and reads them back', () => {
    const m = msgWith(
      '<Get><CmdID>2</CmdID><Item><Target><LocURI>./DevInfo/Mod</LocURI></Target></Item></Get><Get><CmdID>3</CmdID><Item><Target><LocURI>./DevInfo/Mod</LocURI></Target></Item></Get>',
    );
    const plain = encodeWbxml(m);
    const tabled = encodeWbxml(m, { stringTable: true });
    expect(tabled.length).toBeLessThan(plain.length);
    expect(hex(tabled)).toContain(hex(utf8Encode('./DevInfo/Mod')) + '00');
    expect(hex(tabled)).toContain('5783'); // LocURI with content, then STR_T
    expect(decodeWbxml(tabled)).toEqual(m);
  });
});

describe('generic documents', () => {
  it('encodes a standalone DDF with its FPI in the string table and tags on page 2, like libwbxml', () => {
    const ddf = '<MgmtTree xmlns="syncml:dmddf1.2"><VerDTD>1.2</VerDTD><Node><NodeName>A</NodeName></Node></MgmtTree>';
    const w = xmlToWbxml(ddf);
    expect(hex(w.subarray(0, 5))).toBe('0200006a1b');
    expect(hex(w.subarray(32, 35))).toBe('000260'); // SWITCH_PAGE 2, MgmtTree with content
    expect(wbxmlToXml(w)).toBe(
      '<?xml version="1.0"?><!DOCTYPE MgmtTree PUBLIC "-//OMA//DTD-DM-DDF 1.2//EN" "http://www.openmobilealliance.org/tech/DTD/dm_ddf-v1_2.dtd">' + ddf,
    );
    expect(decodeWbxmlDocument(w).language).toBe(DMDDF12.name);
  });

  it('refuses to encode XML of no known language, as libwbxml does', () => {
    expect(() => xmlToWbxml('<Foo><Bar/></Foo>')).toThrow(/<Foo> is not the root of a known WBXML language/);
    expect(() => xmlToWbxml('<Alert><CmdID>1</CmdID></Alert>')).toThrow(/bad-root/);
  });

  it('decodes LITERAL tags, generic attributes and ENTITY', () => {
    // table "Foo\0id\0"; root SyncML(content) > LITERAL_AC "Foo" attrs [LITERAL "id" = STR_I "7"] content ENTITY 0x263A
    const doc = fromHex('02a4016a07' + hex(utf8Encode('Foo')) + '00' + hex(utf8Encode('id')) + '00' + '6d' + 'c400' + '0404' + '033700' + '01' + '02cc3a' + '01' + '01');
    const d = decodeWbxmlDocument(doc);
    expect(d.root.children[0]).toEqual({ name: 'Foo', page: 0, attrs: [{ name: 'id', value: '7' }], children: [{ text: '\u263a' }] });
    expect(encodeWbxmlDocument(d.root, SYNCML12).length).toBeGreaterThan(5);
    expect(decodeWbxmlDocument(encodeWbxmlDocument(d.root, SYNCML12)).root).toEqual(d.root);
  });
});

describe('typed errors with byte offsets', () => {
  const good = fromHex('02a4016a00' + BODY_MIN);
  it.each([
    ['empty input', '', 'truncated', 0],
    ['version 2.0', '10a4016a00', 'bad-version', 0],
    ['unsupported charset', '02a4010400'.replace('0400', '8101') + '00', 'bad-charset', 3],
    ['string table past the end', '02a4016a05' + '4142', 'truncated', 4],
    ['unknown tag token 0x30 on page 0', '02a4016a00' + '6d' + '70', 'unknown-tag', 6],
    ['END with nothing open', '02a4016a00' + '01', 'unbalanced-end', 5],
    ['unterminated STR_I', '02a4016a00' + '6d' + '034142', 'unterminated-string', 6],
    ['STR_T outside the table', '02a4016a00' + '6d' + '8305' + '01', 'bad-string-ref', 6],
    ['OPAQUE longer than the document', '02a4016a00' + '6d' + 'c37f' + '01', 'truncated', 6],
    ['truncated inside an element', '02a4016a00' + '6d6c', 'truncated', 7],
    ['bytes after the root', '02a4016a00' + '6d' + '01' + '6d01', 'trailing-data', 7],
    ['text before the root', '02a4016a00' + '034100', 'no-root', 5],
    ['no root at all', '02a4016a00', 'no-root', 5],
    ['EXT_0 token', '02a4016a00' + '6d' + 'c0' + '01', 'unsupported-token', 6],
    ['bad ENTITY', '02a4016a00' + '6d' + '0200' + '01', 'bad-entity', 6],
  ])('%s', (_name, bytes, code, offset) => {
    const e = wbxmlError(() => decodeWbxmlDocument(fromHex(bytes)));
    expect(e.code).toBe(code);
    expect(e.offset).toBe(offset);
    expect(e.message).toContain(`at byte ${offset}`);
  });

  it('enforces the configurable limits', () => {
    expect(wbxmlError(() => decodeWbxml(good, { maxDocumentBytes: 10 })).code).toBe('too-large');
    expect(wbxmlError(() => decodeWbxml(good, { maxDepth: 2 })).code).toBe('too-deep');
    expect(wbxmlError(() => decodeWbxml(good, { maxElements: 5 })).code).toBe('too-many-elements');
    expect(wbxmlError(() => decodeWbxml(fromHex('0200006a1d' + EX_FPI + EX_BODY), { maxStringTableBytes: 8 })).code).toBe('bad-string-table');
    expect(wbxmlError(() => decodeWbxml(good, { maxStringBytes: 2 })).code).toBe('string-too-long');
    expect(decodeWbxml(good).final).toBe(true);
  });
});

describe('text pieces and UTF-8 helpers', () => {
  it('joins consecutive STR_T / STR_I / ENTITY pieces into one text (libwbxml splits strings this way)', () => {
    // table "[software\0"; Data = STR_T 0 + STR_I " version" + ENTITY '!'
    const doc = fromHex('02a4016a0a' + hex(utf8Encode('[software')) + '00' + '6d' + '4f' + '8300' + '03' + hex(utf8Encode(' version')) + '00' + '0221' + '01' + '01');
    expect(decodeWbxmlDocument(doc).root.children[0]).toEqual({ name: 'Data', page: 0, children: [{ text: '[software version!' }] });
  });

  it('decodeUtf8/isUtf8 agree with bytes.ts utf8Decode and with the round trip encode(decode(b)) = b on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(fc.constantFrom(0x80, 0xbf, 0xc2, 0xe0, 0xed, 0xf0, 0xf4, 0xf5, 0xff), { maxLength: 8 }), (a, extra) => {
        const b = Uint8Array.from(Array.from(a).concat(extra));
        expect(decodeUtf8(b, 0, b.length)).toBe(utf8Decode(b));
        expect(isUtf8(b)).toBe(hex(utf8Encode(utf8Decode(b))) === hex(b));
        expect(isValidUtf8(b)).toBe(isUtf8(b));
      }),
      { numRuns: 2000 },
    );
    const long = utf8Encode('€😀a'.repeat(3000));
    expect(decodeUtf8(long, 0, long.length)).toBe('€😀a'.repeat(3000));
  });
});
