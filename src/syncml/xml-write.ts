// Generic element tree -> compact XML text, our own small serializer (the brief: proper escaping, no library).
// Namespaces follow the code pages: the root declares its page's namespace and an element whose page differs from
// its parent's declares its own, which is how libwbxml prints MetInf children (`<Type xmlns="syncml:metinf">`).

import type { WbxmlElement, WbxmlNode } from '../wbxml/tree.js';
import type { Language } from '../wbxml/codepages.js';
import { base64Encode } from '../bytes.js';
import { decodeUtf8, isUtf8 } from '../utf8.js';

export interface XmlWriteOptions {
  /** Language whose page namespaces are written as xmlns; without it only `ns`/attributes are written. */
  lang?: Language;
  /** Emit `<?xml version="1.0"?>` and the DOCTYPE of the language (libwbxml style). */
  prolog?: boolean;
  /** Write attributes exactly as held (including xmlns declarations) instead of computing xmlns from pages. */
  verbatimAttrs?: boolean;
  /** Namespace already in scope around the written element (for fragments). */
  scopeNs?: string;
}

export function escapeText(s: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c === 38) rep = '&amp;';
    else if (c === 60) rep = '&lt;';
    else if (c === 62) rep = '&gt;';
    else if (c === 13) rep = '&#13;'; // a raw CR would be normalised away by the reader
    if (rep !== undefined) {
      out += s.slice(last, i) + rep;
      last = i + 1;
    }
  }
  return last === 0 ? s : out + s.slice(last);
}

export function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

/** CDATA section, split where the text itself contains `]]>`. */
export function cdata(s: string): string {
  return '<![CDATA[' + s.split(']]>').join(']]]]><![CDATA[>') + ']]>';
}

const WS_REF: Record<string, string> = { ' ': '&#32;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };

/**
 * Text content: escaped, and leading/trailing whitespace written as character references, because readers (ours
 * and libwbxml's) trim literal edge whitespace while a reference survives. Values never change on a round trip.
 */
export function escapeContent(s: string): string {
  if (s.length === 0) return s;
  const a = s.charCodeAt(0);
  const z = s.charCodeAt(s.length - 1);
  const edge = a === 32 || a === 9 || a === 10 || a === 13 || z === 32 || z === 9 || z === 10 || z === 13;
  if (!edge) return escapeText(s);
  const m = /^([ \t\n\r]*)([\s\S]*?)([ \t\n\r]*)$/.exec(s) as RegExpExecArray;
  if (m[1] === '' && m[3] === '') return escapeText(s);
  const refs = (w: string) => w.replace(/[ \t\n\r]/g, (c) => WS_REF[c]);
  return refs(m[1]) + escapeText(m[2]) + refs(m[3]);
}

function nsOf(el: WbxmlElement, lang: Language | undefined): string | undefined {
  if (el.ns !== undefined) return el.ns;
  if (!lang) return undefined;
  const p = lang.pages[el.page];
  return p ? p.ns : undefined;
}

export function writeXml(root: WbxmlElement, opts: XmlWriteOptions = {}): string {
  const parts: string[] = [];
  if (opts.prolog && opts.lang) {
    parts.push(`<?xml version="1.0"?><!DOCTYPE ${opts.lang.rootName} PUBLIC "${opts.lang.fpi}" "${opts.lang.systemId}">`);
  }
  writeElement(root, opts, opts.scopeNs, parts);
  return parts.join('');
}

function writeElement(el: WbxmlElement, opts: XmlWriteOptions, scopeNs: string | undefined, parts: string[]): void {
  let open = '<' + el.name;
  let ns = scopeNs;
  if (opts.verbatimAttrs) {
    if (el.attrs) for (const a of el.attrs) open += ` ${a.name}="${escapeAttr(a.value)}"`;
  } else {
    const own = nsOf(el, opts.lang);
    if (own !== undefined && own !== scopeNs) {
      open += ' xmlns="' + escapeAttr(own) + '"';
      ns = own;
    }
    if (el.attrs) {
      for (const a of el.attrs) {
        if (a.name === 'xmlns' || a.name.indexOf('xmlns:') === 0) continue;
        open += ` ${a.name}="${escapeAttr(a.value)}"`;
      }
    }
  }
  if (el.children.length === 0) {
    parts.push(open + '/>');
    return;
  }
  parts.push(open + '>');
  for (const c of el.children) writeNode(c, opts, ns, parts);
  parts.push('</' + el.name + '>');
}

function writeNode(n: WbxmlNode, opts: XmlWriteOptions, ns: string | undefined, parts: string[]): void {
  const el = n as WbxmlElement;
  if (el.children !== undefined) {
    writeElement(el, opts, ns, parts);
    return;
  }
  const t = n as { text?: string; cdata?: boolean; opaque?: Uint8Array };
  if (t.text !== undefined) {
    parts.push(t.cdata && t.text.indexOf('\r') < 0 ? cdata(t.text) : escapeContent(t.text));
    return;
  }
  const bytes = t.opaque as Uint8Array;
  // XML cannot carry raw bytes: valid UTF-8 goes as text (CDATA, as libwbxml prints OPAQUE data), anything else as base64.
  parts.push(isUtf8(bytes) ? cdata(decodeUtf8(bytes, 0, bytes.length)) : base64Encode(bytes));
}
