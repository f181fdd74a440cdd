// TNDS on the DM tree (OMA-TS-DM_TND-V1_2 TNDS chapter, docs/protocol.md §1.12; issue 20 item 6): Get ?list=TNDS with the properties asked for, in
// the XML and the WBXML form, leaving out what the server may not Get; Add/Replace with a TNDS object applying every
// node as a plain command, all or nothing, and a bad object refused with a status that says what was wrong.
import { describe, expect, it } from 'vitest';
import { CommandExecutor } from '../src/dm/executor.js';
import { installStandardObjects, storeNonce } from '../src/mo/index.js';
import type { Item, ItemCommand, Results, Status } from '../src/syncml/model.js';
import { DmTree } from '../src/tree/dm-tree.js';
import { createLivePlugin } from '../src/tree/live-plugin.js';
import { parseTnds, TNDS_WBXML, TNDS_XML, tndsToXml } from '../src/tree/tnds.js';

const A = { serverId: 'srvA' };
const B = { serverId: 'srvB' };
const OPEN = 'Add=*&Get=*&Replace=*&Delete=*&Exec=*';
const NOW = Date.UTC(2026, 10, 22, 4, 21, 0);

function makeTree(logs?: string[]): DmTree {
  const log = logs ? { log: (level: string, msg: string, f?: Record<string, unknown>) => logs.push(`${level} ${msg} ${JSON.stringify(f)}`) } : undefined;
  const t = new DmTree({ now: () => NOW, log: log as never });
  t.ensureInterior('./Vendor', { acl: OPEN, type: 'urn:x:vendor' });
  t.setValue('./Vendor/Name', { format: 'chr', data: 'a&b<c' });
  t.setValue('./Vendor/Count', { format: 'int', data: '7' });
  return t;
}

const tnds = (xml: string) => ({ format: 'xml', type: TNDS_XML, data: xml });
const doc = (nodes: string) => `<MgmtTree xmlns="syncml:dmddf1.2"><VerDTD>1.2</VerDTD>${nodes}</MgmtTree>`;
const leaf = (name: string, value: string, format = 'chr') =>
  `<Node><NodeName>${name}</NodeName><RTProperties><Format><${format}/></Format></RTProperties><Value>${value}</Value></Node>`;

async function struct(t: DmTree, uri: string): Promise<Array<[string, unknown]>> {
  return (await t.get(uri + '?list=StructData', A)).items.map((i) => [i.uri, i.data]);
}

