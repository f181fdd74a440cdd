// The XML reader as it was before issue 19 (fast-xml-parser 4.5.7 validator + parser, then a tree walk), kept as the
// reference the hand-written reader in src/syncml/xml-read.ts is compared with (test/codec-xml-reader.test.ts).
// XML text -> generic element tree (src/wbxml/tree.ts), with code pages resolved from namespaces.
// fast-xml-parser 4.5.7 does the tokenising (5.x breaks on QuickJS); every value stays a string (no coercion).
// Whitespace policy (LIBWBXML.md: libwbxml trims text): plain text is trimmed at the edges of an element's content,
// whitespace between child elements is dropped, CDATA is kept verbatim so a value that needs edge spaces survives.

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { WbxmlAttr, WbxmlElement } from '../../src/wbxml/tree.js';
import { type Language, SYNCML12, languageByFpi, languageByRoot, pageForNamespace } from '../../src/wbxml/codepages.js';

const DOCTYPE_RE = /<!DOCTYPE\s+[^\s>]+\s+PUBLIC\s+["']([^"']+)["']/;
import { type DecodeLimits, resolveLimits } from '../../src/wbxml/limits.js';
import { SyncmlError } from '../../src/syncml/errors.js';

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  cdataPropName: '#cdata',
  commentPropName: false,
  processEntities: false, // done below: fast-xml-parser 4 leaves numeric references undecoded
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  removeNSPrefix: false,
});

const ENTITY_RE = /&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(ENTITY_RE, (_m, e: string) => {
    if (e.charCodeAt(0) !== 35) return NAMED[e];
    const cp = e.charCodeAt(1) === 120 ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
  });
}

type RawNode = Record<string, unknown>;

const XML_BLANK = /^[ \t\n\r]*$/;

export interface XmlTree {
  root: WbxmlElement;
  lang: Language;
  /** False when neither namespace, DOCTYPE nor root name identified a known language (lang is then SyncML 1.2). */
  known: boolean;
  /** Namespace declared on the root (or undefined). */
  rootNs?: string;
}

interface Ctx {
  lang: Language | undefined;
  limits: DecodeLimits;
  elements: number;
}

/** Parses XML text into a generic tree. Throws SyncmlError on syntax errors or exceeded limits. */
export function parseXmlTree(text: string, partial?: Partial<DecodeLimits>): XmlTree {
  const limits = resolveLimits(partial);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // byte-order mark
  if (text.length > limits.maxDocumentBytes) {
    throw new SyncmlError('too-large', '', `document of ${text.length} characters exceeds the limit of ${limits.maxDocumentBytes}`);
  }
  if (nestingExceeds(text, limits.maxDepth)) {
    throw new SyncmlError('too-deep', '', `element nesting deeper than ${limits.maxDepth}`);
  }
  const v = XMLValidator.validate(text);
  if (v !== true) {
    throw new SyncmlError('xml-syntax', '', `not well-formed XML at line ${v.err.line}, column ${v.err.col}: ${v.err.msg}`);
  }
  let raw: RawNode[];
  try {
    raw = parser.parse(text) as RawNode[];
  } catch (e) {
    const msg = (e as Error).message;
    if (/nested/i.test(msg)) throw new SyncmlError('too-deep', '', `nesting deeper than the XML parser allows: ${msg}`);
    throw new SyncmlError('xml-syntax', '', `not well-formed XML: ${msg}`);
  }
  let top: RawNode | undefined;
  for (const n of raw) {
    if (n['#text'] !== undefined && String(n['#text']).trim() === '') continue;
    if (top) throw new SyncmlError('xml-syntax', '', 'more than one root element');
    top = n;
  }
  if (!top || tagOf(top) === undefined) throw new SyncmlError('xml-syntax', '', 'no root element');
  const rootTag = tagOf(top) as string;
  const rootAttrs = attrsOf(top);
  const rootLocal = localName(rootTag);
  const rootNs = resolveNs(rootTag, rootAttrs, {});
  // Language: the root's namespace, else the DOCTYPE's public id (libwbxml does the same: a SyncML 1.1 DOCTYPE
  // gives public id 0x0FD3), else by root name (SyncML -> 1.2).
  let lang = rootNs !== undefined ? languageByRoot(rootLocal, rootNs) : undefined;
  if (!lang || (rootNs !== undefined && lang.pages[lang.rootPage].ns !== rootNs)) {
    const dt = DOCTYPE_RE.exec(text.slice(0, 4096));
    const byFpi = dt ? languageByFpi(dt[1]) : undefined;
    lang = byFpi && byFpi.rootName === rootLocal ? byFpi : languageByRoot(rootLocal, rootNs);
  }
  const ctx: Ctx = { lang, limits, elements: 0 };
  const root = convert(top, ctx, {}, lang ? lang.rootPage : 0, 1, '');
  return { root, lang: lang || SYNCML12, known: lang !== undefined, rootNs };
}

