// WBXML -> XML bytes in one pass, without the element tree and without strings: tag names come from the code pages,
// STR_I / STR_T bytes are copied into the output with XML escaping (UTF-8 stays UTF-8; malformed sequences become
// U+FFFD as src/utf8.ts decodeUtf8 makes them). The output is byte for byte what the tree path gives
// (decodeWbxmlDocument -> expandNestedDocuments -> writeXmlBytes; test/codec-direct.test.ts compares them).
// It only takes the common shape of a DM message (WAP-192 §5.8, docs/protocol.md §2.1-§2.5: UTF-8, code-page tags
// with or without content, inline and table strings, OPAQUE that is not a nested document). Anything else -
// attributes, LITERAL tags, ENTITY, PI, another charset, a limit reached, any malformed input - makes it give up
// (returns undefined) and the caller runs the tree path, which gives the result or the precise WbxmlError.

import type { DecodeLimits } from '../wbxml/limits.js';
import { type CodePage, type Language, PUBLIC_ID_UNKNOWN, SYNCML12, languageByFpi, languageByPublicId } from '../wbxml/codepages.js';
import { decodeUtf8, isUtf8 } from '../utf8.js';
import { base64Encode } from '../bytes.js';
import { XmlBytes, cdataBytes } from './xml-write-bytes.js';
import { escapeAttr } from './xml-write.js';

const SWITCH_PAGE = 0x00;
const END = 0x01;
const STR_I = 0x03;
const OPAQUE = 0xc3;
const STR_T = 0x83;
const CHARSET_UTF8 = 106;

/** `<Name` and `</Name>` of every tag of a code page as bytes, made once: markup is most of a DM message's XML. */
interface TagBytes {
  open: (Uint8Array | undefined)[];
  close: (Uint8Array | undefined)[];
  /** ` xmlns="<the page's namespace>"`. */
  xmlns: Uint8Array;
}

const tagBytes = new Map<CodePage, TagBytes>();

function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function tagsOf(page: CodePage): TagBytes {
  let t = tagBytes.get(page);
  if (!t) {
    t = { open: [], close: [], xmlns: asciiBytes(' xmlns="' + escapeAttr(page.ns) + '"') };
    for (let i = 0; i < page.tags.length; i++) {
      const name = page.tags[i];
      if (name === undefined) continue;
      t.open[i] = asciiBytes('<' + name);
      t.close[i] = asciiBytes('</' + name + '>');
    }
    tagBytes.set(page, t);
  }
  return t;
}

const prologs = new Map<Language, Uint8Array>();

/** `<?xml version="1.0"?><!DOCTYPE ...>` as xml-write.ts writes it with `prolog: true`, as bytes, made once. */
function prologOf(lang: Language): Uint8Array {
  let p = prologs.get(lang);
  if (!p) {
    p = asciiBytes(`<?xml version="1.0"?><!DOCTYPE ${lang.rootName} PUBLIC "${lang.fpi}" "${lang.systemId}">`);
    prologs.set(lang, p);
  }
  return p;
}

/** Thrown inside to give up; never escapes this module. */
const GIVE_UP = { giveUp: true };

class Direct {
  private pos = 0;
  private tblStart = 0;
  private tblEnd = 0;
  private expanded = 0;
  /** Pending text node: byte ranges [start, end) of consecutive STR_I / STR_T pieces (docs/protocol.md §2.3: one string). */
  private readonly runs: number[] = [];
  /** End tag bytes of each open element. */
  private readonly closes: Uint8Array[] = [];
  private readonly nss: (string | undefined)[] = [];
  private readonly o = new XmlBytes();

  constructor(
    private readonly b: Uint8Array,
    private readonly limits: DecodeLimits,
  ) {}

