// XML text -> generic element tree (src/wbxml/tree.ts), with code pages resolved from namespaces.
// A small, strict, hand-written reader for the XML 1.0 subset SyncML DM messages, DevInf and DDF documents use
// (docs/protocol.md §1.2, §1.13; the SyncML RepPro 1.2 DTD declares no entities): elements,
// attributes, character and the five predefined entity references, CDATA, comments, processing instructions and a
// DOCTYPE (skipped, its public id names the language). One pass builds the tree; it replaced fast-xml-parser's
// validator + parser, which were about 60% of the XML -> WBXML time (issue 19). Well-formedness errors name the line,
// the column and what was wrong. Every value stays a string (no coercion).
// Whitespace policy (libwbxml 0.11.8 trims text, test/codec-interop.test.ts compares with it): plain text is trimmed
// at the edges of an element's content, whitespace between child elements is dropped, CDATA is kept verbatim so a
// value that needs edge spaces survives.

import type { WbxmlAttr, WbxmlElement } from '../wbxml/tree.js';
import { type Language, SYNCML12, languageByFpi, languageByRoot, pageForNamespace } from '../wbxml/codepages.js';
import { type DecodeLimits, resolveLimits } from '../wbxml/limits.js';
import { SyncmlError } from './errors.js';

/** XML 1.0 §2.3 PubidChar. */
const PUBID_CHAR = /^[ \n\ra-zA-Z0-9\-'()+,./:=?;!*#@$_%]$/;
const DOCTYPE_RE = /<!DOCTYPE\s+[^\s>]+\s+PUBLIC\s+["']([^"']+)["']/;
const ENTITY_RE = /&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * Replaces the predefined entities and character references (XML 1.0 §4.1, §4.6); a reference to a character XML
 * does not allow becomes U+FFFD. Other entity names are left as written (no DTD is read, so none is declared).
 */
export function decodeEntities(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(ENTITY_RE, (_m, e: string) => {
    if (e.charCodeAt(0) !== 35) return NAMED[e];
    const cp = e.charCodeAt(1) === 120 ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
  });
}

export interface XmlTree {
  root: WbxmlElement;
  lang: Language;
  /** False when neither namespace, DOCTYPE nor root name identified a known language (lang is then SyncML 1.2). */
  known: boolean;
  /** Namespace declared on the root (or undefined). */
  rootNs?: string;
}

/** Parses XML text into a generic tree. Throws SyncmlError on syntax errors or exceeded limits. */
export function parseXmlTree(text: string, partial?: Partial<DecodeLimits>): XmlTree {
  const limits = resolveLimits(partial);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // byte-order mark
  if (text.length > limits.maxDocumentBytes) {
    throw new SyncmlError('too-large', '', `document of ${text.length} characters exceeds the limit of ${limits.maxDocumentBytes}`);
  }
  // End-of-line handling (XML 1.0 §2.11): CR LF and a lone CR become LF everywhere, CDATA and attributes included.
  if (text.indexOf('\r') >= 0) text = text.replace(/\r\n?/g, '\n');
  return new Reader(text, limits).document();
}

/** An element whose end tag has not been read yet. */
interface Open {
  el: WbxmlElement;
  /** The name as written, with its prefix: the end tag must repeat it (XML 1.0 §3, WFC Element Type Match). */
  tag: string;
  /** Namespace declarations in scope (`xmlns`, `xmlns:p` -> URI). */
  scope: Record<string, string>;
  hasElement: boolean;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

/** XML 1.0 §2.3 NameStartChar, for ASCII exactly; any character from U+00C0 up is let through. */
function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7);
}

/** XML 1.0 §2.3 NameChar (ASCII exact; U+00B7 and from U+00C0 up let through). */
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 0xb7;
}

function localName(tag: string): string {
  const i = tag.indexOf(':');
  return i < 0 ? tag : tag.slice(i + 1);
}

function attrValue(attrs: WbxmlAttr[] | undefined, name: string): string | undefined {
  if (attrs) for (let i = 0; i < attrs.length; i++) if (attrs[i].name === name) return attrs[i].value;
  return undefined;
}

/** The element's namespace (Namespaces in XML 1.0 §6): its own declaration for its prefix, else the one in scope. */
function resolveNs(tag: string, attrs: WbxmlAttr[] | undefined, scope: Record<string, string>): string | undefined {
  const i = tag.indexOf(':');
  const key = i < 0 ? 'xmlns' : 'xmlns:' + tag.slice(0, i);
  const own = attrValue(attrs, key);
  return own !== undefined ? own : scope[key];
}

