// The TNDS object (OMA-TS-DM_TND-V1_2, the Tree and Description Serialization chapter; docs/protocol.md §1.12): a MgmtTree document that carries a
// part of the DM tree, nodes nested as in the tree, each with its run-time properties and, for a leaf, its Value.
// It travels as Item Data with Meta Type application/vnd.syncml.dmtnds+xml or +wbxml (docs/protocol.md §1.1); the
// WBXML form uses the DM DDF 1.2 code page (docs/protocol.md §2.7). This file reads and writes the document only;
// ./tnds-tree.ts turns it into tree reads and writes.
//
// What the document may hold (OMA-TS-DM_TND-V1_2 TNDS: supported properties, elements): MgmtTree, VerDTD, Man, Mod, Node, NodeName, Path,
// RTProperties (ACL, Format, Name, Size, Title, TStamp, Type, VerNo), Value. A Node holds either child Nodes or a
// Value; one with neither continues elsewhere, at the full URI its Path names (TNDS: the Node element).

import { base64Encode, isValidUtf8, utf8Decode, utf8Encode } from '../bytes.js';
import { parseXmlTree } from '../syncml/xml-read.js';
import { writeXml } from '../syncml/xml-write.js';
import { DMDDF12 } from '../wbxml/codepages.js';
import { decodeWbxmlDocument } from '../wbxml/decoder.js';
import { encodeWbxmlDocument } from '../wbxml/encoder.js';
import type { DecodeLimits } from '../wbxml/limits.js';
import type { WbxmlElement, WbxmlNode } from '../wbxml/tree.js';
import { type NodeData, NODE_FORMATS } from './node.js';
import { DmStatus, TreeError } from './status.js';

export const TNDS_XML = 'application/vnd.syncml.dmtnds+xml';
export const TNDS_WBXML = 'application/vnd.syncml.dmtnds+wbxml';

/** Properties a `?list=TNDS+...` / `-...` request may name (OMA-TS-DM_TND-V1_2 TNDS: supported properties, plus Value). */
export const TNDS_PROPERTIES = ['ACL', 'Format', 'Type', 'Value', 'Size', 'Title', 'TStamp', 'VerNo'] as const;
export type TndsProperty = (typeof TNDS_PROPERTIES)[number];

/** One Node of the document. Property texts are as written in the document. */
export interface TndsNode {
  name: string;
  /** Full URI of the parent, given on a top-level Node (the insertion point; TNDS: the Node element). */
  path?: string;
  acl?: string;
  format?: string;
  type?: string;
  size?: string;
  title?: string;
  tstamp?: string;
  verNo?: string;
  /** Leaf value as text (binary values are written base64 with Format b64). */
  value?: string;
  /** Set by a writer that knows the node is interior even when Format is not written (Type is then a DDFName). */
  interior?: boolean;
  children: TndsNode[];
}

/** The TNDS encoding a Meta Type names, or null (media types compare without case and parameters, RFC 2045 §5.1). */
export function tndsEncoding(type: string | undefined): 'xml' | 'wbxml' | null {
  const t = (type || '').split(';')[0].trim().toLowerCase();
  return t === TNDS_XML ? 'xml' : t === TNDS_WBXML ? 'wbxml' : null;
}

/** True when a Meta Type names a TNDS object (either encoding). */
export function isTndsType(type: string | undefined): boolean {
  return tndsEncoding(type) !== null;
}

/**
 * The properties a `?list=TNDS` request asks for: `+A+B` only those, `-A-B` all but those, nothing at all every one
 * (our reading: no exclusion asked for). An unknown name is an option we do not have: 406 naming it.
 */
export function selectProperties(include?: string[], exclude?: string[]): Set<TndsProperty> {
  const known = (name: string): TndsProperty => {
    for (const p of TNDS_PROPERTIES) if (p === name) return p;
    throw new TreeError(DmStatus.OptionalFeatureNotSupported, `?list=TNDS names the unknown property ${JSON.stringify(name)} (known: ${TNDS_PROPERTIES.join(', ')})`);
  };
  if (include) return new Set(include.filter((n) => n !== 'Name').map(known));
  const out = new Set<TndsProperty>(TNDS_PROPERTIES);
  if (exclude) for (const n of exclude) if (n !== 'Name') out.delete(known(n));
  return out;
}

// ---------------------------------------------------------------- writing

const DDF_PAGE = 2;

function el(name: string, children: WbxmlNode[] = []): WbxmlElement {
  return { name, page: DDF_PAGE, children };
}

function textEl(name: string, text: string): WbxmlElement {
  return el(name, text === '' ? [] : [{ text }]);
}

