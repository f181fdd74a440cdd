// One scenario over the tree, the durable store and the standard MOs, run both on Node (test/tree-qjs.test.ts)
// and on qjs (bundled from test/tree.qjs-entry.ts), so the two runtimes can be compared answer by answer.
import { base64Encode } from '../src/bytes.js';
import { installStandardObjects, readAccount, storeNonce } from '../src/mo/index.js';
import type { DeviceFacts } from '../src/ports/runtime.js';
import { DurableStore } from '../src/state/durable-store.js';
import { MemoryStorage } from '../src/state/memory-storage.js';
import { DmTree } from '../src/tree/dm-tree.js';

const FACTS: DeviceFacts = {
  devId: 'IMEI:493005100592800',
  manufacturer: 'Acme',
  model: 'GW-100',
  oem: 'Acme',
  devType: 'gateway',
  firmwareVersion: '2.4.1',
  softwareVersion: 'Gateway Linux 5.2',
  hardwareVersion: 'B',
  lang: 'en-US',
};

export async function runTreeScenario(): Promise<unknown[]> {
  const out: unknown[] = [];
  const storage = new MemoryStorage();
  const tree = new DmTree({ store: new DurableStore(storage), now: () => 1_763_785_260_000 });
  await tree.load();
  const config = {
    server: { url: 'https://dm.example.com/dm', id: 'srv', clientAuth: { type: 'md5' as const, name: 'gw', secret: 'pw' }, serverAuth: { type: 'basic' as const, name: 'srv', secret: 'spw' } },
  };
  await installStandardObjects(tree, { read: async () => FACTS }, config, { devInfo: { dmVersion: 'dm-agent 0.1' } });
  const ctx = { serverId: 'srv' };
  const show = (r: { status: number; items: { uri: string; format: string; data?: string | Uint8Array }[] }) => ({
    status: r.status,
    items: r.items.map((i) => [i.uri, i.format, typeof i.data === 'string' || i.data === undefined ? i.data : 'b64:' + base64Encode(i.data)]),
  });
  out.push(show(await tree.get('./DevInfo?list=StructData', ctx)));
  out.push(show(await tree.get('./DMAcc/srv?list=StructData', ctx)));
  out.push(await tree.add('./Vendor/Ext/%C3%A9t%C3%A9', { format: 'b64', data: 'AAEC/w==' }, ctx));
  out.push(show(await tree.get('./Vendor/Ext/%C3%A9t%C3%A9?prop=Size', ctx)));
  out.push(show(await tree.get('./Vendor/Ext?prop=TStamp', ctx)));
  const tx = tree.transaction();
  out.push(await tree.add('./Vendor/Tmp', { data: 'x' }, ctx));
  out.push(await tx.rollback());
  out.push(await tree.get('./Vendor/Tmp', ctx).then((r) => r.status));
  await storeNonce(tree, 'srv', 'CLCRED', new Uint8Array([1, 2, 250]));
  await tree.save();
  const b = storage.files.get('dm-tree')!;
  storage.files.set('dm-tree', b.slice(0, 40));
  const store = new DurableStore(storage);
  const again = new DmTree({ store });
  await again.load();
  out.push(store.recoveries().map((r) => r.name));
  const acc = await readAccount(again, 'srv');
  out.push(acc && [acc.addr, acc.clientAuth.type, acc.clientAuth.name, Array.from(acc.clientAuth.nonce)]);
  out.push(await tree.get('./a//b', ctx).then((r) => r.status));
  // TNDS (docs/protocol.md §1.12): ./DevInfo as XML and WBXML, an Add of a subtree, a bad one refused whole, a Replace.
  out.push(show(await tree.get('./DevInfo?list=TNDS+Format+Value', ctx)));
  out.push(show(await tree.get('./DevInfo?list=TNDS+Value', ctx, 'application/vnd.syncml.dmtnds+wbxml')));
  const tnds = (nodes: string) => ({ format: 'xml', type: 'application/vnd.syncml.dmtnds+xml', data: `<MgmtTree><VerDTD>1.2</VerDTD>${nodes}</MgmtTree>` });
  const demo = '<Node><NodeName>Demo</NodeName><Node><NodeName>N</NodeName><RTProperties><Format><int/></Format></RTProperties><Value>42</Value></Node>'
    + '<Node><NodeName>Sub</NodeName><Node><NodeName>T</NodeName><Value>caf\u00e9 &amp; co</Value></Node></Node></Node>';
  tree.ensureInterior('./Vendor/Ext/Box', { acl: 'Add=*&Get=*&Replace=*&Delete=*' });
  out.push(await tree.add('./Vendor/Ext/Box', tnds(demo), ctx));
  out.push(await tree.add('./Vendor/Ext/Box/Demo', tnds('<Node><NodeName>Ok</NodeName><Value>1</Value></Node><Node><NodeName>N</NodeName><Value>2</Value></Node>'), ctx));
  out.push(show(await tree.get('./Vendor/Ext/Box/Demo?list=StructData', ctx)));
  out.push(await tree.replace('./Vendor/Ext/Box/Demo', tnds('<Node><NodeName>N</NodeName><Value>43</Value></Node>'), ctx));
  out.push(show(await tree.get('./Vendor/Ext/Box/Demo/N', ctx)));
  return out;
}