const NO_SCOPE: Record<string, string> = {};

class Reader {
  private readonly n: number;
  private readonly stack: Open[] = [];
  private root: WbxmlElement | undefined;
  private lang: Language | undefined;
  private known = false;
  private rootNs: string | undefined;
  private elements = 0;
  /** Text pieces of the innermost open element since its last child element (flushed at the next tag). */
  private readonly pieces: { text: string; cdata: boolean }[] = [];
  /** Position of the next `&` at or after the last check (-1: none left), so checking references stays linear. */
  private nextAmp = -2;

  constructor(
    private readonly text: string,
    private readonly limits: DecodeLimits,
  ) {
    this.n = text.length;
  }

  private fail(at: number, what: string): never {
    let line = 1;
    let col = 1;
    for (let i = 0; i < at && i < this.n; i++) {
      if (this.text.charCodeAt(i) === 10) {
        line++;
        col = 1;
      } else col++;
    }
    throw new SyncmlError('xml-syntax', '', `not well-formed XML at line ${line}, column ${col}: ${what}`);
  }

  private path(name: string): string {
    let p = '';
    for (const o of this.stack) p += o.el.name + '/';
    return p + name;
  }

  /** Every `&` in text[from..to) starts a character or entity reference `&name;`, `&#N;` or `&#xH;` (XML 1.0 §4.1). */
  private checkReferences(from: number, to: number): void {
    const t = this.text;
    for (;;) {
      if (this.nextAmp !== -1 && this.nextAmp < from) this.nextAmp = t.indexOf('&', from);
      const a = this.nextAmp;
      if (a < 0 || a >= to) return;
      let i = a + 1;
      let ok: boolean;
      if (t.charCodeAt(i) === 35) {
        i++;
        const hex = t.charCodeAt(i) === 120;
        if (hex) i++;
        const digits = i;
        for (;;) {
          const c = t.charCodeAt(i);
          if ((c >= 48 && c <= 57) || (hex && ((c >= 97 && c <= 102) || (c >= 65 && c <= 70)))) i++;
          else break;
        }
        ok = i > digits;
      } else {
        ok = isNameStart(t.charCodeAt(i));
        while (ok && isNameChar(t.charCodeAt(i))) i++;
      }
      if (!ok || i >= to || t.charCodeAt(i) !== 59) {
        this.fail(a, `'&' at ${JSON.stringify(t.slice(a, Math.min(a + 12, to)))} starts no character or entity reference (write &amp;)`);
      }
      from = i + 1;
    }
  }

  private name(at: number, what: string): number {
    const t = this.text;
    if (!isNameStart(t.charCodeAt(at))) {
      this.fail(at, at >= this.n ? `document ends where ${what} should be` : `${what} expected, found ${JSON.stringify(t.charAt(at))}`);
    }
    let i = at + 1;
    while (i < this.n && isNameChar(t.charCodeAt(i))) i++;
    return i;
  }

  private skipSpace(i: number): number {
    while (i < this.n && isSpace(this.text.charCodeAt(i))) i++;
    return i;
  }

  document(): XmlTree {
    const t = this.text;
    const n = this.n;
    let i = 0;
    while (i < n) {
      const lt = t.indexOf('<', i);
      const end = lt < 0 ? n : lt;
      if (end > i) this.charData(i, end);
      if (lt < 0) break;
      const c = t.charCodeAt(lt + 1);
      if (c === 47) i = this.endTag(lt);
      else if (c === 33) i = this.markupDeclaration(lt);
      else if (c === 63) i = this.processingInstruction(lt);
      else i = this.startTag(lt);
    }
    if (this.stack.length > 0) {
      const top = this.stack[this.stack.length - 1];
      this.fail(n, `document ends inside <${top.tag}> (${this.stack.length} element(s) not closed)`);
    }
    if (!this.root) this.fail(n, 'no root element');
    return { root: this.root, lang: this.lang || SYNCML12, known: this.known, rootNs: this.rootNs };
  }

