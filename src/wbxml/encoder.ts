// WBXML encoder (WAP-192; docs/protocol.md §2.1-§2.5). Writes the header (version, public id numeric or as a string-table
// FPI, charset UTF-8), switches code pages lazily (docs/protocol.md §2.5: `00 01` before the first MetInf tag, `00 00` back),
// writes text as STR_I (or STR_T when the string table is on and the string repeats), bytes as OPAQUE, and an
// empty element as its bare token without the content bit (libwbxml 0.11.8 writes `<Data/>` so, test/codec-interop.test.ts).

import { utf8Encode } from '../bytes.js';
import { encodeUtf8Into } from '../utf8.js';
import { WbxmlError } from './errors.js';
import type { Language } from './codepages.js';
import type { WbxmlElement, WbxmlNode } from './tree.js';

export interface WbxmlEncodeOptions {
  /** WBXML version byte: 1.1, 1.2 (default) or 1.3. */
  version?: '1.1' | '1.2' | '1.3';
  /** Public id as the registered number (default; 0x1201 for SyncML 1.2) or as the FPI text in the string table. */
  publicId?: 'numeric' | 'string';
  /** Put strings used more than once into the string table and reference them with STR_T (default false). */
  stringTable?: boolean;
}

const NO_ATTRS: { name: string; value: string }[] = [];
const VERSION_BYTES: Record<string, number> = { '1.1': 0x01, '1.2': 0x02, '1.3': 0x03 };
const CHARSET_UTF8 = 106;
/** A string goes into the table only when a reference (STR_T + offset) is shorter than repeating it inline. */
const MIN_TABLE_STRING = 4;

/** Body buffers up to this size are kept for the next document instead of allocating (and zeroing) one per call. */
const KEEP_BYTES = 64 * 1024;
let spare: Uint8Array | undefined;

/** Growable byte buffer: amortised O(1) appends, one copy at the end. */
class ByteSink {
  buf: Uint8Array;
  len = 0;

  constructor(buf: Uint8Array) {
    this.buf = buf;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(v: number): void {
    this.room(1);
    this.buf[this.len++] = v;
  }

  bytes(v: Uint8Array | number[]): void {
    this.room(v.length);
    if (v instanceof Uint8Array) this.buf.set(v, this.len);
    else for (let i = 0; i < v.length; i++) this.buf[this.len + i] = v[i];
    this.len += v.length;
  }

  /** Appends `s` as UTF-8 (lone surrogates become U+FFFD, as bytes.ts utf8Encode does); returns false if it held U+0000. */
  utf8(s: string): boolean {
    this.room(s.length * 3);
    this.len = encodeUtf8Into(s, this.buf, this.len);
    return s.indexOf('\u0000') < 0;
  }

  mb(value: number): void {
    if (!(value >= 0 && value <= 0xffffffff)) throw new WbxmlError('encode-failed', -1, `mb_u_int32 value out of range: ${value}`);
    if (value < 0x80) {
      this.byte(value);
      return;
    }
    let n = 1;
    while (value >= Math.pow(128, n)) n++;
    this.room(n);
    for (let i = n - 1; i >= 0; i--) {
      const g = Math.floor(value / Math.pow(128, i)) % 128;
      this.buf[this.len++] = i > 0 ? g | 0x80 : g;
    }
  }

}

interface Table {
  /** Offset of each string in the table. */
  offsets: Record<string, number>;
  bytes: ByteSink;
}

function addToTable(t: Table, s: string): number {
  const existing = t.offsets[s];
  if (existing !== undefined) return existing;
  const off = t.bytes.len;
  t.bytes.utf8(s);
  t.bytes.byte(0);
  t.offsets[s] = off;
  return off;
}

/** Counts text values so that strings used more than once can go into the table. */
function countStrings(el: WbxmlElement, counts: Record<string, number>): void {
  for (const c of el.children) {
    const e = c as WbxmlElement;
    if (e.children !== undefined) countStrings(e, counts);
    else {
      const t = (c as { text?: string }).text;
      if (t !== undefined && t.length >= MIN_TABLE_STRING) counts[t] = (counts[t] || 0) + 1;
    }
  }
}

export function encodeWbxmlDocument(root: WbxmlElement, lang: Language, opts?: WbxmlEncodeOptions): Uint8Array {
  const o = opts || {};
  const versionKey = o.version || '1.2';
  const version = VERSION_BYTES[versionKey];
  if (version === undefined) throw new WbxmlError('encode-failed', -1, `unsupported WBXML version ${JSON.stringify(versionKey)}`);
  const table: Table = { offsets: Object.create(null), bytes: new ByteSink(new Uint8Array(64)) };
  // DDF has no registered number (docs/protocol.md §2.2), so its FPI always goes into the table (as libwbxml does).
  const textualId = o.publicId === 'string' || lang.publicId === 0;
  if (textualId) addToTable(table, lang.fpi);
  let repeated: Record<string, number> | undefined;
  if (o.stringTable) {
    const counts: Record<string, number> = Object.create(null);
    countStrings(root, counts);
    repeated = counts;
  }
  const body = new ByteSink(spare || new Uint8Array(4096));
  spare = undefined;
  new BodyWriter(body, lang, table, repeated).element(root);

  // Header (WAP-192 §5.3: version, public id, charset, string table length), then table and body in one exact copy.
  const head = new ByteSink(new Uint8Array(16));
  head.byte(version);
  if (textualId) {
    head.byte(0x00);
    head.mb(0);
  } else head.mb(lang.publicId);
  head.mb(CHARSET_UTF8);
  head.mb(table.bytes.len);
  const out = new Uint8Array(head.len + table.bytes.len + body.len);
  out.set(head.buf.subarray(0, head.len), 0);
  out.set(table.bytes.buf.subarray(0, table.bytes.len), head.len);
  out.set(body.buf.subarray(0, body.len), head.len + table.bytes.len);
  if (body.buf.length <= KEEP_BYTES) spare = body.buf;
  return out;
}

class BodyWriter {
  private page = 0;