function nodeElement(n: TndsNode): WbxmlElement {
  const kids: WbxmlNode[] = [textEl('NodeName', n.name)];
  if (n.path !== undefined) kids.push(textEl('Path', n.path));
  // RTProperties content order of the DM DDF 1.2 DTD: ACL, Format, Name, Size, Title, TStamp, Type, VerNo.
  const rt: WbxmlNode[] = [];
  if (n.acl !== undefined) rt.push(textEl('ACL', n.acl));
  if (n.format !== undefined) rt.push(el('Format', [el(n.format)]));
  if (n.size !== undefined) rt.push(textEl('Size', n.size));
  if (n.title !== undefined) rt.push(textEl('Title', n.title));
  if (n.tstamp !== undefined) rt.push(textEl('TStamp', n.tstamp));
  // Type: a MIME type for a leaf, the DDF name (MO identifier) for an interior node.
  const interior = n.interior || n.format === 'node' || n.children.length > 0;
  if (n.type !== undefined) rt.push(el('Type', [textEl(interior ? 'DDFName' : 'MIME', n.type)]));
  if (n.verNo !== undefined) rt.push(textEl('VerNo', n.verNo));
  if (rt.length) kids.push(el('RTProperties', rt));
  for (const c of n.children) kids.push(nodeElement(c));
  if (n.value !== undefined) kids.push(textEl('Value', n.value));
  return el('Node', kids);
}

function documentElement(nodes: TndsNode[]): WbxmlElement {
  return el('MgmtTree', [textEl('VerDTD', '1.2') as WbxmlNode].concat(nodes.map(nodeElement)));
}

/** The XML form (application/vnd.syncml.dmtnds+xml), with the DDF namespace on the root. */
export function tndsToXml(nodes: TndsNode[]): string {
  return writeXml(documentElement(nodes), { lang: DMDDF12 });
}

/** The WBXML form (application/vnd.syncml.dmtnds+wbxml): DM DDF 1.2 tokens, FPI in the string table. */
export function tndsToWbxml(nodes: TndsNode[]): Uint8Array {
  return encodeWbxmlDocument(documentElement(nodes), DMDDF12);
}

/** Leaf data as TNDS Value text: binary goes base64 (the Format then says b64). */
export function valueText(data: NodeData | undefined): { text: string; binary: boolean } {
  if (data === undefined) return { text: '', binary: false };
  if (typeof data === 'string') return { text: data, binary: false };
  return { text: base64Encode(data), binary: true };
}

// ---------------------------------------------------------------- reading

function bad(what: string): TreeError {
  return new TreeError(DmStatus.BadRequest, 'bad TNDS object: ' + what);
}

function isEl(n: WbxmlNode): n is WbxmlElement {
  return (n as WbxmlElement).children !== undefined;
}

function textOf(e: WbxmlElement, where: string): string {
  let s = '';
  for (const c of e.children) {
    if (isEl(c)) throw bad(`<${c.name}> inside ${where}, which holds text only`);
    const t = c as { text?: string; opaque?: Uint8Array };
    if (t.text !== undefined) s += t.text;
    else if (t.opaque) s += utf8Text(t.opaque, where);
  }
  return s;
}

/** Which single empty element a Format or Type holds (`<Format><chr/></Format>`). */
function choiceOf(e: WbxmlElement, where: string): WbxmlElement {
  const kids = e.children.filter((c) => isEl(c) || ((c as { text?: string }).text || '').trim() !== '');
  if (kids.length !== 1 || !isEl(kids[0])) throw bad(`${where} must hold exactly one element`);
  return kids[0];
}

function readProperties(e: WbxmlElement, n: TndsNode, where: string): void {
  for (const c of e.children) {
    if (!isEl(c)) {
      if (((c as { text?: string }).text || '').trim() !== '') throw bad(`text directly inside ${where}/RTProperties`);
      continue;
    }
    const at = `${where}/RTProperties/${c.name}`;
    switch (c.name) {
      case 'ACL':
        n.acl = textOf(c, at);
        break;
      case 'Format': {
        const f = choiceOf(c, at).name;
        if ((NODE_FORMATS as readonly string[]).indexOf(f) < 0) {
          throw new TreeError(DmStatus.UnsupportedMediaType, `bad TNDS object: unsupported Format <${f}/> at ${at}`);
        }
        n.format = f;
        break;
      }
      case 'Type': {
        const t = choiceOf(c, at);
        if (t.name !== 'MIME' && t.name !== 'DDFName') throw bad(`${at} holds <${t.name}>, not <MIME> or <DDFName>`);
        n.type = textOf(t, at + '/' + t.name).trim();
        break;
      }
      case 'Title':
        n.title = textOf(c, at);
        break;
      // Name is the NodeName; Size, TStamp and VerNo are the device's to keep (read-only): read, never applied.
      case 'Name':
        textOf(c, at);
        break;
      case 'Size':
        n.size = textOf(c, at).trim();
        break;
      case 'TStamp':
        n.tstamp = textOf(c, at).trim();
        break;
      case 'VerNo':
        n.verNo = textOf(c, at).trim();
        break;
      default:
        throw bad(`unknown element <${c.name}> in ${where}/RTProperties`);
    }
  }
}