  private mb(): number {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.b.length) throw GIVE_UP;
      const c = this.b[this.pos++];
      value = value * 128 + (c & 0x7f);
      if ((c & 0x80) === 0) {
        if (value > 0xffffffff) throw GIVE_UP;
        return value;
      }
    }
    throw GIVE_UP;
  }

  private language(): Language {
    const b = this.b;
    if (b.length === 0 || b.length > this.limits.maxDocumentBytes) throw GIVE_UP;
    const version = b[this.pos++];
    if (version > 0x03) throw GIVE_UP;
    let publicId = this.mb();
    let fpiAt = -1;
    if (publicId === 0) fpiAt = this.mb();
    if (version >= 0x01) {
      const cs = this.mb();
      if (cs !== 0 && cs !== CHARSET_UTF8) throw GIVE_UP;
    }
    const len = this.mb();
    if (len > this.limits.maxStringTableBytes || this.pos + len > b.length) throw GIVE_UP;
    this.tblStart = this.pos;
    this.tblEnd = this.pos + len;
    this.pos += len;
    if (fpiAt >= 0) {
      if (fpiAt >= len) throw GIVE_UP;
      const start = this.tblStart + fpiAt;
      let end = start;
      while (end < this.tblEnd && b[end] !== 0) end++;
      this.count(end - start);
      return languageByFpi(decodeUtf8(b, start, end)) || SYNCML12;
    }
    if (publicId === PUBLIC_ID_UNKNOWN) publicId = 0;
    return languageByPublicId(publicId) || SYNCML12;
  }

  /** Bytes a string-table reference adds; the tree path's bound counts characters, never more than bytes. */
  private count(n: number): void {
    if (n > this.limits.maxStringBytes) throw GIVE_UP;
    this.expanded += n;
    if (this.expanded > this.limits.maxDocumentBytes) throw GIVE_UP;
  }

  /**
   * The token loop. Hot values live in locals rather than fields (QuickJS looks a field up by name on every access):
   * the input position, the output buffer and its length, the open-tag state.
   */
  run(): Uint8Array {
    const lang = this.language();
    const b = this.b;
    const o = this.o;
    o.bytes(prologOf(lang));
    const closes = this.closes;
    const nss = this.nss;
    const runs = this.runs;
    const maxElements = this.limits.maxElements;
    const maxDepth = this.limits.maxDepth;
    const maxString = this.limits.maxStringBytes;
    const end = b.length;
    let pos = this.pos;
    let page = 0;
    let tagsPage = -1;
    let tags: TagBytes | undefined;
    let pageNs = '';
    let depth = 0;
    let elements = 0;
    let rootDone = false;
    /** The last open tag still lacks its `>`: it becomes `/>` if END follows before any content. */
    let pending = false;
    let out = o.buf;
    let ol = o.len;
    while (pos < end) {
      // Room for the most markup one token writes (`>`, a start tag and an xmlns, or `/>`); text is sized apart.
      if (ol + 512 > out.length) {
        o.len = ol;
        o.room(512);
        out = o.buf;
      }
      const t = b[pos++];
      if (t === SWITCH_PAGE) {
        if (pos >= end) throw GIVE_UP;
        page = b[pos++];
        continue;
      }
      if (depth === 0 && (rootDone || t === END || t === STR_I || t === STR_T || t === OPAQUE)) throw GIVE_UP;
      if (t === STR_I || t === STR_T) {
        let start = pos;
        let stop: number;
        if (t === STR_I) {
          stop = b.indexOf(0, start);
          if (stop < 0 || stop - start > maxString) throw GIVE_UP;
          pos = stop + 1;
        } else {
          this.pos = pos;
          const off = this.mb();
          pos = this.pos;
          if (off >= this.tblEnd - this.tblStart) throw GIVE_UP;
          start = this.tblStart + off;
          stop = start;
          while (stop < this.tblEnd && b[stop] !== 0) stop++;
          if (stop === this.tblEnd) throw GIVE_UP;
          this.count(stop - start);
        }
        if (pending) {
          out[ol++] = 0x3e;
          pending = false;
        }
        runs.push(start, stop);
        continue;
      }
      if (runs.length > 0) {
        o.len = ol;
        this.flushText();
        out = o.buf;
        ol = o.len;
      }
      if (t === END) {
        if (pending) {
          out[ol++] = 0x2f;
          out[ol++] = 0x3e;
          pending = false;
        } else {
          const close = closes[depth - 1];
          out.set(close, ol);
          ol += close.length;
        }
        depth--;
        if (depth === 0) rootDone = true;
        continue;
      }
      if (t === OPAQUE) {
        this.pos = pos;
        const len = this.mb();
        const start = this.pos;
        if (len > maxString || start + len > end) throw GIVE_UP;
        // A nested WBXML document (a DDF in a Data) is shown as elements by the tree path: leave it to that path.
        if (len >= 5 && b[start] >= 0x01 && b[start] <= 0x03) throw GIVE_UP;
        pos = start + len;
        if (pending) {
          out[ol++] = 0x3e;
          pending = false;
        }
        o.len = ol;
        const bytes = b.subarray(start, start + len);
        if (isUtf8(bytes)) cdataBytes(o, bytes);
        else o.ascii(base64Encode(bytes));
        out = o.buf;
        ol = o.len;
        continue;
      }
      // A tag; attributes (0x80), LITERAL names and the global tokens not handled above go the tree path's way.
      const id = t & 0x3f;
      if (t & 0x80 || id < 0x05) throw GIVE_UP;
      if (page !== tagsPage) {
        tagsPage = page;
        const p = lang.pages[page];
        tags = p ? tagsOf(p) : undefined;
        pageNs = p ? p.ns : '';
      }
      const open = tags ? tags.open[id] : undefined;
      if (!tags || !open || ++elements > maxElements) throw GIVE_UP;
      if (pending) {
        out[ol++] = 0x3e;
        pending = false;
      }
      out.set(open, ol);
      ol += open.length;
      const scope = depth > 0 ? nss[depth - 1] : undefined;
      let ns = scope;
      if (pageNs !== scope) {
        out.set(tags.xmlns, ol);
        ol += tags.xmlns.length;
        ns = pageNs;
      }
      if (t & 0x40) {
        if (depth >= maxDepth) throw GIVE_UP;
        closes[depth] = tags.close[id] as Uint8Array;
        nss[depth] = ns;
        depth++;
        pending = true;
      } else {
        out[ol++] = 0x2f;
        out[ol++] = 0x3e;
        if (depth === 0) rootDone = true;
      }
    }
    if (depth > 0 || !rootDone) throw GIVE_UP;
    o.len = ol;
    return o.result();
  }

  /**
   * Writes the pending text node as xml-write.ts escapeContent does: leading and trailing XML whitespace of the
   * whole node as character references (readers trim literal edge whitespace), the rest escaped.
   */
  private flushText(): void {
    const runs = this.runs;
    if (runs.length === 0) return;
    const b = this.b;
    if (runs.length === 2) {
      // One piece without edge whitespace: the usual case.
      const s = runs[0];
      const e = runs[1];
      const c0 = b[s];
      const c1 = b[e - 1];
      if (e > s && c0 !== 32 && c0 !== 9 && c0 !== 10 && c0 !== 13 && c1 !== 32 && c1 !== 9 && c1 !== 10 && c1 !== 13) {
        runs.length = 0;
        this.copy(s, e);
        return;
      }
    }
    // Whitespace at the edges, as counts over the concatenated pieces.
    let total = 0;
    for (let k = 0; k < runs.length; k += 2) total += runs[k + 1] - runs[k];
    let lead = 0;
    for (let k = 0; k < runs.length && lead === countBefore(runs, k); k += 2) {
      for (let i = runs[k]; i < runs[k + 1] && isSpace(b[i]); i++) lead++;
    }
    let trail = 0;
    if (lead < total) {
      for (let k = runs.length - 2; k >= 0; k -= 2) {
        let i = runs[k + 1] - 1;
        while (i >= runs[k] && isSpace(b[i])) {
          trail++;
          i--;
        }
        if (i >= runs[k]) break;
      }
    }
    let g = 0;
    for (let k = 0; k < runs.length; k += 2) {
      const s = runs[k];
      const e = runs[k + 1];
      const a = Math.min(e, s + Math.max(0, lead - g));
      const z = Math.max(a, Math.min(e, s + (total - trail - g)));
      this.refs(s, a);
      this.copy(a, z);
      this.refs(z, e);
      g += e - s;
    }
    runs.length = 0;
  }

  private refs(from: number, to: number): void {
    for (let i = from; i < to; i++) this.o.ascii('&#' + this.b[i] + ';');
  }

  /** Copies UTF-8 text bytes escaping & < > CR; a malformed sequence becomes U+FFFD, one per bad lead byte (src/utf8.ts decodeUtf8). */
  private copy(from: number, to: number): void {
    const o = this.o;
    o.room((to - from) * 5);
    const b = this.b;
    const buf = o.buf;
    let n = o.len;
    let i = from;
    while (i < to) {
      const c = b[i];
      if (PLAIN[c] === 1) {
        buf[n++] = c;
        i++;
        continue;
      }
      if (c < 0x80) {
        if (c === 38) {
          buf[n++] = 38;
          buf[n++] = 97;
          buf[n++] = 109;
          buf[n++] = 112;
          buf[n++] = 59;
        } else if (c === 60 || c === 62) {
          buf[n++] = 38;
          buf[n++] = c === 60 ? 108 : 103;
          buf[n++] = 116;
          buf[n++] = 59;
        } else if (c === 13) {
          buf[n++] = 38;
          buf[n++] = 35;
          buf[n++] = 49;
          buf[n++] = 51;
          buf[n++] = 59;
        } else buf[n++] = c;
        i++;
        continue;
      }
      let need = 0;
      let v = 0;
      let min = 0;
      if (c >= 0xc2 && c < 0xe0) {
        need = 1;
        v = c & 0x1f;
        min = 0x80;
      } else if (c >= 0xe0 && c < 0xf0) {
        need = 2;
        v = c & 0x0f;
        min = 0x800;
      } else if (c >= 0xf0 && c < 0xf5) {
        need = 3;
        v = c & 0x07;
        min = 0x10000;
      }
      let ok = need > 0 && i + 1 + need <= to;
      for (let k = 1; ok && k <= need; k++) {
        const x = b[i + k];
        if ((x & 0xc0) !== 0x80) ok = false;
        else v = (v << 6) | (x & 0x3f);
      }
      if (ok && v >= min && v <= 0x10ffff && !(v >= 0xd800 && v <= 0xdfff)) {
        for (let k = 0; k <= need; k++) buf[n++] = b[i + k];
        i += need + 1;
      } else {
        buf[n++] = 0xef;
        buf[n++] = 0xbf;
        buf[n++] = 0xbd;
        i++;
      }
    }
    o.len = n;
  }
}

/** 1 for the bytes copied as they are: ASCII but & < > CR. */
const PLAIN = new Uint8Array(256);
for (let c = 0; c < 0x80; c++) PLAIN[c] = c === 38 || c === 60 || c === 62 || c === 13 ? 0 : 1;

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Bytes in the pieces before piece k (k even). */
function countBefore(runs: number[], k: number): number {
  let n = 0;
  for (let j = 0; j < k; j += 2) n += runs[j + 1] - runs[j];
  return n;
}

/** The XML bytes of a WBXML document, or undefined when the document is not of the shape this path takes. */
export function wbxmlToXmlDirect(bytes: Uint8Array, limits: DecodeLimits): Uint8Array | undefined {
  if (!(bytes instanceof Uint8Array)) return undefined;
  try {
    return new Direct(bytes, limits).run();
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  }
}