  private charData(from: number, to: number): void {
    const t = this.text;
    if (this.stack.length === 0) {
      for (let i = from; i < to; i++) {
        if (!isSpace(t.charCodeAt(i))) this.fail(i, this.root ? 'text after the root element' : 'text before the root element');
      }
      return;
    }
    this.checkReferences(from, to);
    const pieces = this.pieces;
    // Blank text that opens a group is trimmed away whatever follows (flushText): not kept.
    if (pieces.length === 0 && isBlank(t, from, to)) return;
    const last = pieces.length > 0 ? pieces[pieces.length - 1] : undefined;
    // Text on both sides of a comment or PI is one piece, so trimming sees the text as written around them.
    if (last && !last.cdata) last.text += t.slice(from, to);
    else pieces.push({ text: t.slice(from, to), cdata: false });
  }

  /** `<!--...-->`, `<![CDATA[...]]>` or `<!DOCTYPE ...>`. */
  private markupDeclaration(lt: number): number {
    const t = this.text;
    if (t.startsWith('<!--', lt)) {
      const e = t.indexOf('-->', lt + 4);
      if (e < 0) this.fail(lt, 'comment not closed (no -->)');
      return e + 3;
    }
    if (t.startsWith('<![CDATA[', lt)) {
      if (this.stack.length === 0) this.fail(lt, 'CDATA section outside the root element');
      const e = t.indexOf(']]>', lt + 9);
      if (e < 0) this.fail(lt, 'CDATA section not closed (no ]]>)');
      this.pieces.push({ text: t.slice(lt + 9, e), cdata: true });
      return e + 3;
    }
    if (t.startsWith('<!DOCTYPE', lt)) {
      if (this.root || this.stack.length > 0) this.fail(lt, 'DOCTYPE after the root element started');
      return this.doctype(lt);
    }
    return this.fail(lt, `unexpected markup ${JSON.stringify(t.slice(lt, lt + 9))} (comment, CDATA or DOCTYPE expected)`);
  }

  /**
   * `<!DOCTYPE Name (SYSTEM "sys" | PUBLIC "pubid" "sys")? ([ internal subset ])? >` (XML 1.0 §2.8, §4.2.2), read
   * for its form only: DOCTYPE_RE takes the public id, and the internal subset is skipped (no entities are declared
   * for DM documents).
   */
  private doctype(lt: number): number {
    const t = this.text;
    let i = lt + 9;
    if (!isSpace(t.charCodeAt(i))) this.fail(i, 'whitespace expected after <!DOCTYPE');
    i = this.name(this.skipSpace(i), 'DOCTYPE root element name');
    const afterName = i;
    i = this.skipSpace(i);
    const literal = (at: number, pubid: boolean): number => {
      const q = t.charCodeAt(at);
      if (q !== 34 && q !== 39) this.fail(at, `quoted ${pubid ? 'public' : 'system'} id expected in DOCTYPE`);
      const e = t.indexOf(q === 34 ? '"' : "'", at + 1);
      if (e < 0) this.fail(at, 'DOCTYPE id not closed');
      // A system id is a URI (RFC 3986 has no < or >); a public id has its own character set (PubidChar).
      for (let k = at + 1; k < e; k++) {
        const ch = t.charAt(k);
        if (pubid ? !PUBID_CHAR.test(ch) : ch === '<' || ch === '>') this.fail(k, `${JSON.stringify(ch)} is not allowed in a ${pubid ? 'public' : 'system'} id`);
      }
      return e + 1;
    };
    if (i > afterName && (t.startsWith('SYSTEM', i) || t.startsWith('PUBLIC', i))) {
      const pub = t.startsWith('PUBLIC', i);
      i += 6;
      if (!isSpace(t.charCodeAt(i))) this.fail(i, 'whitespace expected in DOCTYPE');
      i = literal(this.skipSpace(i), pub);
      if (pub) {
        if (!isSpace(t.charCodeAt(i))) this.fail(i, 'whitespace expected between the public and the system id');
        i = literal(this.skipSpace(i), false);
      }
      i = this.skipSpace(i);
    }
    if (t.charCodeAt(i) === 91) {
      i++;
      for (;;) {
        if (i >= this.n) this.fail(lt, 'DOCTYPE internal subset not closed (no ])');
        const c = t.charCodeAt(i);
        if (c === 93) break;
        if (c === 34 || c === 39) {
          const e = t.indexOf(c === 34 ? '"' : "'", i + 1);
          if (e < 0) this.fail(i, 'literal in the DOCTYPE internal subset not closed');
          i = e + 1;
        } else if (t.startsWith('<!--', i)) {
          const e = t.indexOf('-->', i + 4);
          if (e < 0) this.fail(i, 'comment not closed (no -->)');
          i = e + 3;
        } else i++;
      }
      i = this.skipSpace(i + 1);
    }
    if (t.charCodeAt(i) !== 62) this.fail(i, 'DOCTYPE not closed with >');
    return i + 1;
  }

