// Generic element tree -> compact XML as UTF-8 bytes, in one pass into one growing Uint8Array: the bytes are
// exactly utf8Encode(writeXml(root, opts)) (src/syncml/xml-write.ts holds the rules; test/xml-write-bytes.test.ts
// compares the two), without the intermediate strings, their join and a second pass to encode them. Escaping and
// UTF-8 encoding happen in the same character loop. This is the WBXML -> XML path of `dm-agent wbxml decode`.

import type { WbxmlElement, WbxmlNode } from '../wbxml/tree.js';
import type { XmlWriteOptions } from './xml-write.js';
import { base64Encode } from '../bytes.js';
import { codePointAt, isUtf8, putCodePoint } from '../utf8.js';

export const ESC_NONE = 0;
/** Text content: & < > and CR (a raw CR would be normalised away by an XML reader, XML 1.0 §2.11). */
export const ESC_TEXT = 1;
/** Attribute value: as text, plus " LF TAB (attribute-value normalisation, XML 1.0 §3.3.3). */
export const ESC_ATTR = 2;

/** Output buffers up to this size are kept for the next document (no zeroed allocation per call); larger ones are not, so a big document does not hold memory afterwards. */
const KEEP_BYTES = 64 * 1024;
let spare: Uint8Array | undefined;

export class XmlBytes {
  buf: Uint8Array;
  len = 0;

  constructor() {
    this.buf = spare || new Uint8Array(4096);
    spare = undefined;
  }

  /** The bytes written, copied out; the buffer goes back for reuse. */
  result(): Uint8Array {
    const r = this.buf.slice(0, this.len);
    if (this.buf.length <= KEEP_BYTES) spare = this.buf;
    return r;
  }

  room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Writes an ASCII-only literal of this module (markup). */
  ascii(s: string): void {
    this.room(s.length);
    const buf = this.buf;
    let n = this.len;
    for (let i = 0; i < s.length; i++) buf[n++] = s.charCodeAt(i);
    this.len = n;
  }

  byte(v: number): void {
    if (this.len >= this.buf.length) this.room(1);
    this.buf[this.len++] = v;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  raw(b: Uint8Array, start: number, end: number): void {
    this.room(end - start);
    this.buf.set(b.subarray(start, end), this.len);
    this.len += end - start;
  }

  /**
   * Writes s[from..to) as UTF-8 (lone surrogates become U+FFFD, as bytes.ts utf8Encode does), escaping per `mode`.
   * Worst case per UTF-16 unit: 6 bytes (`&quot;`).
   */
  str(s: string, from: number, to: number, mode: number): void {
    this.room((to - from) * 6);
    const buf = this.buf;
    let n = this.len;
    for (let i = from; i < to; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        if (mode !== ESC_NONE && (c === 38 || c === 60 || c === 62 || c === 13 || (mode === ESC_ATTR && (c === 34 || c === 10 || c === 9)))) {
          const rep = c === 38 ? '&amp;' : c === 60 ? '&lt;' : c === 62 ? '&gt;' : c === 13 ? '&#13;' : c === 34 ? '&quot;' : c === 10 ? '&#10;' : '&#9;';
          for (let k = 0; k < rep.length; k++) buf[n++] = rep.charCodeAt(k);
        } else buf[n++] = c;
        continue;
      }
      const cp = codePointAt(s, i, to);
      if (cp > 0xffff) i++;
      n = putCodePoint(buf, n, cp);
    }
    this.len = n;
  }
}

function isXmlSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Edge whitespace as character references (xml-write.ts escapeContent: readers trim literal edge whitespace). */
function wsRefs(o: XmlBytes, s: string, from: number, to: number): void {
  for (let i = from; i < to; i++) o.ascii('&#' + s.charCodeAt(i) + ';');
}

function content(o: XmlBytes, s: string): void {
  let lead = 0;
  while (lead < s.length && isXmlSpace(s.charCodeAt(lead))) lead++;
  let trail = s.length;
  while (trail > lead && isXmlSpace(s.charCodeAt(trail - 1))) trail--;
  wsRefs(o, s, 0, lead);
  o.str(s, lead, trail, ESC_TEXT);
  wsRefs(o, s, trail, s.length);
}

