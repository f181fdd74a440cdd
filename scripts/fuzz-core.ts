// Mutation fuzzer for the SyncML/WBXML decoders, shared by test/codec-fuzz.test.ts and scripts/fuzz.ts.
// Seeds are the real vectors (and our own encodings of them); mutations are bit flips, interesting bytes,
// truncation, length-field inflation (mb_u_int32 after OPAQUE/STR_T/string-table length), deep nesting,
// chunk duplication and splicing. A case passes when the decoder returns or throws WbxmlError/SyncmlError;
// anything else is a crash. Uses only src/ code plus a seeded PRNG, so runs are reproducible.

import { SyncmlError, WbxmlError, MIME_WBXML, decodeMessage, decodeXml, wbxmlToXml } from '../src/syncml/index.js';
import { utf8Decode, utf8Encode } from '../src/bytes.js';

export interface FuzzSeed {
  name: string;
  bytes: Uint8Array;
  xml: boolean;
}

export interface FuzzResult {
  cases: number;
  crashes: { seed: string; mutation: string; error: string; input: Uint8Array }[];
  typedErrors: number;
  accepted: number;
  maxMs: number;
  slowest: string;
  /** The slowest input (UTF-8 for XML cases), for re-checking. */
  slowestInput?: Uint8Array;
  slowestXml?: boolean;
  /** Cases over 50 ms on the first run, before the re-measurement (GC pauses, JIT). */
  firstRunOver50ms: number;
  over50ms: number;
}

/** xorshift32: small, seedable, identical on every runtime. */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x04, 0x40, 0x43, 0x44, 0x80, 0x83, 0x84, 0xc3, 0xc4, 0x7f, 0xff, 0x6d, 0x54, 0x5a, 0x0f, 0x4f];
const HUGE_MB = [
  [0x8f, 0xff, 0xff, 0xff, 0x7f],
  [0x81, 0x80, 0x80, 0x00],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
  [0x84, 0x80, 0x80, 0x80, 0x00],
];

type Mutator = (b: Uint8Array, r: () => number, seeds: FuzzSeed[]) => Uint8Array;

const int = (r: () => number, n: number) => Math.floor(r() * n);

function splice(b: Uint8Array, at: number, del: number, ins: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(b.length - del + ins.length);
  out.set(b.subarray(0, at), 0);
  for (let i = 0; i < ins.length; i++) out[at + i] = ins[i];
  out.set(b.subarray(at + del), at + ins.length);
  return out;
}

const WBXML_MUTATORS: [string, Mutator][] = [
  [
    'bitflip',
    (b, r) => {
      const o = b.slice();
      const n = 1 + int(r, 8);
      for (let i = 0; i < n && o.length; i++) o[int(r, o.length)] ^= 1 << int(r, 8);
      return o;
    },
  ],
  [
    'interesting-byte',
    (b, r) => {
      const o = b.slice();
      const n = 1 + int(r, 4);
      for (let i = 0; i < n && o.length; i++) o[int(r, o.length)] = INTERESTING[int(r, INTERESTING.length)];
      return o;
    },
  ],
  ['truncate', (b, r) => b.slice(0, int(r, b.length + 1))],
  [
    'length-inflation',
    (b, r) => {
      // Replace the mb_u_int32 after an OPAQUE/STR_T/LITERAL token or the string-table length with a huge value.
      const spots: number[] = [];
      for (let i = 1; i < b.length - 1; i++) if (b[i] === 0xc3 || b[i] === 0x83 || b[i] === 0x04) spots.push(i + 1);
      spots.push(4);
      const at = spots[int(r, spots.length)];
      let len = 0;
      while (at + len < b.length && b[at + len] & 0x80) len++;
      return splice(b, at, Math.min(len + 1, b.length - at), HUGE_MB[int(r, HUGE_MB.length)]);
    },
  ],
  [
    'deep-nesting',
    (b, r) => {
      const depth = 20 + int(r, 5000);
      const tag = [0x6d, 0x54, 0x5a, 0x46, 0x6b][int(r, 5)];
      const ins = new Uint8Array(depth).fill(tag);
      const close = r() < 0.5 ? new Uint8Array(depth).fill(0x01) : new Uint8Array(0);
      const at = Math.min(b.length, 5 + int(r, Math.max(1, b.length - 5)));
      return splice(splice(b, at, 0, ins), at + ins.length, 0, close);
    },
  ],
  [
    'duplicate-chunk',
    (b, r) => {
      if (b.length < 2) return b;
      const a = int(r, b.length);
      const len = 1 + int(r, Math.min(64, b.length - a));
      return splice(b, int(r, b.length), 0, b.slice(a, a + len));
    },
  ],
  [
    'splice-seeds',
    (b, r, seeds) => {
      const other = seeds[int(r, seeds.length)].bytes;
      const cut = int(r, b.length + 1);
      return splice(b.slice(0, cut), cut, 0, other.subarray(int(r, other.length + 1)));
    },
  ],
];