  constructor(
    private readonly out: ByteSink,
    private readonly lang: Language,
    private readonly table: Table,
    private readonly repeated: Record<string, number> | undefined,
  ) {}

  element(el: WbxmlElement): void {
    const out = this.out;
    const children = el.children;
    let content = false;
    for (let i = 0; i < children.length; i++) {
      const t = (children[i] as { text?: string }).text;
      if (t === undefined || t !== '') {
        content = true;
        break;
      }
    }
    const attrs = el.attrs ? el.attrs.filter((a) => a.name !== 'xmlns' && a.name.indexOf('xmlns:') !== 0) : NO_ATTRS;
    const flags = (content ? 0x40 : 0) | (attrs.length > 0 ? 0x80 : 0);
    const page = this.lang.pages[el.page];
    const token = page && el.ns === undefined ? page.tokens[el.name] : undefined;
    if (token !== undefined) {
      if (el.page !== this.page) {
        out.byte(0x00);
        out.byte(el.page);
        this.page = el.page;
      }
      out.byte(token | flags);
    } else {
      // Unknown tag: LITERAL with the name in the string table (WAP-192 §5.8.4.1; libwbxml does the same).
      out.byte(0x04 | flags);
      out.mb(addToTable(this.table, el.name));
    }
    if (attrs.length > 0) {
      for (const a of attrs) {
        out.byte(0x04);
        out.mb(addToTable(this.table, a.name));
        if (a.value !== '') this.text(a.value);
      }
      out.byte(0x01);
    }
    if (!content) return;
    for (const c of children) {
      const e = c as WbxmlElement;
      if (e.children !== undefined) {
        this.element(e);
        continue;
      }
      const t = (c as { text?: string }).text;
      if (t !== undefined) {
        if (t !== '') this.text(t);
        continue;
      }
      const bytes = (c as { opaque: Uint8Array }).opaque;
      out.byte(0xc3);
      out.mb(bytes.length);
      out.bytes(bytes);
    }
    out.byte(0x01);
  }

  private text(s: string): void {
    const out = this.out;
    if (this.repeated && (this.repeated[s] || 0) > 1) {
      out.byte(0x83);
      out.mb(addToTable(this.table, s));
      return;
    }
    const mark = out.len;
    out.byte(0x03);
    if (!out.utf8(s)) {
      // STR_I is NUL-terminated; a string holding U+0000 can only travel as OPAQUE.
      out.len = mark;
      const bytes = utf8Encode(s);
      out.byte(0xc3);
      out.mb(bytes.length);
      out.bytes(bytes);
      return;
    }
    out.byte(0x00);
  }
}
