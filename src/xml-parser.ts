// The one part of fast-xml-parser 4.5.7 the agent uses, its XML parser (for OMA DL download descriptors,
// src/update/descriptor.ts), imported from its own module: the package's entry also loads its XML builder and
// validator, which nothing here uses and which would otherwise be in every bundle (a CommonJS module is not
// tree-shaken). SyncML messages have their own reader (src/syncml/xml-read.ts). Types come from the package's own
// declarations.
import type { XMLParser as XMLParserType } from 'fast-xml-parser';
// @ts-expect-error the deep module has no declaration file of its own (typed below from the package's)
import XMLParserImpl from 'fast-xml-parser/src/xmlparser/XMLParser.js';

export const XMLParser = XMLParserImpl as unknown as typeof XMLParserType;
