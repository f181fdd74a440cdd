// The generic element tree shared by the WBXML codec and the XML reader/writer (WAP-192 §5.8: a WBXML body is a
// tree of tags, inline/table strings, entities and opaque data). `page` is the WBXML code page the tag lives on;
// in XML it stands for the element's namespace (docs/protocol.md §2.2: page 0 SyncML, 1 MetInf, 2 DDF).

export interface WbxmlAttr {
  name: string;
  value: string;
}

export interface WbxmlElement {
  name: string;
  page: number;
  /** Namespace URI when it is not one of the language's code pages (XML input only, e.g. an unknown vendor ns). */
  ns?: string;
  attrs?: WbxmlAttr[];
  children: WbxmlNode[];
}

export interface WbxmlText {
  text: string;
  /** Came from (or should go to) an XML CDATA section; WBXML ignores it. */
  cdata?: boolean;
}

export interface WbxmlOpaque {
  opaque: Uint8Array;
}

export type WbxmlNode = WbxmlElement | WbxmlText | WbxmlOpaque;

export function isElement(n: WbxmlNode): n is WbxmlElement {
  return (n as WbxmlElement).children !== undefined;
}

export function isText(n: WbxmlNode): n is WbxmlText {
  return (n as WbxmlText).text !== undefined;
}

export function isOpaque(n: WbxmlNode): n is WbxmlOpaque {
  return (n as WbxmlOpaque).opaque !== undefined;
}

/** A decoded WBXML document: header fields as found on the wire, plus the body root. */
export interface WbxmlDocument {
  /** Version byte: 0x00 = 1.0 ... 0x03 = 1.3 (docs/protocol.md §2.1). */
  version: number;
  /** Numeric public id; 0 when the id was given as a string-table reference. */
  publicId: number;
  /** The textual FPI when the header referenced the string table. */
  publicIdText?: string;
  /** IANA MIBenum (106 = UTF-8). */
  charset: number;
  /** Name of the language (code-page set) the body was decoded with, e.g. `SYNCML12`. */
  language: string;
  root: WbxmlElement;
}
