// SyncML XML mapping: the docs/protocol.md §1.13 package 1, element order (docs/protocol.md §1.2), namespaces in any form, Data rules
// (Generic Alert <Data/>, child elements kept as XML text, CDATA/edge whitespace), typed errors with paths, limits,
// and decodeMessage's choice by Content-Type.

import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './support/vectors.js';
import { MIME_WBXML, MIME_XML, SyncmlError, decodeMessage, decodeXml, encodeWbxml, encodeXml } from '../src/syncml/index.js';
import type { Alert, Exec, ItemCommand, Results, Status, SyncML } from '../src/syncml/model.js';
import { utf8Encode } from '../src/bytes.js';

function syncmlError(f: () => unknown): SyncmlError {
  try {
    f();
  } catch (e) {
    if (e instanceof SyncmlError) return e;
    throw new Error(`expected SyncmlError, got ${String(e)}`);
  }
  throw new Error('expected SyncmlError, nothing thrown');
}

const HDR =
  '<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>2</MsgID><Target><LocURI>IMEI:1</LocURI></Target><Source><LocURI>https://s/dm</LocURI></Source></SyncHdr>';
const wrap = (body: string, root = '<SyncML xmlns="SYNCML:SYNCML1.2">', end = '</SyncML>') => `${root}${HDR}<SyncBody>${body}</SyncBody>${end}`;

const digestPath = path.resolve(repoRoot, 'docs/protocol.md');
const haveDigest = existsSync(digestPath);
if (!haveDigest) console.log(`digest not found at ${digestPath}: skipping the docs/protocol.md §1.13 example test`);

describe.skipIf(!haveDigest)('docs/protocol.md §1.13 package 1', () => {
  const text = haveDigest ? readFileSync(digestPath, 'utf8') : '';
  const start = text.indexOf("```xml\n<SyncML xmlns='SYNCML:SYNCML1.2'>");
  const xml = text.slice(start + 7, text.indexOf('```', start + 7));

  it('decodes every field', () => {
    const m = decodeXml(xml);
    expect(m.hdr).toEqual({
      verDTD: '1.2',
      verProto: 'DM/1.2',
      sessionID: '2F1',
      msgID: '1',
      target: { locURI: 'https://dm.example.com/dm' },
      source: { locURI: 'IMEI:493005100592800', locName: 'devuser' },
      cred: { meta: { type: 'syncml:auth-md5', format: 'b64' }, data: 'Zz6EivR3yeaaENcRN6lpAQ==' },
      meta: { maxMsgSize: '16384' },
    });
    expect(m.body.map((c) => c.kind)).toEqual(['Alert', 'Replace', 'Alert']);
    expect((m.body[0] as Alert).data).toBe('1201');
    const replace = m.body[1] as ItemCommand;
    expect(replace.items).toHaveLength(5);
    expect(replace.items[0]).toEqual({ source: { locURI: './DevInfo/DevId' }, meta: { format: 'chr', type: 'text/plain' }, data: 'IMEI:493005100592800' });
    const generic = m.body[2] as Alert;
    expect(generic.data).toBe('1226');
    expect(generic.items[0].data).toBe('');
    expect(generic.items[0].meta).toEqual({ type: 'org.openmobilealliance.dm.firmwareupdate.devicerequest', format: 'chr' });
    expect(m.final).toBe(true);
  });

  it('re-encodes with the SyncML namespace, MetInf namespaces, DTD order and <Data/> for the empty Generic Alert data', () => {
    const out = encodeXml(decodeXml(xml));
    expect(out.startsWith('<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD>')).toBe(true);
    expect(out).toContain('<Cred><Meta><Format xmlns="syncml:metinf">b64</Format><Type xmlns="syncml:metinf">syncml:auth-md5</Type></Meta>');
    expect(out).toContain('</Meta><Data/></Item></Alert><Final/></SyncBody></SyncML>');
    expect(decodeXml(out)).toEqual(decodeXml(xml));
  });
});

