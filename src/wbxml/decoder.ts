// WBXML 1.0-1.3 decoder (WAP-192; docs/protocol.md §2.1-§2.3). One pass over the byte array with an explicit element stack,
// no per-byte allocation: strings are decoded from slices. Strict about structure (balanced END, known tags, one
// root, no trailing bytes) and lenient where real DM engines are sloppy (LIBWBXML.md, PROVENANCE.md):
// a string-table public id without its NUL, a SyncML 1.1 id on DM 1.2 content, empty STR_I, OPAQUE text,
// public id 0x01 (unknown) = SyncML 1.2. Every failure is a WbxmlError carrying the byte offset.

import { decodeUtf8 } from '../utf8.js';
import { WbxmlError } from './errors.js';
import { type DecodeLimits, resolveLimits } from './limits.js';
import { type Language, PUBLIC_ID_UNKNOWN, SYNCML12, languageByFpi, languageByPublicId } from './codepages.js';
import type { WbxmlAttr, WbxmlDocument, WbxmlElement, WbxmlNode } from './tree.js';

// Global tokens, docs/protocol.md §2.3.
const SWITCH_PAGE = 0x00;
const END = 0x01;
const ENTITY = 0x02;
const STR_I = 0x03;
const LITERAL = 0x04;
const EXT_I_0 = 0x40;
const EXT_I_2 = 0x42;
const PI = 0x43;
const LITERAL_C = 0x44;
const EXT_T_0 = 0x80;
const EXT_T_2 = 0x82;
const STR_T = 0x83;
const LITERAL_A = 0x84;
const EXT_0 = 0xc0;
const EXT_2 = 0xc2;
const OPAQUE = 0xc3;
const LITERAL_AC = 0xc4;

const CHARSET_UTF8 = 106;
const CHARSET_ASCII = 3;
const CHARSET_LATIN1 = 4;

export interface WbxmlDecodeOptions {
  /** Language to use when the public id is unknown or unregistered (default SyncML 1.2). */
  defaultLanguage?: Language;
}

export function decodeWbxmlDocument(bytes: Uint8Array, partial?: Partial<DecodeLimits>, options?: WbxmlDecodeOptions): WbxmlDocument {
  if (!(bytes instanceof Uint8Array)) throw new WbxmlError('truncated', 0, 'input is not a Uint8Array');
  const limits = resolveLimits(partial);
  return new Decoder(bytes, limits, (options && options.defaultLanguage) || SYNCML12).document();
}

class Decoder {
  private pos = 0;
  private page = 0;
  private charset = CHARSET_UTF8;
  private strtblStart = 0;
  private strtblEnd = 0;
  private elements = 0;
  private lang: Language;
  private nuls: number[] | undefined;
  private strCache: Map<number, string> | undefined;
  private expanded = 0;

  constructor(
    private readonly b: Uint8Array,
    private readonly limits: DecodeLimits,
    defaultLang: Language,
  ) {
    this.lang = defaultLang;
  }

  private fail(code: ConstructorParameters<typeof WbxmlError>[0], at: number, msg: string): never {
    throw new WbxmlError(code, at, msg);
  }

  private u8(): number {
    if (this.pos >= this.b.length) this.fail('truncated', this.pos, 'document ends unexpectedly');
    return this.b[this.pos++];
  }