  /** `<?target ...?>`, ignored; the XML declaration only at the start of the document (XML 1.0 §2.8). */
  private processingInstruction(lt: number): number {
    const t = this.text;
    const nameEnd = this.name(lt + 2, 'processing-instruction target');
    const e = t.indexOf('?>', nameEnd);
    if (e < 0) this.fail(lt, 'processing instruction not closed (no ?>)');
    if (lt !== 0 && t.slice(lt + 2, nameEnd).toLowerCase() === 'xml') this.fail(lt, 'XML declaration allowed only at the start of the document');
    return e + 2;
  }

  private endTag(lt: number): number {
    const t = this.text;
    const nameEnd = this.name(lt + 2, 'element name');
    const tag = t.slice(lt + 2, nameEnd);
    const gt = this.skipSpace(nameEnd);
    if (t.charCodeAt(gt) !== 62) this.fail(gt, `end tag </${tag}> not closed with >`);
    const top = this.stack.pop();
    if (!top) this.fail(lt, `end tag </${tag}> with no open element`);
    if (top.tag !== tag) this.fail(lt, `end tag </${tag}> does not match the open <${top.tag}>`);
    flushText(top.el, this.pieces, top.hasElement);
    return gt + 1;
  }

  private startTag(lt: number): number {
    const t = this.text;
    const nameEnd = this.name(lt + 1, 'element name');
    const tag = t.slice(lt + 1, nameEnd);
    let attrs: WbxmlAttr[] | undefined;
    let i = nameEnd;
    let empty = false;
    for (;;) {
      const ws = this.skipSpace(i);
      const c = t.charCodeAt(ws);
      if (c === 62) {
        i = ws + 1;
        break;
      }
      if (c === 47 && t.charCodeAt(ws + 1) === 62) {
        i = ws + 2;
        empty = true;
        break;
      }
      if (ws >= this.n) this.fail(lt, `start tag <${tag} not closed with >`);
      if (ws === i) this.fail(ws, `whitespace expected before attribute ${JSON.stringify(t.charAt(ws))} in <${tag}>`);
      const an = this.name(ws, `attribute name in <${tag}>`);
      const name = t.slice(ws, an);
      let v = this.skipSpace(an);
      if (t.charCodeAt(v) !== 61) this.fail(v, `attribute ${name} of <${tag}> has no value (="..." expected)`);
      v = this.skipSpace(v + 1);
      const q = t.charCodeAt(v);
      if (q !== 34 && q !== 39) this.fail(v, `value of attribute ${name} of <${tag}> is not quoted`);
      const close = t.indexOf(q === 34 ? '"' : "'", v + 1);
      if (close < 0) this.fail(v, `value of attribute ${name} of <${tag}> not closed`);
      const lt2 = t.indexOf('<', v + 1);
      if (lt2 >= 0 && lt2 < close) this.fail(lt2, `'<' in the value of attribute ${name} of <${tag}>`);
      this.checkReferences(v + 1, close);
      if (attrValue(attrs, name) !== undefined) this.fail(ws, `attribute ${name} given twice in <${tag}>`);
      if (!attrs) attrs = [];
      attrs.push({ name, value: decodeEntities(t.slice(v + 1, close)) });
      i = close + 1;
    }
    this.element(lt, tag, attrs, empty);
    return i;
  }

  private element(lt: number, tag: string, attrs: WbxmlAttr[] | undefined, empty: boolean): void {
    const stack = this.stack;
    const parent = stack.length > 0 ? stack[stack.length - 1] : undefined;
    const name = localName(tag);
    if (!parent) {
      if (this.root) this.fail(lt, `more than one root element (<${tag}> after the first)`);
      this.chooseLanguage(tag, name, attrs);
    }
    if (stack.length + 1 > this.limits.maxDepth) throw new SyncmlError('too-deep', this.path(name), `nesting deeper than ${this.limits.maxDepth}`);
    if (++this.elements > this.limits.maxElements) {
      throw new SyncmlError('too-many-elements', this.path(name), `more than ${this.limits.maxElements} elements`);
    }
    const parentScope = parent ? parent.scope : NO_SCOPE;
    let scope = parentScope;
    if (attrs) {
      for (const a of attrs) {
        if (a.name === 'xmlns' || a.name.indexOf('xmlns:') === 0) {
          if (scope === parentScope) scope = Object.assign({}, parentScope);
          scope[a.name] = a.value;
        }
      }
    }
    const parentPage = parent ? parent.el.page : this.lang ? this.lang.rootPage : 0;
    const el: WbxmlElement = { name, page: parentPage, children: [] };
    placeOnPage(el, resolveNs(tag, attrs, parentScope), this.lang, parentPage);
    if (attrs) el.attrs = attrs;
    if (parent) {
      flushText(parent.el, this.pieces, true);
      parent.hasElement = true;
      parent.el.children.push(el);
    } else this.root = el;
    if (!empty) stack.push({ el, tag, scope, hasElement: false });
  }

