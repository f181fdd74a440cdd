// Public API of the SyncML message codec (brief, project issue 3): XML and WBXML in both directions, plus the
// generic converters the CLI uses (`dm-agent wbxml decode|encode`). Every failure is a WbxmlError or SyncmlError.

import type { SyncML } from './model.js';
import type { WbxmlElement } from '../wbxml/tree.js';
import { type DecodeLimits, resolveLimits } from '../wbxml/limits.js';
import { SYNCML12, type Language, languageByName } from '../wbxml/codepages.js';
import { utf8Decode } from '../bytes.js';
import { WbxmlError } from '../wbxml/errors.js';
import { decodeWbxmlDocument } from '../wbxml/decoder.js';
import { type WbxmlEncodeOptions, encodeWbxmlDocument } from '../wbxml/encoder.js';
import { SyncmlError } from './errors.js';
import { parseXmlTree } from './xml-read.js';
import { writeXml } from './xml-write.js';
import { writeXmlBytes } from './xml-write-bytes.js';
import { wbxmlToXmlDirect } from './wbxml-to-xml.js';
import { treeToModel } from './from-tree.js';
import { modelToTree } from './to-tree.js';
import { expandNestedDocuments } from './nested.js';

export type { SyncML } from './model.js';
export type { DecodeLimits } from '../wbxml/limits.js';
export type { WbxmlEncodeOptions } from '../wbxml/encoder.js';
export { SyncmlError } from './errors.js';
export { WbxmlError } from '../wbxml/errors.js';

export const MIME_WBXML = 'application/vnd.syncml.dm+wbxml';
export const MIME_XML = 'application/vnd.syncml.dm+xml';

/** Runs `f`, letting our typed errors through and wrapping anything else (a bug) so no other exception escapes. */
function guarded<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SyncmlError || e instanceof WbxmlError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new SyncmlError('internal', '', `${what} failed unexpectedly: ${msg}`);
  }
}

/** SyncML model -> XML text: `<SyncML xmlns="SYNCML:SYNCML1.2">`, MetInf children with `xmlns="syncml:metinf"`. */
export function encodeXml(msg: SyncML): string {
  return guarded('encodeXml', () => writeXml(modelToTree(msg), { lang: SYNCML12 }));
}

/** XML text -> SyncML model. Throws SyncmlError (syntax, limits, unknown/missing elements with their path). */
export function decodeXml(text: string, limits?: Partial<DecodeLimits>): SyncML {
  return guarded('decodeXml', () => treeToModel(parseXmlTree(text, limits).root));
}

/** SyncML model -> WBXML (default: WBXML 1.2, numeric public id 0x1201, UTF-8, no string table). */
export function encodeWbxml(msg: SyncML, opts?: WbxmlEncodeOptions): Uint8Array {
  return guarded('encodeWbxml', () => encodeWbxmlDocument(modelToTree(msg), SYNCML12, opts));
}

/** WBXML -> SyncML model. Accepts SyncML 1.0/1.1/1.2 public ids (numeric, string-table, unknown = 1.2). */
export function decodeWbxml(bytes: Uint8Array, limits?: Partial<DecodeLimits>): SyncML {
  return guarded('decodeWbxml', () => {
    const doc = decodeWbxmlDocument(bytes, limits);
    if (doc.root.name !== 'SyncML') {
      throw new SyncmlError('bad-root', doc.root.name, `WBXML document is a ${doc.language} <${doc.root.name}>, not a SyncML message`);
    }
    return treeToModel(doc.root);
  });
}

function looksLikeXml(bytes: Uint8Array): boolean {
  let i = 0;
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return i < bytes.length && bytes[i] === 0x3c; // '<'; a WBXML document starts with its version byte 0x00..0x03
}

/** Decodes an HTTP body by its Content-Type (`...+xml` / `...+wbxml`), sniffing the bytes when the type says neither. */
export function decodeMessage(bytes: Uint8Array, contentType: string, limits?: Partial<DecodeLimits>): SyncML {
  const ct = (contentType || '').toLowerCase().split(';')[0].trim();
  let xml: boolean;
  if (ct.endsWith('+wbxml') || ct === 'application/wbxml' || ct === 'application/vnd.wap.wbxml') xml = false;
  else if (ct.endsWith('+xml') || ct === 'text/xml' || ct === 'application/xml') xml = true;
  else xml = looksLikeXml(bytes);
  if (xml) {
    return guarded('decodeMessage', () => {
      const l = resolveLimits(limits);
      if (bytes.length > l.maxDocumentBytes) {
        throw new SyncmlError('too-large', '', `document of ${bytes.length} bytes exceeds the limit of ${l.maxDocumentBytes}`);
      }
      return decodeXml(utf8DecodeStripBom(bytes), limits);
    });
  }
  return decodeWbxml(bytes, limits);
}

function utf8DecodeStripBom(bytes: Uint8Array): string {
  const start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return utf8Decode(bytes, start);
}

/** The element tree wbxmlToXml prints: the decoded document with OPAQUE nested documents expanded. */
function treeForXml(bytes: Uint8Array, limits?: Partial<DecodeLimits>): { root: WbxmlElement; lang: Language | undefined } {
  const doc = decodeWbxmlDocument(bytes, limits);
  return { root: expandNestedDocuments(doc.root, limits), lang: languageByName(doc.language) };
}

/**
 * Any WBXML document of a known language (SyncML, MetInf, DevInf, DDF) -> XML text as libwbxml's `wbxml2xml -m 0`
 * prints it: XML declaration, DOCTYPE, compact body; OPAQUE that holds a nested WBXML document is expanded.
 * The text is the UTF-8 of wbxmlToXmlBytes (which holds valid UTF-8 only, so decoding it gives the same string the
 * tree writer would).
 */
export function wbxmlToXml(bytes: Uint8Array, limits?: Partial<DecodeLimits>): string {
  return guarded('wbxmlToXml', () => {
    const direct = wbxmlToXmlDirect(bytes, resolveLimits(limits));
    if (direct) return utf8Decode(direct);
    const t = treeForXml(bytes, limits);
    return writeXml(t.root, { lang: t.lang, prolog: true });
  });
}

/**
 * wbxmlToXml as UTF-8 bytes (what the CLI writes and libwbxml's wbxml2xml returns). A DM message of the usual shape
 * goes the one-pass way (src/syncml/wbxml-to-xml.ts); anything else, errors included, through the element tree.
 */
export function wbxmlToXmlBytes(bytes: Uint8Array, limits?: Partial<DecodeLimits>): Uint8Array {
  return guarded('wbxmlToXmlBytes', () => {
    const direct = wbxmlToXmlDirect(bytes, resolveLimits(limits));
    if (direct) return direct;
    const t = treeForXml(bytes, limits);
    return writeXmlBytes(t.root, { lang: t.lang, prolog: true });
  });
}

/** Any XML document of a known language -> WBXML (default 1.2, numeric public id when one exists, no string table). */
export function xmlToWbxml(text: string, opts?: WbxmlEncodeOptions): Uint8Array {
  return guarded('xmlToWbxml', () => {
    const tree = parseXmlTree(text);
    if (!tree.known) {
      throw new SyncmlError('bad-root', tree.root.name, `<${tree.root.name}> is not the root of a known WBXML language (SyncML, MetInf, DevInf, DM DDF)`);
    }
    return encodeWbxmlDocument(tree.root as WbxmlElement, tree.lang as Language, opts);
  });
}