  /** mb_u_int32 at the cursor (docs/protocol.md §2.1), at most 5 bytes / 32 bits. */
  private mb(): number {
    const start = this.pos;
    let value = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.b.length) this.fail('truncated', start, 'mb_u_int32 runs past the end of the document');
      const c = this.b[this.pos++];
      value = value * 128 + (c & 0x7f);
      if ((c & 0x80) === 0) {
        if (value > 0xffffffff) this.fail('bad-mb-uint32', start, 'mb_u_int32 exceeds 32 bits');
        return value;
      }
    }
    return this.fail('bad-mb-uint32', start, 'mb_u_int32 longer than 5 bytes');
  }

  private decodeString(start: number, end: number): string {
    if (end - start > this.limits.maxStringBytes) {
      this.fail('string-too-long', start, `string of ${end - start} bytes exceeds the limit of ${this.limits.maxStringBytes}`);
    }
    if (this.charset === CHARSET_UTF8) return decodeUtf8(this.b, start, end);
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(this.b[i]);
    return s;
  }

  /** Inline string: bytes up to the NUL terminator (UTF-8 has no NUL inside characters). */
  private inlineString(): string {
    const start = this.pos;
    const nul = this.b.indexOf(0, start);
    if (nul < 0) this.fail('unterminated-string', start - 1, 'inline string (STR_I) has no NUL terminator');
    this.pos = nul + 1;
    return this.decodeString(start, nul);
  }

  /**
   * String-table reference: offset into the table, string runs to NUL or (lenient) the table's end. NUL positions are
   * indexed once (binary search per reference) and decoded strings cached per offset, so many references cost
   * O(log n) each; the total text produced by references is bounded so a small document cannot expand without limit.
   */
  private tableString(offset: number, at: number, lenientEnd: boolean): string {
    const size = this.strtblEnd - this.strtblStart;
    if (offset >= size) this.fail('bad-string-ref', at, `string-table offset ${offset} outside the ${size}-byte table`);
    if (!this.nuls) {
      this.nuls = [];
      for (let i = this.strtblStart; i < this.strtblEnd; i++) if (this.b[i] === 0) this.nuls.push(i);
      this.strCache = new Map();
    }
    const cached = (this.strCache as Map<number, string>).get(offset);
    let s: string;
    if (cached !== undefined) s = cached;
    else {
      const start = this.strtblStart + offset;
      const nuls = this.nuls;
      let lo = 0;
      let hi = nuls.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (nuls[mid] < start) lo = mid + 1;
        else hi = mid;
      }
      const end = lo < nuls.length ? nuls[lo] : this.strtblEnd;
      if (end === this.strtblEnd && !lenientEnd) {
        this.fail('bad-string-ref', at, `string-table entry at offset ${offset} has no NUL terminator`);
      }
      s = this.decodeString(start, end);
      (this.strCache as Map<number, string>).set(offset, s);
    }
    this.expanded += s.length;
    if (this.expanded > this.limits.maxDocumentBytes) {
      this.fail('too-large', at, `string-table references expand to more than ${this.limits.maxDocumentBytes} characters`);
    }
    return s;
  }

  private header(): { version: number; publicId: number; publicIdIndex: number } {
    if (this.b.length > this.limits.maxDocumentBytes) {
      this.fail('too-large', 0, `document of ${this.b.length} bytes exceeds the limit of ${this.limits.maxDocumentBytes}`);
    }
    if (this.b.length === 0) this.fail('truncated', 0, 'empty document');
    const version = this.u8();
    if (version > 0x03) this.fail('bad-version', 0, `unsupported WBXML version byte 0x${version.toString(16)} (expected 0x00..0x03)`);
    let publicId = this.mb();
    let publicIdIndex = -1;
    if (publicId === 0) {
      publicIdIndex = this.mb();
      publicId = 0;
    }
    if (version >= 0x01) {
      const csAt = this.pos;
      const cs = this.mb();
      if (cs === 0 || cs === CHARSET_UTF8) this.charset = CHARSET_UTF8;
      else if (cs === CHARSET_ASCII || cs === CHARSET_LATIN1) this.charset = cs;
      else this.fail('bad-charset', csAt, `unsupported charset MIBenum ${cs} (UTF-8 = 106 expected)`);
    }
    const lenAt = this.pos;
    const len = this.mb();
    if (len > this.limits.maxStringTableBytes) {
      this.fail('bad-string-table', lenAt, `string table of ${len} bytes exceeds the limit of ${this.limits.maxStringTableBytes}`);
    }
    if (this.pos + len > this.b.length) this.fail('truncated', lenAt, `string table of ${len} bytes runs past the end of the document`);
    this.strtblStart = this.pos;
    this.strtblEnd = this.pos + len;
    this.pos += len;
    return { version, publicId, publicIdIndex };
  }

  document(): WbxmlDocument {
    const h = this.header();
    const doc: WbxmlDocument = {
      version: h.version,
      publicId: h.publicId,
      charset: this.charset,
      language: '',
      root: { name: '', page: 0, children: [] },
    };
    if (h.publicIdIndex >= 0) {
      // Real engines omit the NUL when the FPI is the whole table (LIBWBXML.md, android-omadm dm12).
      const fpi = this.tableString(h.publicIdIndex, 2, true);
      doc.publicIdText = fpi;
      const l = languageByFpi(fpi);
      if (l) this.lang = l;
    } else if (h.publicId !== PUBLIC_ID_UNKNOWN) {
      const l = languageByPublicId(h.publicId);
      if (l) this.lang = l;
    }
    doc.language = this.lang.name;
    this.page = 0;
    doc.root = this.body();
    return doc;
  }

  private tagName(token: number, at: number): string {
    const p = this.lang.pages[this.page];
    const id = token & 0x3f;
    const name = p ? p.tags[id] : undefined;
    if (name === undefined) {
      this.fail('unknown-tag', at, `tag token 0x${id.toString(16)} is not defined on code page ${this.page} of ${this.lang.name}`);
    }
    return name;
  }

  private literalName(at: number): string {
    return this.tableString(this.mb(), at, false);
  }

  /** Attribute list after a tag with the 0x80 bit, up to END. SyncML defines no attribute tokens: only LITERAL names. */
  private attributes(): WbxmlAttr[] {
    const attrs: WbxmlAttr[] = [];
    let current: WbxmlAttr | undefined;
    for (;;) {
      const at = this.pos;
      const t = this.u8();
      if (t === END) return attrs;
      if (t === SWITCH_PAGE) {
        this.u8();
        continue;
      }
      if (t === LITERAL) {
        current = { name: this.literalName(at), value: '' };
        attrs.push(current);
      } else if (t === STR_I || t === STR_T || t === ENTITY || t === OPAQUE) {
        if (!current) this.fail('unknown-attribute', at, 'attribute value before any attribute name');
        current.value += this.valueText(t, at);
      } else {
        this.fail('unknown-attribute', at, `attribute token 0x${t.toString(16)} is not defined for ${this.lang.name}`);
      }
    }
  }

  private valueText(t: number, at: number): string {
    if (t === STR_I) return this.inlineString();
    if (t === STR_T) return this.tableString(this.mb(), at, false);
    if (t === ENTITY) return this.entity(at);
    const n = this.opaqueBytes(at);
    return this.decodeString(n.start, n.end);
  }

  private entity(at: number): string {
    const cp = this.mb();
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp === 0) this.fail('bad-entity', at, `ENTITY ${cp} is not a Unicode scalar value`);
    return String.fromCodePoint(cp);
  }

  private opaqueBytes(at: number): { start: number; end: number } {
    const len = this.mb();
    if (len > this.limits.maxStringBytes) this.fail('string-too-long', at, `OPAQUE of ${len} bytes exceeds the limit of ${this.limits.maxStringBytes}`);
    const start = this.pos;
    if (start + len > this.b.length) this.fail('truncated', at, `OPAQUE of ${len} bytes runs past the end of the document`);
    this.pos = start + len;
    return { start, end: start + len };
  }

  /** Skips a processing instruction (PI ... END); DM never uses them, WAP-192 allows them before/after the body. */
  private skipPi(): void {
    this.attributes();
  }

  private body(): WbxmlElement {
    const b = this.b;
    const stack: WbxmlElement[] = [];
    let root: WbxmlElement | undefined;
    const maxDepth = this.limits.maxDepth;
    const maxElements = this.limits.maxElements;
    while (this.pos < b.length) {
      const at = this.pos;
      const t = b[this.pos++];
      const top = stack.length > 0 ? stack[stack.length - 1] : undefined;
      if (t === SWITCH_PAGE) {
        this.page = this.u8();
        continue;
      }
      if (t === PI) {
        this.skipPi();
        continue;
      }
      if (!top && root) this.fail('trailing-data', at, `token 0x${t.toString(16)} after the end of the root element`);
      let node: WbxmlNode | undefined;
      switch (t) {
        case END:
          if (!top) this.fail('unbalanced-end', at, 'END with no open element');
          stack.pop();
          continue;
        case STR_I:
          node = { text: this.inlineString() };
          break;
        case STR_T:
          node = { text: this.tableString(this.mb(), at, false) };
          break;
        case ENTITY:
          node = { text: this.entity(at) };
          break;
        case OPAQUE: {
          const r = this.opaqueBytes(at);
          node = { opaque: b.slice(r.start, r.end) };
          break;
        }
        case EXT_I_0:
        case EXT_I_0 + 1:
        case EXT_I_2:
        case EXT_T_0:
        case EXT_T_0 + 1:
        case EXT_T_2:
        case EXT_0:
        case EXT_0 + 1:
        case EXT_2:
          this.fail('unsupported-token', at, `extension token 0x${t.toString(16)} has no meaning in ${this.lang.name}`);
          break;
        default:
          break;
      }
      if (node) {
        if (!top) this.fail('no-root', at, 'character data before the root element');
        // Digest §2.3: consecutive STR_I/STR_T/ENTITY pieces are one character string (libwbxml splits strings
        // between the table and inline data), so they are joined into one text node.
        const kids = top.children;
        const last = kids.length > 0 ? (kids[kids.length - 1] as { text?: string }) : undefined;
        const t = (node as { text?: string }).text;
        if (t !== undefined && last && last.text !== undefined) last.text += t;
        else kids.push(node);
        continue;
      }
      // A tag: LITERAL* or a code-page token (docs/protocol.md §2.3: id | 0x40 content | 0x80 attributes).
      let name: string;
      const low = t & 0x3f;
      if (low === LITERAL) name = this.literalName(at);
      else name = this.tagName(t, at);
      if (++this.elements > maxElements) this.fail('too-many-elements', at, `more than ${maxElements} elements`);
      const el: WbxmlElement = { name, page: this.page, children: [] };
      if (t & 0x80) {
        const attrs = this.attributes();
        if (attrs.length > 0) el.attrs = attrs;
      }
      if (top) top.children.push(el);
      else root = el;
      if (t & 0x40) {
        if (stack.length >= maxDepth) this.fail('too-deep', at, `element nesting deeper than ${maxDepth}`);
        stack.push(el);
      }
    }
    if (stack.length > 0) {
      this.fail('truncated', b.length, `document ends inside <${stack[stack.length - 1].name}> (${stack.length} element(s) not closed)`);
    }
    if (!root) this.fail('no-root', this.pos, 'document has no root element');
    return root;
  }
}
