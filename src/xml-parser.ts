// The two parts of fast-xml-parser 4.5.7 the agent uses (the XML parser and its validator), imported from their own
// modules: the package's entry also loads its XML builder, which nothing here uses and which would otherwise be in
// every bundle (a CommonJS module is not tree-shaken). Types come from the package's own declarations.
import type { XMLParser as XMLParserType, XMLValidator as XMLValidatorType } from 'fast-xml-parser';
// @ts-expect-error the deep module has no declaration file of its own (typed below from the package's)
import XMLParserImpl from 'fast-xml-parser/src/xmlparser/XMLParser.js';
// @ts-expect-error the same
import validatorImpl from 'fast-xml-parser/src/validator.js';

export const XMLParser = XMLParserImpl as unknown as typeof XMLParserType;
export const XMLValidator = validatorImpl as unknown as typeof XMLValidatorType;
