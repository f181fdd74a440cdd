// The fast codec paths of issue 19 checked against the slower paths they stand for, on whatever runtime runs this
// module (Node directly, QuickJS through test/codec-fast-paths.qjs-entry.ts):
//  - wbxmlToXmlBytes and wbxmlToXml (one pass for the usual DM shape, src/syncml/wbxml-to-xml.ts) = what the tree
//    path prints (decodeWbxmlDocument, expandNestedDocuments, writeXml), errors included, on the WBXML vectors and
//    seeded mutations of them;
//  - writeXmlBytes = utf8Encode(writeXml) on generated trees with awkward text (edges, CR, ]]>, surrogates, bytes);
//  - the hand-written XML reader = the fast-xml-parser reader it replaced (test/support/xml-read-reference.ts) on
//    the XML vectors, edge cases and seeded mutations: same tree when both accept, never accepting what it refused.
// Returns plain JSON so both runtimes' answers can be compared.

import { wbxmlToXml, wbxmlToXmlBytes } from '../src/syncml/index.js';
import { wbxmlToXmlDirect } from '../src/syncml/wbxml-to-xml.js';
import { writeXml } from '../src/syncml/xml-write.js';
import { expandNestedDocuments } from '../src/syncml/nested.js';
import { decodeWbxmlDocument } from '../src/wbxml/decoder.js';
import { writeXmlBytes } from '../src/syncml/xml-write-bytes.js';
import { parseXmlTree } from '../src/syncml/xml-read.js';
import { parseXmlTree as referenceParse } from './support/xml-read-reference.js';
import { resolveLimits } from '../src/wbxml/limits.js';
import { DMDDF12, SYNCML12, languageByName } from '../src/wbxml/codepages.js';
import type { WbxmlElement, WbxmlNode } from '../src/wbxml/tree.js';
import { eqBytes, hex, utf8Decode, utf8Encode } from '../src/bytes.js';

export interface ScenarioFile {
  name: string;
  bytes: Uint8Array;
}

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function outcome(f: () => Uint8Array | string): string {
  try {
    const r = f();
    return typeof r === 'string' ? 'ok ' + hex(utf8Encode(r)) : 'ok ' + hex(r);
  } catch (e) {
    const x = e as { name?: string; code?: string; offset?: number; message?: string };
    return `${x.name} ${x.code} ${x.offset === undefined ? '' : x.offset} ${x.message}`;
  }
}

function mutate(b: Uint8Array, r: () => number): Uint8Array {
  const out = b.slice();
  const kind = Math.floor(r() * 4);
  const at = Math.floor(r() * out.length);
  if (kind === 0) out[at] = Math.floor(r() * 256);
  else if (kind === 1) return out.slice(0, at);
  else if (kind === 2) out[at] ^= 1 << Math.floor(r() * 8);
  else out[at] = [0x00, 0x01, 0x03, 0x83, 0xc3, 0x20, 0x26, 0x3c, 0xe9, 0xff][Math.floor(r() * 10)];
  return out;
}

export function checkWbxmlDirect(files: ScenarioFile[]): { checked: number; direct: number; mismatches: string[] } {
  const r = prng(19);
  const limits = resolveLimits();
  const inputs: ScenarioFile[] = [];
  for (const f of files) {
    inputs.push(f);
    for (let k = 0; k < 12; k++) inputs.push({ name: `${f.name} (mutation ${k})`, bytes: mutate(f.bytes, r) });
  }
  let direct = 0;
  const mismatches: string[] = [];
  for (const f of inputs) {
    if (wbxmlToXmlDirect(f.bytes, limits)) direct++;
    const tree = outcome(() => {
      const doc = decodeWbxmlDocument(f.bytes);
      return writeXml(expandNestedDocuments(doc.root), { lang: languageByName(doc.language), prolog: true });
    });
    const fast = outcome(() => wbxmlToXmlBytes(f.bytes));
    const text = outcome(() => wbxmlToXml(f.bytes));
    if (fast !== tree) mismatches.push(`${f.name}: bytes ${fast.slice(0, 200)} <> tree ${tree.slice(0, 200)}`);
    if (text !== tree) mismatches.push(`${f.name}: text ${text.slice(0, 200)} <> tree ${tree.slice(0, 200)}`);
  }
  return { checked: inputs.length, direct, mismatches: mismatches.slice(0, 5) };
}