describe('Get ?list=TNDS', () => {
  it('answers one Results item: the MgmtTree of the node and its descendants, XML, Type dmtnds+xml', async () => {
    const t = makeTree();
    const r = await t.get('./Vendor?list=TNDS+Format+Type+Value+ACL', A);
    expect(r.status).toBe(200);
    expect(r.items).toEqual([
      {
        uri: './Vendor?list=TNDS+Format+Type+Value+ACL',
        format: 'xml',
        type: TNDS_XML,
        data:
          '<MgmtTree xmlns="syncml:dmddf1.2"><VerDTD>1.2</VerDTD>' +
          '<Node><NodeName>Vendor</NodeName><Path>.</Path><RTProperties><ACL>Add=*&amp;Get=*&amp;Replace=*&amp;Delete=*&amp;Exec=*</ACL>' +
          '<Format><node/></Format><Type><DDFName>urn:x:vendor</DDFName></Type></RTProperties>' +
          '<Node><NodeName>Name</NodeName><RTProperties><Format><chr/></Format><Type><MIME>text/plain</MIME></Type></RTProperties><Value>a&amp;b&lt;c</Value></Node>' +
          '<Node><NodeName>Count</NodeName><RTProperties><Format><int/></Format><Type><MIME>text/plain</MIME></Type></RTProperties><Value>7</Value></Node>' +
          '</Node></MgmtTree>',
      },
    ]);
  });

  it('gives the properties asked for: +Name only those, -Name all but those, none at all every one', async () => {
    const t = makeTree();
    const top = async (q: string) => parseTnds((await t.get('./Vendor/Count?list=' + q, A)).items[0].data, TNDS_XML, {})[0];
    expect(await top('TNDS+Value')).toEqual({ name: 'Count', path: './Vendor', value: '7', children: [] });
    expect(await top('TNDS+Size+VerNo+TStamp')).toEqual({ name: 'Count', path: './Vendor', size: '1', verNo: '1', tstamp: '20261122T042100Z', children: [] });
    expect(await top('TNDS-Value-TStamp-VerNo-Size')).toEqual({ name: 'Count', path: './Vendor', format: 'int', type: 'text/plain', children: [] });
    expect(await top('TNDS')).toEqual({ name: 'Count', path: './Vendor', format: 'int', type: 'text/plain', size: '1', tstamp: '20261122T042100Z', verNo: '1', value: '7', children: [] });
    expect((await t.get('./Vendor?list=TNDS+Colour', A)).status).toBe(406);
    expect((await t.get('./Vendor?list=TNDS+Value-ACL', A)).status).toBe(400);
  });

  it('leaves out nodes this server may not Get; their readable descendants come as top-level Nodes with a full Path', async () => {
    const t = makeTree();
    t.ensureInterior('./Vendor/Secret', { acl: 'Get=srvB' });
    t.setValue('./Vendor/Secret/Key', { data: 'k' });
    t.setValue('./Vendor/Secret/Open', { data: 'o' }, { acl: 'Get=*' });
    const nodes = parseTnds((await t.get('./Vendor?list=TNDS+Value', A)).items[0].data, TNDS_XML, {});
    expect(nodes.map((n) => [n.name, n.path, n.children.map((c) => c.name)])).toEqual([
      ['Vendor', '.', ['Name', 'Count']],
      ['Open', './Vendor/Secret', []],
    ]);
    const forB = parseTnds((await t.get('./Vendor?list=TNDS+Value', B)).items[0].data, TNDS_XML, {});
    expect(forB[0].children.map((c) => c.name)).toEqual(['Name', 'Count', 'Secret']);
    expect((await t.get('./Vendor/Secret?list=TNDS', A)).status).toBe(425);
  });

  it('for the root gives its children as top-level Nodes placed at "."; plugin nodes are read like static ones', async () => {
    const t = makeTree();
    t.mount('./DevInfo', createLivePlugin({ type: 'urn:oma:mo:oma-dm-devinfo:1.0', children: { Man: { read: () => ({ format: 'chr', data: 'Acme' }) } } }));
    const nodes = parseTnds((await t.get('.?list=TNDS+Format+Value', A)).items[0].data, TNDS_XML, {});
    expect(nodes.map((n) => [n.name, n.path])).toEqual([
      ['Vendor', '.'],
      ['DevInfo', '.'],
    ]);
    expect(nodes[1].children).toEqual([{ name: 'Man', format: 'chr', value: 'Acme', children: [] }]);
  });

  it('carries no secret: DMAcc AAuthSecret and AAuthData (no Get) are listed without Value or Size (docs/robustness.md)', async () => {
    const t = new DmTree();
    const config = { server: { url: 'https://dm.example.com/dm', id: 'srv', clientAuth: { type: 'md5' as const, name: 'gw', secret: 'S3cret-pw' }, serverAuth: { type: 'basic' as const, name: 'srv', secret: 'Srv-S3cret' } } };
    const facts = { devId: 'IMEI:1', manufacturer: 'Acme', model: 'GW', oem: 'Acme', devType: 'gateway', firmwareVersion: '1', softwareVersion: '1', hardwareVersion: 'B', lang: 'en' };
    await installStandardObjects(t, { read: async () => facts }, config, { devInfo: { dmVersion: 'dm-agent' } });
    await storeNonce(t, 'srv', 'CLCRED', new Uint8Array([0x4e, 0x6f, 0x6e, 0x63, 0x65]));
    const srv = { serverId: 'srv' };
    for (const q of ['TNDS', 'TNDS+Value+Size']) {
      for (const form of [undefined, TNDS_WBXML]) {
        const r = await t.get('./DMAcc?list=' + q, srv, form);
        expect(r.status).toBe(200);
        const text = parseTnds(r.items[0].data, form || TNDS_XML, {});
        const json = JSON.stringify(text);
        expect(json).toContain('AAuthSecret');
        expect(json).not.toMatch(/S3cret|Tm9uY2U|Nonce/);
      }
    }
  });

  it('writes binary values base64 with Format b64, even when only Value was asked for', async () => {
    const t = makeTree();
    t.setValue('./Vendor/Blob', { format: 'bin', data: new Uint8Array([0, 1, 255]) });
    const [n] = parseTnds((await t.get('./Vendor/Blob?list=TNDS+Value', A)).items[0].data, TNDS_XML, {});
    expect(n).toEqual({ name: 'Blob', path: './Vendor', format: 'b64', value: 'AAH/', children: [] });
  });

  it('answers the WBXML form (DM DDF 1.2 code page, FPI in the string table) when the Get asks for +wbxml', async () => {
    const t = makeTree();
    const x = (await t.get('./Vendor?list=TNDS+Format+Value', A)).items[0];
    const w = (await t.get('./Vendor?list=TNDS+Format+Value', A, TNDS_WBXML)).items[0];
    expect([w.format, w.type]).toEqual(['bin', TNDS_WBXML]);
    const bytes = w.data as Uint8Array;
    const fpi = '-//OMA//DTD-DM-DDF 1.2//EN';
    // version 1.2, public id in the string table (0 0), UTF-8, table length, FPI, then SWITCH_PAGE 2 and MgmtTree|content.
    expect(Array.from(bytes.subarray(0, 5))).toEqual([0x02, 0x00, 0x00, 0x6a, fpi.length + 1]);
    expect(String.fromCharCode(...bytes.subarray(5, 5 + fpi.length))).toBe(fpi);
    expect(Array.from(bytes.subarray(6 + fpi.length, 9 + fpi.length))).toEqual([0x00, 0x02, 0x60]);
    expect(parseTnds(w.data, TNDS_WBXML, {})).toEqual(parseTnds(x.data, TNDS_XML, {}));
  });

  it('the executor passes the Get item Meta Type, so a server gets the form it asked for', async () => {
    const t = makeTree();
    const ex = new CommandExecutor(t, { handle: async () => ({ code: 200, items: [], skipRest: false }) });
    let n = 0;
    const get: ItemCommand = { kind: 'Get', cmdID: '3', items: [{ target: { locURI: './Vendor?list=TNDS+Value' }, meta: { type: TNDS_WBXML } }] };
    const out = await ex.run([get], { msgRef: '2', access: A, nextCmdId: () => String(++n) });
    expect((out.replies[0] as Status).data).toBe('200');
    const item = (out.replies[1] as Results).items[0] as Item;
    expect(item.meta).toEqual({ format: 'bin', type: TNDS_WBXML });
    expect(item.data).toBeInstanceOf(Uint8Array);
  });
});