  /**
   * Language: the root's namespace, else the DOCTYPE's public id (libwbxml does the same: a SyncML 1.1 DOCTYPE gives
   * public id 0x0FD3), else by root name (SyncML -> 1.2).
   */
  private chooseLanguage(tag: string, rootLocal: string, attrs: WbxmlAttr[] | undefined): void {
    const rootNs = resolveNs(tag, attrs, NO_SCOPE);
    let lang = rootNs !== undefined ? languageByRoot(rootLocal, rootNs) : undefined;
    if (!lang || (rootNs !== undefined && lang.pages[lang.rootPage].ns !== rootNs)) {
      const dt = DOCTYPE_RE.exec(this.text.slice(0, 4096));
      const byFpi = dt ? languageByFpi(dt[1]) : undefined;
      lang = byFpi && byFpi.rootName === rootLocal ? byFpi : languageByRoot(rootLocal, rootNs);
    }
    this.lang = lang;
    this.known = lang !== undefined;
    this.rootNs = rootNs;
  }
}

function isBlank(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(s.charCodeAt(i))) return false;
  return true;
}

/**
 * Moves collected text pieces into the element as one text node. Plain text is trimmed at the outer edges (CDATA
 * and character references never are); blank plain text between child elements is dropped.
 */
function flushText(el: WbxmlElement, pieces: { text: string; cdata: boolean }[], hasElement: boolean): void {
  if (pieces.length === 0) return;
  // Only literal XML whitespace (S: space, TAB, CR, LF; not NBSP) is trimmed: a character reference such as &#32; is
  // deliberate, so decode afterwards.
  if (pieces.length === 1 && !pieces[0].cdata) {
    const s = pieces[0].text;
    pieces.length = 0;
    let a = 0;
    let z = s.length;
    while (a < z && isSpace(s.charCodeAt(a))) a++;
    while (z > a && isSpace(s.charCodeAt(z - 1))) z--;
    if (a === z) return;
    const text = decodeEntities(a === 0 && z === s.length ? s : s.slice(a, z));
    if (hasElement && isBlank(text, 0, text.length)) return;
    el.children.push({ text });
    return;
  }
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  if (!first.cdata) first.text = first.text.replace(/^[ \t\n\r]+/, '');
  if (!last.cdata) last.text = last.text.replace(/[ \t\n\r]+$/, '');
  let text = '';
  let cdata = false;
  for (const p of pieces) {
    text += p.cdata ? p.text : decodeEntities(p.text);
    if (p.cdata) cdata = true;
  }
  pieces.length = 0;
  if (text === '' && !cdata) return;
  if (hasElement && !cdata && isBlank(text, 0, text.length)) return;
  el.children.push(cdata ? { text, cdata: true } : { text });
}

/** Chooses the code page: the namespace's page when the name is on it, else the inherited page, else any page with the name. */
function placeOnPage(el: WbxmlElement, ns: string | undefined, lang: Language | undefined, parentPage: number): void {
  if (!lang) {
    if (ns !== undefined) el.ns = ns;
    return;
  }
  if (ns !== undefined) {
    const p = pageForNamespace(lang, ns);
    if (p >= 0 && lang.pages[p].tokens[el.name] !== undefined) {
      el.page = p;
      return;
    }
  }
  const inherited = lang.pages[parentPage];
  if (inherited && inherited.tokens[el.name] !== undefined) {
    el.page = parentPage;
    return;
  }
  for (const key of Object.keys(lang.pages)) {
    const p = Number(key);
    if (lang.pages[p].tokens[el.name] !== undefined) {
      el.page = p;
      return;
    }
  }
  if (ns !== undefined && pageForNamespace(lang, ns) < 0) el.ns = ns;
}