const AWKWARD = [
  'plain',
  '  edges  ',
  '\t\n\r x \r\n',
  'a & b < c > d " e \' f',
  'cr\rinside',
  ']]> and ]]]]>',
  'caf\u00e9 \u20ac \ud83d\ude00',
  'lone \ud800 high, lone \udc00 low, end \ud83d',
  '',
  '   ',
  '&#32;',
];

function randomTree(r: () => number, depth: number): WbxmlElement {
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
  const el: WbxmlElement = { name: pick(['SyncML', 'Data', 'Type', 'LocURI', 'Node', 'NodeName']), page: pick([0, 1, 2, 7]), children: [] };
  if (r() < 0.3) el.ns = pick(['syncml:metinf', 'urn:x-vendor', 'a"b<c']);
  if (r() < 0.3) el.attrs = [{ name: pick(['xmlns', 'xmlns:v', 'id', 'v:x']), value: pick(AWKWARD) }];
  const n = depth > 3 ? 0 : Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const k = r();
    let c: WbxmlNode;
    if (k < 0.4) c = randomTree(r, depth + 1);
    else if (k < 0.8) c = r() < 0.3 ? { text: pick(AWKWARD), cdata: true } : { text: pick(AWKWARD) };
    else {
      const bytes = r() < 0.5 ? utf8Encode(pick(AWKWARD)) : Uint8Array.from([0xff, 0x5d, 0x5d, 0x3e, 0xc3, 0x28, Math.floor(r() * 256)]);
      c = { opaque: bytes };
    }
    el.children.push(c);
  }
  return el;
}

export function checkXmlWriter(): { checked: number; mismatches: string[] } {
  const r = prng(1912);
  const mismatches: string[] = [];
  let checked = 0;
  for (let i = 0; i < 400; i++) {
    const tree = randomTree(r, 0);
    const opts = [{ lang: SYNCML12, prolog: true }, { lang: DMDDF12 }, { verbatimAttrs: true }, { scopeNs: 'syncml:metinf', lang: SYNCML12 }][i % 4];
    const bytes = writeXmlBytes(tree, opts);
    const text = utf8Encode(writeXml(tree, opts));
    checked++;
    if (!eqBytes(bytes, text)) mismatches.push(`tree ${i}: ${utf8Decode(bytes).slice(0, 200)} <> ${utf8Decode(text).slice(0, 200)}`);
  }
  return { checked, mismatches: mismatches.slice(0, 5) };
}

function treeOutcome(f: () => unknown): { ok: boolean; text: string } {
  try {
    return { ok: true, text: JSON.stringify(f()) };
  } catch (e) {
    const x = e as { code?: string; message?: string };
    return { ok: false, text: `${x.code}: ${x.message}` };
  }
}

/** Well-formed documents both readers must read to the same tree. */
export const READER_CASES = [
  '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD></SyncHdr></SyncML>',
  '<?xml version="1.0" encoding="UTF-8"?>\r\n<!DOCTYPE SyncML PUBLIC "-//SYNCML//DTD SyncML 1.1//EN" "http://www.syncml.org/docs/syncml_represent_v11_20020213.dtd">\r\n<SyncML><SyncBody/></SyncML>',
  '<!DOCTYPE MgmtTree [ <!ENTITY x "y"> ]><MgmtTree xmlns="syncml:dmddf1.2"><Node><NodeName>a</NodeName></Node></MgmtTree>',
  '<a>  <!--c-->  x  <!--d-->  </a>',
  '<a><![CDATA[x]]>  <!--c-->  <![CDATA[y]]></a>',
  '<a> &#32;x&#x20; &lt;&gt;&amp;&quot;&apos; </a>',
  '<a>x\r\ny\rz</a>',
  "<a b='1' c = \"&amp;\" xmlns:p='u'><p:d/><e xmlns='syncml:metinf'>t</e></a>",
  '<a><b>1</b>\n  <![CDATA[]]>\n</a >',
  '<a>&nbsp;</a>',
  '<SyncML><SyncBody><Alert><Data>caf\u00e9 \ud83d\ude00</Data></Alert></SyncBody></SyncML>',
];

