// OPAQUE data that holds a complete WBXML document (DDF or DevInf embedded in a SyncML Data, LIBWBXML.md:
// "DDF embedded in <Data> is encoded as an OPAQUE that holds a complete nested WBXML DDF document") is shown as
// the nested document's elements, as wbxml2xml does. Anything that does not decode cleanly stays OPAQUE.

import type { WbxmlElement, WbxmlNode } from '../wbxml/tree';
import type { DecodeLimits } from '../wbxml/limits';
import { decodeWbxmlDocument } from '../wbxml/decoder';
import { languageByName } from '../wbxml/codepages';

function tryNested(bytes: Uint8Array, limits?: Partial<DecodeLimits>): WbxmlElement | undefined {
  if (bytes.length < 5 || bytes[0] < 0x01 || bytes[0] > 0x03) return undefined;
  try {
    const doc = decodeWbxmlDocument(bytes, limits);
    if (doc.publicId === 0x01 && doc.publicIdText === undefined) return undefined;
    const lang = languageByName(doc.language);
    if (!lang) return undefined;
    const mark = (el: WbxmlElement) => {
      const p = lang.pages[el.page];
      if (p) el.ns = p.ns;
      for (const c of el.children) if ((c as WbxmlElement).children !== undefined) mark(c as WbxmlElement);
    };
    mark(doc.root);
    return doc.root;
  } catch (e) {
    return undefined;
  }
}

export function expandNestedDocuments(el: WbxmlElement, limits?: Partial<DecodeLimits>): WbxmlElement {
  for (let i = 0; i < el.children.length; i++) {
    const c: WbxmlNode = el.children[i];
    const o = c as { opaque?: Uint8Array };
    if ((c as WbxmlElement).children !== undefined) expandNestedDocuments(c as WbxmlElement, limits);
    else if (o.opaque !== undefined) {
      const nested = tryNested(o.opaque, limits);
      if (nested) el.children[i] = nested;
    }
  }
  return el;
}