/** CDATA section of a string, split where the text holds `]]>` (xml-write.ts cdata). */
function cdataText(o: XmlBytes, s: string): void {
  o.ascii('<![CDATA[');
  let from = 0;
  for (let at = s.indexOf(']]>'); at >= 0; at = s.indexOf(']]>', from)) {
    o.str(s, from, at, ESC_NONE);
    o.ascii(']]]]><![CDATA[>');
    from = at + 3;
  }
  o.str(s, from, s.length, ESC_NONE);
  o.ascii(']]>');
}

/** CDATA section of valid UTF-8 bytes, written as they are (decoding and re-encoding valid UTF-8 is the identity). */
export function cdataBytes(o: XmlBytes, b: Uint8Array): void {
  o.ascii('<![CDATA[');
  let from = 0;
  for (let i = 0; i + 2 < b.length; i++) {
    if (b[i] === 0x5d && b[i + 1] === 0x5d && b[i + 2] === 0x3e) {
      o.raw(b, from, i);
      o.ascii(']]]]><![CDATA[>');
      from = i + 3;
      i += 2;
    }
  }
  o.raw(b, from, b.length);
  o.ascii(']]>');
}

function nsOf(el: WbxmlElement, opts: XmlWriteOptions): string | undefined {
  if (el.ns !== undefined) return el.ns;
  if (!opts.lang) return undefined;
  const p = opts.lang.pages[el.page];
  return p ? p.ns : undefined;
}

function attr(o: XmlBytes, name: string, value: string): void {
  o.ascii(' ');
  o.str(name, 0, name.length, ESC_NONE);
  o.ascii('="');
  o.str(value, 0, value.length, ESC_ATTR);
  o.ascii('"');
}

function element(o: XmlBytes, el: WbxmlElement, opts: XmlWriteOptions, scopeNs: string | undefined): void {
  o.ascii('<');
  o.str(el.name, 0, el.name.length, ESC_NONE);
  let ns = scopeNs;
  if (opts.verbatimAttrs) {
    if (el.attrs) for (const a of el.attrs) attr(o, a.name, a.value);
  } else {
    const own = nsOf(el, opts);
    if (own !== undefined && own !== scopeNs) {
      attr(o, 'xmlns', own);
      ns = own;
    }
    if (el.attrs) {
      for (const a of el.attrs) {
        if (a.name === 'xmlns' || a.name.indexOf('xmlns:') === 0) continue;
        attr(o, a.name, a.value);
      }
    }
  }
  const kids = el.children;
  if (kids.length === 0) {
    o.ascii('/>');
    return;
  }
  o.ascii('>');
  for (let i = 0; i < kids.length; i++) node(o, kids[i], opts, ns);
  o.ascii('</');
  o.str(el.name, 0, el.name.length, ESC_NONE);
  o.ascii('>');
}

function node(o: XmlBytes, n: WbxmlNode, opts: XmlWriteOptions, ns: string | undefined): void {
  const el = n as WbxmlElement;
  if (el.children !== undefined) {
    element(o, el, opts, ns);
    return;
  }
  const t = n as { text?: string; cdata?: boolean; opaque?: Uint8Array };
  if (t.text !== undefined) {
    if (t.cdata && t.text.indexOf('\r') < 0) cdataText(o, t.text);
    else content(o, t.text);
    return;
  }
  const bytes = t.opaque as Uint8Array;
  // XML cannot carry raw bytes: valid UTF-8 goes as text (CDATA, as libwbxml prints OPAQUE data), anything else as base64.
  if (isUtf8(bytes)) cdataBytes(o, bytes);
  else o.ascii(base64Encode(bytes));
}

export function writeXmlBytes(root: WbxmlElement, opts: XmlWriteOptions = {}): Uint8Array {
  const o = new XmlBytes();
  if (opts.prolog && opts.lang) {
    const l = opts.lang;
    o.ascii('<?xml version="1.0"?><!DOCTYPE ');
    o.str(l.rootName, 0, l.rootName.length, ESC_NONE);
    o.ascii(' PUBLIC "');
    o.str(l.fpi, 0, l.fpi.length, ESC_NONE);
    o.ascii('" "');
    o.str(l.systemId, 0, l.systemId.length, ESC_NONE);
    o.ascii('">');
  }
  element(o, root, opts, opts.scopeNs);
  return o.result();
}
