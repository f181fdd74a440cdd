import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeSegment, formatUri, nodeNameProblem, parseUri, UriError, type UriLimits } from '../src/tree/uri.js';

function statusOf(fn: () => unknown): number | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof UriError) return e.status;
    throw e;
  }
}

describe('URI rules (docs/protocol.md §1.12)', () => {
  it('parses the root and absolute and relative forms to the same segments', () => {
    expect(parseUri('.').segments).toEqual([]);
    expect(parseUri('./DevInfo/DevId').segments).toEqual(['DevInfo', 'DevId']);
    expect(parseUri('DevInfo/DevId').segments).toEqual(['DevInfo', 'DevId']);
    expect(parseUri('DevInfo/DevId').path).toBe('./DevInfo/DevId');
  });

  it.each([
    ['./A/', 'trailing slash'],
    ['./', 'root with slash'],
    ['./A//B', 'empty segment'],
    ['./A/../B', 'dot-dot segment'],
    ['./A/./B', 'dot segment'],
    ['././A', 'second root dot'],
    ['/A', 'leading slash'],
    ['', 'empty'],
    ['./A\u0001B', 'control character'],
    ['./A\nB', 'newline'],
    ['./A%2FB', 'escaped slash'],
    ['./%2E%2E', 'escaped dot-dot'],
    ['./A%zz', 'broken escape'],
    ['./A%C3', 'escape that is not UTF-8'],
    ['./A%00', 'escaped NUL'],
  ])('refuses %j (%s) with 400', (uri) => {
    expect(statusOf(() => parseUri(uri))).toBe(400);
  });

  it('decodes percent-escapes per segment (UTF-8)', () => {
    expect(parseUri('./A%20B/%C3%A9t%C3%A9').segments).toEqual(['A B', 'été']);
  });

  it('enforces MaxDepth, MaxTotLen and MaxSegLen with 414, and 0 means unlimited', () => {
    const limits: UriLimits = { maxDepth: 3, maxTotLen: 20, maxSegLen: 5 };
    expect(statusOf(() => parseUri('./a/b/c', limits))).toBe('ok');
    expect(statusOf(() => parseUri('./a/b/c/d', limits))).toBe(414);
    expect(statusOf(() => parseUri('./abcdef', limits))).toBe(414);
    expect(statusOf(() => parseUri('./abcde', limits))).toBe('ok');
    expect(statusOf(() => parseUri('./a/abcde/abcde/x', { maxDepth: 0, maxTotLen: 16, maxSegLen: 0 }))).toBe(414);
    const unlimited: UriLimits = { maxDepth: 0, maxTotLen: 0, maxSegLen: 0 };
    expect(statusOf(() => parseUri('./' + Array(200).fill('segment-name-long').join('/'), unlimited))).toBe('ok');
  });

  it('reads ?prop= and ?list= (with +/- selectors, not mixed) and refuses unknown ones', () => {
    expect(parseUri('./DMAcc/x?prop=ACL').prop).toBe('ACL');
    expect(parseUri('./A?list=StructData').list).toEqual({ kind: 'StructData' });
    expect(parseUri('./A?list=Struct+ACL+Format').list).toEqual({ kind: 'Struct', include: ['ACL', 'Format'] });
    expect(parseUri('./A?list=TNDS-Title').list).toEqual({ kind: 'TNDS', exclude: ['Title'] });
    expect(statusOf(() => parseUri('./A?list=Struct+ACL-Type'))).toBe(400);
    expect(statusOf(() => parseUri('./A?prop=Colour'))).toBe(406);
    expect(statusOf(() => parseUri('./A?list=Tree'))).toBe(406);
    expect(statusOf(() => parseUri('./A?foo=bar'))).toBe(406);
  });
});

describe('URI escaping round-trip (property)', () => {
  const nameChar = fc.oneof(
    fc.constantFrom('a', 'Z', '0', '-', '_', '.', '%', '/', '?', '#', ' ', '+', '&', '=', 'é', '€', '😀', '\u0001', '\u007f'),
    fc.string({ minLength: 1, maxLength: 1 }),
  );
  const name = fc.array(nameChar, { minLength: 1, maxLength: 12 }).map((cs) => cs.join(''));

  it('formatUri then parseUri gives back any names that can name a node', () => {
    fc.assert(
      fc.property(fc.array(name, { maxLength: 8 }), (names) => {
        const valid = names.filter((n) => nodeNameProblem(n) === null);
        const parsed = parseUri(formatUri(valid), { maxDepth: 0, maxTotLen: 0, maxSegLen: 0 });
        expect(parsed.segments).toEqual(valid);
      }),
      { numRuns: 500 },
    );
  });

  it('names with "/" or control characters are not node names, and never parse back into one', () => {
    fc.assert(
      fc.property(name, (n) => {
        const problem = nodeNameProblem(n);
        if (problem === null) return;
        expect(() => parseUri('./' + escapeSegment(n), { maxDepth: 0, maxTotLen: 0, maxSegLen: 0 })).toThrow(UriError);
      }),
      { numRuns: 500 },
    );
  });

  it('parsing is idempotent on its canonical form, for any string that parses', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        let p;
        try {
          p = parseUri(s, { maxDepth: 0, maxTotLen: 0, maxSegLen: 0 });
        } catch (e) {
          expect(e).toBeInstanceOf(UriError);
          return;
        }
        expect(parseUri(p.path, { maxDepth: 0, maxTotLen: 0, maxSegLen: 0 }).segments).toEqual(p.segments);
      }),
      { numRuns: 1000 },
    );
  });
});
