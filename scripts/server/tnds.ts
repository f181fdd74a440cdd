// The `tnds` scenario: a server working on whole subtrees with TNDS objects (OMA-TS-DM_TND-V1_2 TNDS: DM commands with TNDS data), as real DM
// servers do. Package 1: Get ./DevInfo?list=TNDS+Format+Type+Value (XML form) and Add of a TNDS object that creates
// ./TndsDemo with leaves of three Formats. Package 2: Get ./TndsDemo?list=TNDS+Value asking for the WBXML form (Meta
// Type application/vnd.syncml.dmtnds+wbxml), an Add of a bad TNDS object (one good node, then an int that is not one:
// the client must refuse it, 400, and keep nothing of it), and Get ./TndsDemo?list=Struct to show what is stored.
import type { Command, ItemCommand } from '../../src/syncml/model.js';
import { get } from './commands.js';
import type { Scenario } from './types.js';

export const TNDS_XML_TYPE = 'application/vnd.syncml.dmtnds+xml';
export const TNDS_WBXML_TYPE = 'application/vnd.syncml.dmtnds+wbxml';

/** The object package 1 adds at ./TndsDemo (the node itself, with a Path-less top-level Node of the same name). */
export const TNDS_DEMO = [
  '<MgmtTree xmlns="syncml:dmddf1.2"><VerDTD>1.2</VerDTD>',
  '<Node><NodeName>TndsDemo</NodeName><RTProperties><Format><node/></Format><Type><DDFName>urn:x-example:mo:demo:1.0</DDFName></Type></RTProperties>',
  '<Node><NodeName>Name</NodeName><RTProperties><Format><chr/></Format><Type><MIME>text/plain</MIME></Type></RTProperties><Value>gateway &amp; co</Value></Node>',
  '<Node><NodeName>Count</NodeName><RTProperties><Format><int/></Format></RTProperties><Value>42</Value></Node>',
  '<Node><NodeName>Sub</NodeName><Node><NodeName>Flag</NodeName><RTProperties><Format><bool/></Format></RTProperties><Value>true</Value></Node></Node>',
  '</Node></MgmtTree>',
].join('');

/** Package 2's bad object: Good would be fine, Bad's int Value is not an integer. */
export const TNDS_BAD = [
  '<MgmtTree xmlns="syncml:dmddf1.2"><VerDTD>1.2</VerDTD>',
  '<Node><NodeName>Good</NodeName><Value>kept?</Value></Node>',
  '<Node><NodeName>Bad</NodeName><RTProperties><Format><int/></Format></RTProperties><Value>forty-two</Value></Node>',
  '</MgmtTree>',
].join('');

function addTnds(target: string, data: string): ItemCommand {
  return { kind: 'Add', cmdID: '', items: [{ target: { locURI: target }, meta: { format: 'xml', type: TNDS_XML_TYPE }, data }] };
}

export const tndsScenario: Scenario = {
  name: 'tnds',
  next(ctx): Command[] {
    if (ctx.step === 0) return [get('./DevInfo?list=TNDS+Format+Type+Value'), addTnds('./TndsDemo', TNDS_DEMO)];
    if (ctx.step === 1) {
      const wbxml = get('./TndsDemo?list=TNDS+Value');
      wbxml.items[0].meta = { type: TNDS_WBXML_TYPE };
      return [wbxml, addTnds('./TndsDemo', TNDS_BAD), get('./TndsDemo?list=Struct')];
    }
    return [];
  },
};