describe('Add with a TNDS object', () => {
  it('creates the subtree below an existing target (the Add example of OMA-TS-DM_TND-V1_2 TNDS)', async () => {
    const t = makeTree();
    const xml = doc(
      '<Node><NodeName>E-Mail</NodeName><RTProperties><Format><node/></Format><Type><DDFName>com.operatorX.dm/1.0/EMail</DDFName></Type></RTProperties>' +
        '<Node><NodeName>POP3</NodeName>' +
        '<Node><NodeName>POPServer</NodeName><RTProperties><Format><chr/></Format><Type><MIME>text/plain</MIME></Type></RTProperties><Value>mail.Operatorx.com</Value></Node>' +
        '<Node><NodeName>Port</NodeName><RTProperties><Format><int/></Format></RTProperties><Value>110</Value></Node>' +
        '</Node></Node>',
    );
    expect(await t.add('./Vendor', tnds(xml), A)).toBe(200);
    expect(await struct(t, './Vendor/E-Mail')).toEqual([
      ['./Vendor/E-Mail', undefined],
      ['./Vendor/E-Mail/POP3', undefined],
      ['./Vendor/E-Mail/POP3/POPServer', 'mail.Operatorx.com'],
      ['./Vendor/E-Mail/POP3/Port', '110'],
    ]);
    expect((await t.get('./Vendor/E-Mail?prop=Type', A)).items[0].data).toBe('com.operatorX.dm/1.0/EMail');
    expect((await t.get('./Vendor/E-Mail/POP3/Port?prop=Format', A)).items[0].data).toBe('int');
  });

  it('creates the target itself when the top Node carries its name; Path places a Node by full URI; b64 becomes bin', async () => {
    const t = makeTree();
    const xml = doc(
      '<Node><NodeName>Acc</NodeName><Node><NodeName>User</NodeName><Value>u</Value></Node></Node>' +
        '<Node><NodeName>Key</NodeName><Path>./Vendor/Acc</Path><RTProperties><Format><b64/></Format></RTProperties><Value>AAH/</Value></Node>',
    );
    expect(await t.add('./Vendor/Acc', tnds(xml), A)).toBe(200);
    expect(await struct(t, './Vendor/Acc')).toEqual([
      ['./Vendor/Acc', undefined],
      ['./Vendor/Acc/User', 'u'],
      ['./Vendor/Acc/Key', new Uint8Array([0, 1, 255])],
    ]);
  });

  it('reads the WBXML form (OPAQUE bytes, or text when they were valid UTF-8)', async () => {
    const t = makeTree();
    const src = makeTree();
    src.setValue('./Vendor/Sub/Deep', { format: 'bool', data: 'true' });
    const w = (await src.get('./Vendor/Sub?list=TNDS+Format+Value', A, TNDS_WBXML)).items[0].data as Uint8Array;
    expect(await t.add('./Vendor/Sub', { format: 'bin', type: TNDS_WBXML, data: w }, A)).toBe(200);
    expect(await struct(t, './Vendor/Sub')).toEqual([
      ['./Vendor/Sub', undefined],
      ['./Vendor/Sub/Deep', 'true'],
    ]);
    const t2 = makeTree();
    expect(await t2.add('./Vendor/Sub', { format: 'bin', type: TNDS_WBXML, data: String.fromCharCode(...w) }, A)).toBe(200);
    // Media types compare without case and parameters.
    const t3 = makeTree();
    expect(await t3.add('./Vendor/Sub', { format: 'bin', type: ' Application/VND.syncml.dmtnds+WBXML; x=1', data: w }, A)).toBe(200);
    expect(await t3.exists('./Vendor/Sub/Deep')).toBe(true);
  });

  it('is all or nothing: a node already there (418), a refused ACL (425) or a bad value (400) leaves nothing behind', async () => {
    const logs: string[] = [];
    const t = makeTree(logs);
    const before = await struct(t, './Vendor');
    const cases: Array<[string, string, number, RegExp]> = [
      ['./Vendor', leaf('New', 'x') + leaf('Name', 'again'), 418, /\.\/Vendor\/Name already exists/],
      ['./Vendor', leaf('New', 'x') + leaf('Bad', 'seven', 'int'), 400, /Node\[2\] \(\.\/Vendor\/Bad\): Format int data .*seven.* is not an integer/],
      ['./Vendor', '<Node><NodeName>New</NodeName><RTProperties><ACL>Get=*</ACL></RTProperties><Value>v</Value></Node>', 0, /x/],
    ];
    for (const [target, nodes, status, why] of cases.slice(0, 2)) {
      logs.length = 0;
      expect(await t.add(target, tnds(doc(nodes)), A)).toBe(status);
      expect(logs.join('\n')).toMatch(why);
      expect(await struct(t, './Vendor')).toEqual(before);
    }
    // Setting an ACL takes Replace rights on the parent (as Replace ?prop=ACL does): B has them, A's Add below a
    // parent that only lets it Add does not.
    t.ensureInterior('./AddOnly', { acl: 'Add=*&Get=*' });
    expect(await t.add('./AddOnly', tnds(doc(cases[2][1])), A)).toBe(425);
    expect(await struct(t, './AddOnly')).toEqual([['./AddOnly', undefined]]);
    expect(await t.add('./Vendor', tnds(doc(cases[2][1])), A)).toBe(200);
    expect((await t.get('./Vendor/New?prop=ACL', A)).items[0].data).toBe('Get=*');
    // No Add right at all: 425, nothing created.
    t.ensureInterior('./ReadOnly', { acl: 'Get=*' });
    expect(await t.add('./ReadOnly', tnds(doc(leaf('X', '1'))), A)).toBe(425);
    expect(await t.exists('./ReadOnly/X')).toBe(false);
  });

  it('refuses a bad object with 400/415/414 naming what was wrong, before touching the tree', async () => {
    const logs: string[] = [];
    const t = new DmTree({ limits: { maxDepth: 3, maxTotLen: 0, maxSegLen: 0 }, log: { log: (_l: string, _m: string, f?: Record<string, unknown>) => logs.push(String(f && f.reason)) } as never });
    t.ensureInterior('./V', { acl: OPEN });
    const cases: Array<[string, number, RegExp]> = [
      ['', 400, /the Data is empty/],
      ['<MgmtTree><Node>', 400, /not well-formed XML/],
      ['<Other/>', 400, /root element is <Other>, not <MgmtTree>/],
      [doc(''), 400, /describes no Node/],
      [doc('<Node><Value>x</Value></Node>'), 400, /MgmtTree\/Node\[1\] has no NodeName/],
      [doc('<Node><NodeName>a</NodeName><Colour/></Node>'), 400, /unknown element <Colour> in MgmtTree\/Node\[1\]/],
      [doc(leaf('a', 'x', 'colour')), 415, /unsupported Format <colour\/>/],
      ['<MgmtTree><VerDTD>2.0</VerDTD>' + leaf('a', 'x') + '</MgmtTree>', 415, /VerDTD "2.0" is not supported/],
      [doc('<Node><NodeName>a</NodeName><Node><NodeName>b</NodeName></Node><Value>x</Value></Node>'), 400, /has both a Value and child Nodes/],
      [doc('<Node><NodeName>a/b</NodeName></Node>'), 400, /"\/" inside the node name/],
      [doc('<Node><NodeName>a</NodeName><Path>./Elsewhere</Path></Node>'), 400, /lies outside the target \.\/V/],
      [doc(leaf('a', '1') + leaf('a', '2')), 400, /\.\/V\/a is described twice/],
      [doc('<Node><NodeName>a</NodeName><Node><NodeName>b</NodeName><Node><NodeName>c</NodeName></Node></Node></Node>'), 414, /more than MaxDepth 3/],
      [doc('<Node><NodeName>a</NodeName><RTProperties><ACL>Fly=*</ACL></RTProperties></Node>'), 400, /unknown command "Fly"/],
    ];
    for (const [xml, status, why] of cases) {
      logs.length = 0;
      expect([xml, await t.add('./V', tnds(xml), A)]).toEqual([xml, status]);
      expect(logs.join('\n')).toMatch(why);
    }
    expect(await t.children('./V')).toEqual([]);
  });

  it('inside an Atomic: a refused object fails the Atomic, whose rollback removes what the object and others did', async () => {
    const t = makeTree();
    const tx = t.transaction();
    expect(await t.add('./Vendor', tnds(doc(leaf('One', '1'))), A)).toBe(200);
    expect(await t.add('./Vendor', tnds(doc(leaf('Two', '2') + leaf('Name', 'x'))), A)).toBe(418);
    expect(await tx.rollback()).toBe(216);
    expect(await t.children('./Vendor')).toEqual(['Name', 'Count']);
  });

  it('applies a large object in time linear in its nodes (the node count is kept, not recounted per node)', async () => {
    const t = new DmTree({ maxNodes: 20000 });
    t.ensureInterior('./V', { acl: OPEN });
    let nodes = '';
    for (let i = 0; i < 3000; i++) nodes += `<Node><NodeName>n${i}</NodeName><Value>${i}</Value></Node>`;
    const t0 = Date.now();
    expect(await t.add('./V', tnds(doc(nodes)), A)).toBe(200);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect((await t.children('./V'))!.length).toBe(3000);
    const small = new DmTree({ maxNodes: 10 });
    small.ensureInterior('./V', { acl: OPEN });
    expect(await small.add('./V', tnds(doc(leaf('a', '1') + leaf('b', '2') + leaf('c', '3') + leaf('d', '4') + leaf('e', '5') + leaf('f', '6') + leaf('g', '7') + leaf('h', '8') + leaf('i', '9'))), A)).toBe(420);
    expect(await small.children('./V')).toEqual([]);
  });
});

