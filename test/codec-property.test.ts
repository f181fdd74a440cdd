// Property tests (fast-check): decode(encode(m)) equals m for generated SyncML models, for XML and for WBXML with
// every encoder option. Text covers XML specials, edge whitespace, CR, non-BMP characters and `]]>`.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeWbxml, decodeXml, encodeWbxml, encodeXml } from '../src/syncml/index.js';
import type { Command, Item, Meta, SyncML } from '../src/syncml/model.js';

// Characters XML 1.0 can carry (no C0 controls but TAB/LF/CR, no lone surrogates, no U+FFFE/FFFF).
const char = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 2, arbitrary: fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u3000', '\ufeff', '&', '<', '>', '"', "'", ']]>', '&amp;', '<![CDATA[') },
  { weight: 1, arbitrary: fc.integer({ min: 0xa0, max: 0xd7ff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) },
);
const text = fc.array(char, { maxLength: 12 }).map((a) => a.join(''));
const optional = <T>(arb: fc.Arbitrary<T>) => arb;
const yes = fc.constant(true as const);

const meta: fc.Arbitrary<Meta> = fc.record(
  {
    format: text,
    type: text,
    mark: text,
    size: text,
    anchor: fc.record({ last: text, next: text }, { requiredKeys: ['next'] }),
    version: text,
    nextNonce: text,
    maxMsgSize: text,
    maxObjSize: text,
    emi: fc.array(text, { minLength: 1, maxLength: 3 }),
    mem: fc.record({ sharedMem: yes, freeMem: text, freeID: text }, { requiredKeys: ['freeMem', 'freeID'] }),
    fieldLevel: yes,
  },
  { requiredKeys: [] },
);

const locRef = fc.record({ locURI: text, locName: text }, { requiredKeys: ['locURI'] });
const cred = fc.record({ meta, data: text }, { requiredKeys: ['data'] });

function itemArb(data: fc.Arbitrary<string | Uint8Array>): fc.Arbitrary<Item> {
  return fc.record({ target: locRef, source: locRef, meta: optional(meta), data, moreData: yes }, { requiredKeys: [] });
}

/** Bytes that cannot be UTF-8 (leading 0xFF), so the decoder must give them back as bytes. */
const binary = fc.uint8Array({ maxLength: 40 }).map((b) => {
  const out = new Uint8Array(b.length + 1);
  out[0] = 0xff;
  out.set(b, 1);
  return out;
});

function modelArb(data: fc.Arbitrary<string | Uint8Array>): fc.Arbitrary<SyncML> {
  const item = itemArb(data);
  const items = fc.array(item, { maxLength: 3 });
  const cmdID = text;
  const { command } = fc.letrec<{ command: Command }>((tie) => ({
    command: fc.oneof(
      { maxDepth: 3, depthSize: 'small' },
      fc.record(
        { kind: fc.constantFrom('Add', 'Replace', 'Copy', 'Delete', 'Get'), cmdID, noResp: yes, cred, meta, items },
        { requiredKeys: ['kind', 'cmdID', 'items'] },
      ),
      fc.record(
        { kind: fc.constant('Alert' as const), cmdID, noResp: yes, cred, data: text, correlator: text, items },
        { requiredKeys: ['kind', 'cmdID', 'items'] },
      ),
      fc.record(
        { kind: fc.constant('Exec' as const), cmdID, noResp: yes, cred, meta, correlator: text, items },
        { requiredKeys: ['kind', 'cmdID', 'items'] },
      ),
      fc.record(
        {
          kind: fc.constant('Status' as const),
          cmdID,
          msgRef: text,
          cmdRef: text,
          cmd: text,
          targetRefs: fc.array(text, { maxLength: 2 }),
          sourceRefs: fc.array(text, { maxLength: 2 }),
          cred,
          chal: fc.record({ meta }),
          data: text,
          items,
        },
        { requiredKeys: ['kind', 'cmdID', 'msgRef', 'cmdRef', 'cmd', 'targetRefs', 'sourceRefs', 'data', 'items'] },
      ),
      fc.record(
        {
          kind: fc.constant('Results' as const),
          cmdID,
          msgRef: text,
          cmdRef: text,
          meta,
          targetRefs: fc.array(text, { maxLength: 2 }),
          sourceRefs: fc.array(text, { maxLength: 2 }),
          items,
        },
        { requiredKeys: ['kind', 'cmdID', 'cmdRef', 'targetRefs', 'sourceRefs', 'items'] },
      ),
      fc.record(
        { kind: fc.constantFrom('Atomic', 'Sequence'), cmdID, noResp: yes, meta, commands: fc.array(tie('command'), { maxLength: 3 }) },
        { requiredKeys: ['kind', 'cmdID', 'commands'] },
      ),
    ) as fc.Arbitrary<Command>,
  }));
  const hdr = fc.record(
    {
      verDTD: text,
      verProto: text,
      sessionID: text,
      msgID: text,
      target: locRef,
      source: locRef,
      respURI: text,
      noResp: yes,
      cred,
      meta,
    },
    { requiredKeys: ['verDTD', 'verProto', 'sessionID', 'msgID', 'target', 'source'] },
  );
  return fc.record({ hdr, body: fc.array(command, { maxLength: 5 }), final: fc.boolean() });
}

describe('round trips of generated models', () => {
  it('XML: decodeXml(encodeXml(m)) equals m', () => {
    fc.assert(
      fc.property(modelArb(text), (m) => {
        expect(decodeXml(encodeXml(m))).toEqual(m);
      }),
      { numRuns: 300 },
    );
  });

  it('WBXML (default options): decodeWbxml(encodeWbxml(m)) equals m, Data may be text or binary', () => {
    fc.assert(
      fc.property(modelArb(fc.oneof(text, binary)), (m) => {
        expect(decodeWbxml(encodeWbxml(m))).toEqual(m);
      }),
      { numRuns: 300 },
    );
  });

  it('WBXML with string table, WBXML 1.1/1.3 and a textual public id', () => {
    fc.assert(
      fc.property(
        modelArb(fc.oneof(text, binary)),
        fc.constantFrom('1.1' as const, '1.2' as const, '1.3' as const),
        fc.constantFrom('numeric' as const, 'string' as const),
        fc.boolean(),
        (m, version, publicId, stringTable) => {
          const bytes = encodeWbxml(m, { version, publicId, stringTable });
          expect(decodeWbxml(bytes)).toEqual(m);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the property can fail: a model that XML cannot carry (binary Data) is detected', () => {
    const m: SyncML = {
      hdr: { verDTD: '1.2', verProto: 'DM/1.2', sessionID: '1', msgID: '1', target: { locURI: 's' }, source: { locURI: 'c' } },
      body: [{ kind: 'Replace', cmdID: '1', items: [{ data: Uint8Array.from([0xff]) }] }],
      final: true,
    };
    expect(decodeXml(encodeXml(m))).not.toEqual(m);
  });
});
