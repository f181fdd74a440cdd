// OPAQUE data that holds a complete WBXML document (DDF or DevInf embedded in a SyncML Data, LIBWBXML.md:
// "DDF embedded in <Data> is encoded as an OPAQUE that holds a complete nested WBXML DDF document") is shown as
// the nested document's elements, as wbxml2xml does. Anything that does not decode cleanly stays OPAQUE.

import type { WbxmlElement, WbxmlNode } from '../wbxml/tree.js';
import type { DecodeLimits } from '../wbxml/limits.js';
import { decodeWbxmlDocument } from '../wbxml/decoder.js';
import { languageByName } from '../wbxml/codepages.js';

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

/** True when `el` had an OPAQUE child replaced by a nested document. */
function expandIn(el: WbxmlElement, limits?: Partial<DecodeLimits>): boolean {
  let expanded = false;
  for (let i = 0; i < el.children.length; i++) {
    const c: WbxmlNode = el.children[i];
    const o = c as { opaque?: Uint8Array };
    if ((c as WbxmlElement).children !== undefined) {
      const child = c as WbxmlElement;
      if (expandIn(child, limits) && child.name === 'Data') retypeAsXml(el);
    } else if (o.opaque !== undefined) {
      const nested = tryNested(o.opaque, limits);
      if (nested) {
        el.children[i] = nested;
        expanded = true;
      }
    }
  }
  if (expanded) {
    // Whitespace beside the nested document (libwbxml encodes it as a second OPAQUE) is layout, and wbxml2xml drops it.
    el.children = el.children.filter((c) => {
      const o = c as { opaque?: Uint8Array; text?: string };
      if (o.opaque !== undefined) return !isBlankBytes(o.opaque);
      if (o.text !== undefined) return !/^[ \t\r\n]*$/.test(o.text);
      return true;
    });
  }
  return expanded;
}

function isBlankBytes(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0x20 && b[i] !== 0x09 && b[i] !== 0x0a && b[i] !== 0x0d) return false;
  return true;
}

/**
 * The Item whose Data now shows XML: its Meta Type `...+wbxml` becomes `...+xml`, as wbxml2xml prints it (e.g.
 * application/vnd.syncml.dmtnds+wbxml -> +xml), so the printed document is consistent with its content.
 */
function retypeAsXml(item: WbxmlElement): void {
  for (const m of item.children) {
    const meta = m as WbxmlElement;
    if (meta.children === undefined || meta.name !== 'Meta') continue;
    for (const t of meta.children) {
      const type = t as WbxmlElement;
      if (type.children === undefined || type.name !== 'Type' || type.children.length !== 1) continue;
      const txt = type.children[0] as { text?: string };
      if (txt.text !== undefined && /\+wbxml$/.test(txt.text)) txt.text = txt.text.slice(0, -6) + '+xml';
    }
  }
}

export function expandNestedDocuments(el: WbxmlElement, limits?: Partial<DecodeLimits>): WbxmlElement {
  expandIn(el, limits);
  return el;
}