describe('element order and optional elements', () => {
  it('accepts Alert Correlator before Data and emits Data then Correlator', () => {
    const m = decodeXml(wrap('<Alert><CmdID>3</CmdID><Correlator>abc</Correlator><Data>1226</Data></Alert>'));
    expect(m.body[0]).toEqual({ kind: 'Alert', cmdID: '3', data: '1226', correlator: 'abc', items: [] });
    expect(encodeXml(m)).toContain('<Alert><CmdID>3</CmdID><Data>1226</Data><Correlator>abc</Correlator></Alert>');
  });

  it('emits Status children in DTD order whatever the input order', () => {
    const m = decodeXml(wrap('<Status><Data>200</Data><Cmd>Get</Cmd><CmdRef>4</CmdRef><MsgRef>1</MsgRef><CmdID>1</CmdID><TargetRef>./a</TargetRef></Status>'));
    const s = m.body[0] as Status;
    expect(s).toEqual({ kind: 'Status', cmdID: '1', msgRef: '1', cmdRef: '4', cmd: 'Get', targetRefs: ['./a'], sourceRefs: [], data: '200', items: [] });
    expect(encodeXml(m)).toContain('<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>4</CmdRef><Cmd>Get</Cmd><TargetRef>./a</TargetRef><Data>200</Data></Status>');
  });

  it('keeps Generic Alert data "" as <Data/> and leaves undefined data out', () => {
    const m = decodeXml(wrap('<Alert><CmdID>3</CmdID><Data>1226</Data><Item><Data/></Item></Alert>'));
    const a = m.body[0] as Alert;
    expect(a.items[0].data).toBe('');
    expect(encodeXml(m)).toContain('<Item><Data/></Item>');
    delete a.items[0].data;
    expect(encodeXml(m)).toContain('<Item/>');
  });

  it('maps Exec, Atomic/Sequence nesting, Results, Chal, MoreData, Mem, Anchor, EMI and flags', () => {
    const body =
      '<Atomic><CmdID>2</CmdID><NoResp/><Sequence><CmdID>3</CmdID><Exec><CmdID>4</CmdID><Correlator>c1</Correlator><Item><Target><LocURI>./FUMO/1/Update</LocURI></Target></Item></Exec></Sequence></Atomic>' +
      '<Results><CmdID>5</CmdID><MsgRef>1</MsgRef><CmdRef>4</CmdRef><Meta><Format xmlns="syncml:metinf">int</Format></Meta><Item><Source><LocURI>./x</LocURI></Source><Data>5</Data><MoreData/></Item></Results>' +
      '<Status><CmdID>6</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Chal><Meta><Type xmlns="syncml:metinf">syncml:auth-md5</Type><NextNonce xmlns="syncml:metinf">Tm9uY2U=</NextNonce></Meta></Chal><Data>407</Data></Status>' +
      '<Replace><CmdID>7</CmdID><Meta><Anchor xmlns="syncml:metinf"><Last>1</Last><Next>2</Next></Anchor><EMI xmlns="syncml:metinf">a</EMI><EMI xmlns="syncml:metinf">b</EMI><Mem xmlns="syncml:metinf"><SharedMem/><FreeMem>10</FreeMem><FreeID>3</FreeID></Mem><FieldLevel xmlns="syncml:metinf"/></Meta><Item><Data>x</Data></Item></Replace>';
    const m = decodeXml(wrap(body));
    const atomic = m.body[0] as { commands: { commands: Exec[] }[]; noResp?: boolean };
    expect(atomic.noResp).toBe(true);
    expect(atomic.commands[0].commands[0].correlator).toBe('c1');
    const results = m.body[1] as Results;
    expect(results.items[0].moreData).toBe(true);
    expect(results.meta).toEqual({ format: 'int' });
    expect((m.body[2] as Status).chal).toEqual({ meta: { type: 'syncml:auth-md5', nextNonce: 'Tm9uY2U=' } });
    expect((m.body[3] as ItemCommand).meta).toEqual({
      anchor: { last: '1', next: '2' },
      emi: ['a', 'b'],
      mem: { sharedMem: true, freeMem: '10', freeID: '3' },
      fieldLevel: true,
    });
    expect(decodeXml(encodeXml(m))).toEqual(m);
  });
});

describe('namespaces, text and Data content', () => {
  it('accepts prefixed SyncML, prefixed MetInf and MetInf without namespace', () => {
    const a = decodeXml(
      wrap('<s:Get><s:CmdID>2</s:CmdID><s:Meta><m:Type xmlns:m="syncml:metinf">text/plain</m:Type><Format>chr</Format></s:Meta></s:Get>', '<s:SyncML xmlns:s="SYNCML:SYNCML1.2">', '</s:SyncML>').replace(
        HDR,
        HDR.replace(/<(\/?)/g, '<$1s:'),
      ),
    );
    expect(a.body[0]).toEqual({ kind: 'Get', cmdID: '2', meta: { type: 'text/plain', format: 'chr' }, items: [] });
  });

  it('decodes entities and CDATA, trims plain text, keeps CDATA edges, and round-trips edge whitespace as references', () => {
    const m = decodeXml(wrap('<Replace><CmdID>\n 2 \n</CmdID><Item><Target><LocURI> ./a&amp;b&#47;&#x63; </LocURI></Target><Data><![CDATA[ <raw> ]]></Data></Item></Replace>'));
    const r = m.body[0] as ItemCommand;
    expect(r.cmdID).toBe('2');
    expect(r.items[0].target).toEqual({ locURI: './a&b/c' });
    expect(r.items[0].data).toBe(' <raw> ');
    const out = encodeXml(m);
    expect(out).toContain('<LocURI>./a&amp;b/c</LocURI>');
    expect(out).toContain('<Data>&#32;&lt;raw&gt;&#32;</Data>');
    expect(decodeXml(out)).toEqual(m);
    r.items[0].data = 'a]]>b\r\n';
    expect(decodeXml(encodeXml(m))).toEqual(m);
  });

  it('keeps Data that holds elements (SCOMO <ResultCode>, embedded DDF) as the raw XML text of its content', () => {
    const m = decodeXml(wrap('<Alert><CmdID>3</CmdID><Data>1226</Data><Item><Data><ResultCode>1200</ResultCode><Identifier>pkg1</Identifier></Data></Item></Alert>'));
    expect((m.body[0] as Alert).items[0].data).toBe('<ResultCode>1200</ResultCode><Identifier>pkg1</Identifier>');
    const ddf = decodeXml(wrap('<Add><CmdID>3</CmdID><Item><Data><MgmtTree xmlns="syncml:dmddf1.2"><VerDTD>1.2</VerDTD></MgmtTree></Data></Item></Add>'));
    expect((ddf.body[0] as ItemCommand).items[0].data).toBe('<MgmtTree xmlns="syncml:dmddf1.2"><VerDTD>1.2</VerDTD></MgmtTree>');
    expect(decodeXml(encodeXml(ddf))).toEqual(ddf);
  });

  it('writes binary Data as base64 in XML (docs/protocol.md §1.10: binary over XML is b64)', () => {
    const m = decodeXml(wrap('<Replace><CmdID>2</CmdID><Item><Data>x</Data></Item></Replace>'));
    (m.body[0] as ItemCommand).items[0].data = Uint8Array.from([0xff, 0xfe]);
    expect(encodeXml(m)).toContain('<Data>//4=</Data>');
  });
});