/**
 * Cheap linear pre-scan of the nesting depth, so a hostile document is refused before the validating parser spends
 * time on it. Skips comments, CDATA, PIs and declarations; only an estimate for the limit check, not a parser.
 */
function nestingExceeds(text: string, maxDepth: number): boolean {
  let depth = 0;
  let i = text.indexOf('<');
  while (i >= 0 && i < text.length - 1) {
    const c = text.charCodeAt(i + 1);
    if (c === 33) {
      if (text.startsWith('<![CDATA[', i)) i = text.indexOf(']]>', i);
      else if (text.startsWith('<!--', i)) i = text.indexOf('-->', i);
      else i = text.indexOf('>', i);
    } else if (c === 63) i = text.indexOf('?>', i);
    else if (c === 47) depth--;
    else {
      const e = text.indexOf('>', i);
      if (e < 0) return false;
      if (text.charCodeAt(e - 1) !== 47 && ++depth > maxDepth) return true;
      i = e;
    }
    if (i < 0) return false;
    i = text.indexOf('<', i + 1);
  }
  return false;
}

function tagOf(n: RawNode): string | undefined {
  for (const k in n) if (k !== ':@' && k !== '#text' && k !== '#cdata') return k;
  return undefined;
}

const NO_ATTRS: Record<string, string> = {};

function attrsOf(n: RawNode): Record<string, string> {
  const a = n[':@'] as Record<string, string> | undefined;
  return a || {};
}

function localName(tag: string): string {
  const i = tag.indexOf(':');
  return i < 0 ? tag : tag.slice(i + 1);
}

/** Resolves the element's namespace from its own xmlns declarations and those in scope. */
function resolveNs(tag: string, attrs: Record<string, string>, scope: Record<string, string>): string | undefined {
  const i = tag.indexOf(':');
  const prefix = i < 0 ? '' : tag.slice(0, i);
  const key = prefix === '' ? 'xmlns' : 'xmlns:' + prefix;
  if (attrs[key] !== undefined) return decodeEntities(attrs[key]);
  return scope[key];
}

function convert(
  n: RawNode,
  ctx: Ctx,
  parentScope: Record<string, string>,
  parentPage: number,
  depth: number,
  parentPath: string,
): WbxmlElement {
  const tag = tagOf(n) as string;
  const name = localName(tag);
  const path = parentPath ? parentPath + '/' + name : name;
  if (depth > ctx.limits.maxDepth) throw new SyncmlError('too-deep', path, `nesting deeper than ${ctx.limits.maxDepth}`);
  if (++ctx.elements > ctx.limits.maxElements) {
    throw new SyncmlError('too-many-elements', path, `more than ${ctx.limits.maxElements} elements`);
  }
  const rawAttrs = (n[':@'] as Record<string, string> | undefined) || NO_ATTRS;
  let scope = parentScope;
  const attrs: WbxmlAttr[] = [];
  if (rawAttrs !== NO_ATTRS) for (const k of Object.keys(rawAttrs)) {
    const value = decodeEntities(String(rawAttrs[k]));
    if (k === 'xmlns' || k.indexOf('xmlns:') === 0) {
      if (scope === parentScope) scope = Object.assign({}, parentScope);
      scope[k] = value;
    }
    attrs.push({ name: k, value });
  }
  const ns = resolveNs(tag, rawAttrs, parentScope);
  const el: WbxmlElement = { name, page: parentPage, children: [] };
  placeOnPage(el, ns, ctx.lang, parentPage);
  if (attrs.length > 0) el.attrs = attrs;

  const kids = (n[tag] as RawNode[]) || [];
  let hasElement = false;
  for (let i = 0; i < kids.length; i++) {
    if (kids[i]['#text'] === undefined && kids[i]['#cdata'] === undefined) {
      hasElement = true;
      break;
    }
  }
  const pieces: { text: string; cdata: boolean }[] = [];
  for (const k of kids) {
    if (k['#text'] !== undefined) {
      pieces.push({ text: String(k['#text']), cdata: false }); // entities decoded after trimming, in flushText
    } else if (k['#cdata'] !== undefined) {
      const inner = k['#cdata'] as RawNode[];
      let s = '';
      for (const c of inner) if (c['#text'] !== undefined) s += String(c['#text']);
      pieces.push({ text: s, cdata: true });
    } else {
      flushText(el, pieces, hasElement);
      el.children.push(convert(k, ctx, scope, el.page, depth + 1, path));
    }
  }
  flushText(el, pieces, hasElement);
  return el;
}

/**
 * Moves collected text pieces into the element as one text node. Plain text is trimmed at the outer edges (CDATA
 * and character references never are); blank plain text between child elements is dropped.
 */
function flushText(el: WbxmlElement, pieces: { text: string; cdata: boolean }[], hasElement: boolean): void {
  if (pieces.length === 0) return;
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  // Only literal XML whitespace (S: space, TAB, CR, LF; not NBSP) is trimmed: a character reference such as &#32; is deliberate, so decode afterwards.
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
  if (hasElement && !cdata && XML_BLANK.test(text)) return;
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