describe('Replace with a TNDS object', () => {
  it('replaces described leaves, adds missing nodes, keeps the rest; a Get object sent back unchanged is accepted', async () => {
    const t = makeTree();
    t.setValue('./Vendor/Keep', { data: 'kept' });
    const xml = doc(
      '<Node><NodeName>Vendor</NodeName><RTProperties><ACL>Add=*&amp;Get=*&amp;Replace=*&amp;Delete=*&amp;Exec=*</ACL><Format><node/></Format></RTProperties>' +
        leaf('Name', 'new') +
        leaf('Extra', 'added') +
        '</Node>',
    );
    expect(await t.replace('./Vendor', tnds(xml), A)).toBe(200);
    expect(await struct(t, './Vendor')).toEqual([
      ['./Vendor', undefined],
      ['./Vendor/Name', 'new'],
      ['./Vendor/Count', '7'],
      ['./Vendor/Keep', 'kept'],
      ['./Vendor/Extra', 'added'],
    ]);
    const got = (await t.get('./Vendor?list=TNDS', A)).items[0];
    expect(await t.replace('./Vendor', { format: got.format, type: got.type, data: got.data }, A)).toBe(200);
  });

  it('refuses a missing target (404), a leaf described as interior (405), and restores every value on a refusal', async () => {
    const t = makeTree();
    expect(await t.replace('./Nope', tnds(doc(leaf('Nope', 'x'))), A)).toBe(404);
    expect(await t.replace('./Vendor', tnds(doc('<Node><NodeName>Name</NodeName><Node><NodeName>x</NodeName><Value>1</Value></Node></Node>')), A)).toBe(405);
    t.setValue('./Vendor/Locked', { data: 'l' }, { acl: 'Get=*' });
    expect(await t.replace('./Vendor', tnds(doc(leaf('Name', 'changed') + leaf('Locked', 'changed'))), A)).toBe(425);
    expect(await struct(t, './Vendor')).toEqual([
      ['./Vendor', undefined],
      ['./Vendor/Name', 'a&b<c'],
      ['./Vendor/Count', '7'],
      ['./Vendor/Locked', 'l'],
    ]);
  });

  it('keeps ?list=StructData and ?prop= as they were', async () => {
    const t = makeTree();
    expect((await t.get('./Vendor/Name?prop=Format', A)).items).toEqual([{ uri: './Vendor/Name?prop=Format', format: 'chr', data: 'chr' }]);
    expect(await struct(t, './Vendor')).toEqual([
      ['./Vendor', undefined],
      ['./Vendor/Name', 'a&b<c'],
      ['./Vendor/Count', '7'],
    ]);
    // A plain leaf value that happens to be MgmtTree text is stored as it is when its Type is not a TNDS type.
    expect(await t.add('./Vendor/Doc', { format: 'xml', type: 'text/xml', data: tndsToXml([{ name: 'x', children: [] }]) }, A)).toBe(200);
    expect(await t.children('./Vendor')).toEqual(['Name', 'Count', 'Doc']);
  });
});