type TextMutator = (s: string, r: () => number) => string;

/** XML mutations work on strings (no UTF-8 round trips in the loop, so the harness itself stays cheap). */
const XML_MUTATORS: [string, TextMutator][] = [
  [
    'xml-char',
    (s, r) => {
      const chars = '<>&/"\'=![]-?;#x \n\u0000\ud800';
      const n = 1 + int(r, 6);
      for (let i = 0; i < n && s.length; i++) {
        const at = int(r, s.length);
        s = s.slice(0, at) + chars[int(r, chars.length)] + s.slice(at + 1);
      }
      return s;
    },
  ],
  ['xml-truncate', (s, r) => s.slice(0, int(r, s.length + 1))],
  [
    'xml-deep',
    (s, r) => {
      const at = s.indexOf('<SyncBody>');
      const depth = 10 + int(r, 3000);
      const open = '<Atomic>'.repeat(depth);
      const close = r() < 0.5 ? '</Atomic>'.repeat(depth) : '';
      const p = at >= 0 ? at + 10 : int(r, s.length + 1);
      return s.slice(0, p) + open + close + s.slice(p);
    },
  ],
  [
    'xml-cut-element',
    (s, r) => {
      const a = int(r, s.length);
      const e = s.indexOf('>', a);
      return s.slice(0, a) + s.slice(e < 0 ? s.length : e + 1);
    },
  ],
  [
    'xml-duplicate',
    (s, r) => {
      const a = int(r, s.length);
      const len = 1 + int(r, 80);
      const at = int(r, s.length + 1);
      return s.slice(0, at) + s.slice(a, a + len) + s.slice(at);
    },
  ],
];

export interface FuzzOptions {
  cases: number;
  seed?: number;
  /** Called for progress (every 1000 cases). */
  progress?: (done: number) => void;
  now?: () => number;
}

export function runFuzz(seeds: FuzzSeed[], opts: FuzzOptions): FuzzResult {
  const r = prng(opts.seed === undefined ? 12345 : opts.seed);
  const now = opts.now || (() => Date.now());
  const wbxmlSeeds = seeds.filter((s) => !s.xml);
  const xmlTexts = new Map<FuzzSeed, string>();
  for (const s of seeds) if (s.xml) xmlTexts.set(s, utf8Decode(s.bytes));
  const res: FuzzResult = { cases: 0, crashes: [], typedErrors: 0, accepted: 0, maxMs: 0, slowest: '', over50ms: 0, firstRunOver50ms: 0 };
  for (let i = 0; i < opts.cases; i++) {
    const seed = seeds[int(r, seeds.length)];
    const names: string[] = [];
    const rounds = 1 + int(r, 3);
    let input = seed.bytes;
    let text = '';
    if (seed.xml) {
      text = xmlTexts.get(seed) as string;
      for (let k = 0; k < rounds; k++) {
        const [name, m] = XML_MUTATORS[int(r, XML_MUTATORS.length)];
        text = m(text, r);
        names.push(name);
      }
    } else {
      for (let k = 0; k < rounds; k++) {
        const [name, m] = WBXML_MUTATORS[int(r, WBXML_MUTATORS.length)];
        input = m(input, r, wbxmlSeeds);
        names.push(name);
      }
    }
    const run = (): unknown => {
      try {
        if (seed.xml) decodeXml(text);
        else if (i % 2 === 0) decodeMessage(input, MIME_WBXML);
        else wbxmlToXml(input);
        return undefined;
      } catch (e) {
        return e;
      }
    };
    let t0 = now();
    const e = run();
    let ms = now() - t0;
    if (ms > 50) {
      // A slow first run may be a GC pause or JIT compilation rather than the input: measure twice more, keep the
      // fastest. Inputs that are genuinely slow stay slow on every run and are counted.
      res.firstRunOver50ms++;
      for (let k = 0; k < 2; k++) {
        t0 = now();
        run();
        ms = Math.min(ms, now() - t0);
      }
    }
    if (e === undefined) res.accepted++;
    else if (e instanceof WbxmlError || e instanceof SyncmlError) res.typedErrors++;
    else res.crashes.push({ seed: seed.name, mutation: names.join('+'), error: String(e), input: seed.xml ? utf8Encode(text) : input });
    if (ms > res.maxMs) {
      res.maxMs = ms;
      res.slowest = `${seed.name} ${names.join('+')} (${seed.xml ? text.length + ' chars' : input.length + ' B'})`;
      res.slowestInput = seed.xml ? utf8Encode(text) : input;
      res.slowestXml = seed.xml;
    }
    if (ms > 50) res.over50ms++;
    res.cases++;
    if (opts.progress && res.cases % 1000 === 0) opts.progress(res.cases);
  }
  return res;
}