/** Not well-formed (XML 1.0 §2-§4): both readers refuse; the message names the line, the column and the fault. */
export const READER_ERRORS: [string, RegExp][] = [
  ['<SyncML><Data>MAXDT=15&DR=1</Data></SyncML>', /line 1, column 23: '&'.*&amp;/],
  ['<SyncML>\n<SyncHdr></SyncML>', /line 2, column 10: end tag <\/SyncML> does not match the open <SyncHdr>/],
  ['<a b="1" b="2"/>', /attribute b given twice/],
  ['<a b=1/>', /not quoted/],
  ['<a/><b/>', /more than one root element/],
  ['<a>x</a>y', /text after the root element/],
  ['<a><b>', /document ends inside <b>/],
  ['', /no root element/],
  ['<a><!-- x </a>', /comment not closed/],
];

/** Refused now, taken before (fast-xml-parser's validator let them through; XML 1.0 forbids them). */
export const READER_STRICTER: [string, RegExp][] = [
  ['<a x="<"/>', /'<' in the value of attribute x/],
  ['<a>&#;</a>', /starts no character or entity reference/],
];

export function checkXmlReader(files: ScenarioFile[]): { checked: number; same: number; stricter: number; mismatches: string[]; messages: string[] } {
  const r = prng(2026);
  const inputs: string[] = READER_CASES.slice();
  for (const [x] of READER_ERRORS) inputs.push(x);
  for (const f of files) {
    const text = utf8Decode(f.bytes);
    inputs.push(text);
    for (let k = 0; k < 8; k++) {
      const at = Math.floor(r() * text.length);
      const ins = ['<', '&', '"', '>', '</a>', '<!--', ']]>', '\r', ''][Math.floor(r() * 9)];
      inputs.push(text.slice(0, at) + ins + text.slice(at + (r() < 0.5 ? 1 : 0)));
    }
  }
  let same = 0;
  let stricter = 0;
  const mismatches: string[] = [];
  for (const text of inputs) {
    const ref = treeOutcome(() => referenceParse(text));
    const now = treeOutcome(() => parseXmlTree(text));
    if (ref.ok && now.ok && ref.text === now.text) same++;
    else if (!ref.ok && !now.ok) same++;
    else if (ref.ok && !now.ok) stricter++;
    else mismatches.push(`${JSON.stringify(text.slice(0, 80))}: ${now.text.slice(0, 200)} <> reference ${ref.text.slice(0, 200)}`);
  }
  for (const text of READER_CASES) {
    const now = treeOutcome(() => parseXmlTree(text));
    const ref = treeOutcome(() => referenceParse(text));
    if (!now.ok || now.text !== ref.text) mismatches.push(`case ${JSON.stringify(text)}: ${now.text.slice(0, 200)}`);
  }
  const messages: string[] = [];
  for (const [text, re] of READER_ERRORS.concat(READER_STRICTER)) {
    const now = treeOutcome(() => parseXmlTree(text));
    messages.push(now.text);
    if (now.ok || !re.test(now.text)) mismatches.push(`error case ${JSON.stringify(text)}: ${now.text}`);
  }
  return { checked: inputs.length, same, stricter, mismatches: mismatches.slice(0, 8), messages };
}

export function runCodecFastPaths(wbxml: ScenarioFile[], xml: ScenarioFile[]) {
  return { wbxml: checkWbxmlDirect(wbxml), writer: checkXmlWriter(), reader: checkXmlReader(xml) };
}