describe('typed errors naming the element path', () => {
  it.each([
    ['unknown element', wrap('<Alert><CmdID>1</CmdID><Foo/></Alert>'), 'unknown-element', 'SyncML/SyncBody/Alert/Foo'],
    ['DS command', wrap('<Sync><CmdID>1</CmdID></Sync>'), 'unknown-element', 'SyncML/SyncBody/Sync'],
    ['missing CmdID', wrap('<Get><Item/></Get>'), 'missing-element', 'SyncML/SyncBody/Get/CmdID'],
    ['missing Status Data', wrap('<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd></Status>'), 'missing-element', 'SyncML/SyncBody/Status/Data'],
    ['duplicate CmdID', wrap('<Get><CmdID>1</CmdID><CmdID>2</CmdID></Get>'), 'duplicate-element', 'SyncML/SyncBody/Get/CmdID'],
    ['element inside a leaf', wrap('<Get><CmdID><b/></CmdID></Get>'), 'unexpected-content', 'SyncML/SyncBody/Get/CmdID/b'],
    ['text in a container', wrap('<Get>hello<CmdID>1</CmdID></Get>'), 'unexpected-content', 'SyncML/SyncBody/Get'],
    ['fragment root', '<Alert><CmdID>1</CmdID></Alert>', 'bad-root', 'Alert'],
    ['missing SyncHdr', '<SyncML><SyncBody/></SyncML>', 'missing-element', 'SyncML/SyncHdr'],
    ['not well-formed (raw &)', wrap('<Alert><CmdID>1</CmdID><Item><Data>MAXDT=15&DR=1</Data></Item></Alert>'), 'xml-syntax', ''],
    ['unclosed tag', '<SyncML><SyncHdr>', 'xml-syntax', ''],
    ['empty text', '', 'xml-syntax', ''],
  ])('%s', (_name, xml, code, p) => {
    const e = syncmlError(() => decodeXml(xml));
    expect(e.code).toBe(code);
    expect(e.path).toBe(p);
    if (p) expect(e.message).toContain(p);
  });

  it('enforces the limits (size, depth, element count)', () => {
    const xml = wrap('<Get><CmdID>1</CmdID></Get>');
    expect(syncmlError(() => decodeXml(xml, { maxDocumentBytes: 20 })).code).toBe('too-large');
    expect(syncmlError(() => decodeXml(xml, { maxDepth: 3 })).code).toBe('too-deep');
    expect(syncmlError(() => decodeXml(xml, { maxElements: 5 })).code).toBe('too-many-elements');
    const deep = '<SyncML>' + '<a>'.repeat(5000) + '</a>'.repeat(5000) + '</SyncML>';
    expect(syncmlError(() => decodeXml(deep)).code).toBe('too-deep');
  });
});

describe('decodeMessage', () => {
  const xml = wrap('<Get><CmdID>1</CmdID></Get><Final/>');
  const model: SyncML = decodeXml(xml);
  it('chooses the codec by Content-Type and sniffs when the type is unknown', () => {
    expect(decodeMessage(utf8Encode(xml), MIME_XML)).toEqual(model);
    expect(decodeMessage(utf8Encode(xml), 'application/vnd.syncml.dm+xml; charset=utf-8')).toEqual(model);
    expect(decodeMessage(encodeWbxml(model), MIME_WBXML)).toEqual(model);
    expect(decodeMessage(encodeWbxml(model), 'application/octet-stream')).toEqual(model);
    expect(decodeMessage(utf8Encode('\ufeff  ' + xml), '')).toEqual(model);
    expect(decodeXml('\ufeff' + xml)).toEqual(model);
  });

  it('reports a body that does not match its Content-Type as a typed error', () => {
    expect(() => decodeMessage(utf8Encode(xml), MIME_WBXML)).toThrow(/WBXML bad-version at byte 0/);
    expect(() => decodeMessage(encodeWbxml(model), MIME_XML)).toThrow(SyncmlError);
  });
});
