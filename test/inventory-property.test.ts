import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InventoryError, parseControlStanzas, parseDpkgStatus, parseManifest, parseOpkgStatus } from '../src/inventory/index.js';
import { assignNames, nodeNameFor } from '../src/scomo/names.js';

const fieldName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/);
const lineText = fc.stringMatching(/^[!-~][ -~]{0,30}$/).map((s) => s.replace(/\s+$/, '')); // no leading space, no trailing space
const value = fc.tuple(lineText, fc.array(lineText, { maxLength: 3 }));

describe('control stanzas: property tests', () => {
  it('serialise → parse gives back every field and value', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.tuple(fieldName, value), { minLength: 1, maxLength: 6, selector: ([n]) => n.toLowerCase() }), { maxLength: 5 }),
        (stanzas) => {
          const text = stanzas.map((fields) => fields.map(([n, [first, rest]]) => `${n}: ${first}` + rest.map((l) => `\n ${l}`).join('')).join('\n')).join('\n\n') + '\n';
          const parsed = parseControlStanzas(text, 't');
          expect(parsed.length).toBe(stanzas.length);
          parsed.forEach((st, i) => {
            stanzas[i].forEach(([n, [first, rest]]) => expect(st.get(n)).toBe([first].concat(rest).join('\n')));
          });
        },
      ),
    );
  });

  it('any text either parses or fails with an InventoryError naming a line', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        for (const parse of [parseDpkgStatus, parseOpkgStatus]) {
          try {
            parse(text, 'fuzz');
          } catch (e) {
            expect(e).toBeInstanceOf(InventoryError);
            expect((e as InventoryError).line).toBeGreaterThanOrEqual(1);
          }
        }
        try {
          parseManifest(text, 'fuzz.json');
        } catch (e) {
          expect(e).toBeInstanceOf(InventoryError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('Deployed node names: property tests', () => {
  it('unique, path-safe, short, and stable when more components appear in any order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 60 }), { maxLength: 20 }), fc.uniqueArray(fc.string({ minLength: 1, maxLength: 60 }), { maxLength: 20 }), (first, later) => {
        const names: Record<string, string> = {};
        assignNames(names, first);
        const before = { ...names };
        const all = later.concat(first).reverse();
        assignNames(names, all);
        for (const id of first) expect(names[id]).toBe(before[id]);
        const values = Object.keys(names).map((k) => names[k]);
        expect(new Set(values).size).toBe(values.length);
        for (const v of values) {
          expect(v).toMatch(/^[A-Za-z0-9._-]{1,48}$/);
          expect(v === '.' || v === '..').toBe(false);
        }
      }),
    );
    expect(nodeNameFor('libc6:amd64')).toBe('libc6_amd64');
  });
});