function readNode(e: WbxmlElement, where: string): TndsNode {
  let name: string | undefined;
  const n: TndsNode = { name: '', children: [] };
  for (const c of e.children) {
    if (!isEl(c)) {
      if (((c as { text?: string }).text || '').trim() !== '') throw bad(`text directly inside ${where}`);
      continue;
    }
    switch (c.name) {
      case 'NodeName':
        if (name !== undefined) throw bad(`${where} has two <NodeName>`);
        name = textOf(c, where + '/NodeName').trim();
        break;
      case 'Path':
        n.path = textOf(c, where + '/Path').trim();
        break;
      case 'RTProperties':
        readProperties(c, n, where);
        break;
      case 'DFProperties':
        break; // a DDF description of the node, not run-time data (OMA-TS-DM_TND-V1_2 TNDS: supported properties): nothing to apply
      case 'Node':
        n.children.push(readNode(c, `${where}/Node[${n.children.length + 1}]`));
        break;
      case 'Value':
        if (n.value !== undefined) throw bad(`${where} has two <Value>`);
        n.value = textOf(c, where + '/Value');
        break;
      default:
        throw bad(`unknown element <${c.name}> in ${where}`);
    }
  }
  if (name === undefined || name === '') throw bad(`${where} has no NodeName`);
  n.name = name;
  // A Node with a Value ends the recursion (TNDS: the Node element).
  if (n.value !== undefined && n.children.length) throw bad(`${where} (${name}) has both a Value and child Nodes`);
  if (n.value !== undefined && n.format === 'node') throw bad(`${where} (${name}) has Format node and a Value`);
  return n;
}

/**
 * Reads a TNDS object from Item Data. `type` picks the encoding; `limits` bound the parse (a hostile document is
 * refused before it costs much). Throws TreeError 400 (malformed, naming what) or 415 (unsupported VerDTD, Format).
 */
export function parseTnds(data: NodeData | undefined, type: string | undefined, limits: Partial<DecodeLimits>): TndsNode[] {
  if (data === undefined || data.length === 0) throw bad('the Data is empty');
  let root: WbxmlElement;
  try {
    if (tndsEncoding(type) === 'wbxml') {
      // Arrives as bytes (OPAQUE), or as text when those bytes happened to be valid UTF-8.
      root = decodeWbxmlDocument(typeof data === 'string' ? utf8Encode(data) : data, limits, { defaultLanguage: DMDDF12 }).root;
    } else {
      const text = typeof data === 'string' ? data : utf8Text(data, 'the XML form');
      root = parseXmlTree(text, limits).root;
    }
  } catch (e) {
    if (e instanceof TreeError) throw e;
    throw bad((e as Error).message);
  }
  if (root.name !== 'MgmtTree') throw bad(`the root element is <${root.name}>, not <MgmtTree>`);
  const nodes: TndsNode[] = [];
  for (const c of root.children) {
    if (!isEl(c)) {
      if (((c as { text?: string }).text || '').trim() !== '') throw bad('text directly inside <MgmtTree>');
      continue;
    }
    if (c.name === 'VerDTD') {
      const v = textOf(c, 'MgmtTree/VerDTD').trim();
      // Major revisions need a new parser (TNDS: VerDTD); any 1.x reads as 1.2.
      if (!/^1\.\d+$/.test(v)) throw new TreeError(DmStatus.UnsupportedMediaType, `bad TNDS object: VerDTD ${JSON.stringify(v)} is not supported (1.2 is)`);
    } else if (c.name === 'Man' || c.name === 'Mod') {
      textOf(c, 'MgmtTree/' + c.name);
    } else if (c.name === 'Node') nodes.push(readNode(c, `MgmtTree/Node[${nodes.length + 1}]`));
    else throw bad(`unknown element <${c.name}> in <MgmtTree>`);
  }
  if (!nodes.length) throw bad('<MgmtTree> describes no Node');
  return nodes;
}

function utf8Text(b: Uint8Array, what: string): string {
  if (!isValidUtf8(b)) throw bad(what + ' is not UTF-8');
  return utf8Decode(b);
}
