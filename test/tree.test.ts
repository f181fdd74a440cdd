import { describe, expect, it } from 'vitest';
import { utf8Encode } from '../src/bytes.js';
import { DmTree } from '../src/tree/dm-tree.js';
import type { NodeValue } from '../src/tree/node.js';
import type { PluginNodeInfo, TreePlugin } from '../src/tree/plugin.js';

const A = { serverId: 'srvA' };
const B = { serverId: 'srvB' };
const chr = (data: string): NodeValue => ({ format: 'chr', data });
const node: NodeValue = { format: 'node' };

function makeTree(): DmTree {
  const t = new DmTree({ now: () => Date.UTC(2026, 10, 22, 4, 21, 0) });
  t.ensureInterior('./Vendor', { acl: 'Add=*&Get=*&Replace=*&Delete=*&Exec=*' });
  t.setValue('./Vendor/Name', chr('acme'));
  return t;
}

describe('Get', () => {
  it('returns a leaf value with its Format', async () => {
    const t = makeTree();
    expect(await t.get('./Vendor/Name', A)).toEqual({ status: 200, items: [{ uri: './Vendor/Name', format: 'chr', data: 'acme' }] });
  });

  it('on an interior node returns Format node and the child names joined by "/" (docs/protocol.md §1.4)', async () => {
    const t = makeTree();
    t.setValue('./Vendor/Other', chr('x'));
    const r = await t.get('./Vendor', A);
    expect(r.status).toBe(200);
    expect(r.items).toEqual([{ uri: './Vendor', format: 'node', data: 'Name/Other' }]);
  });

  it('answers 404 for a missing node, 400/414 for a bad URI', async () => {
    const t = new DmTree({ limits: { maxDepth: 2, maxTotLen: 0, maxSegLen: 0 } });
    expect((await t.get('./Nope', A)).status).toBe(404);
    expect((await t.get('./A//B', A)).status).toBe(400);
    expect((await t.get('./a/b/c', A)).status).toBe(414);
  });

  it('answers 405 for a node whose access type has no Get (./Inbox)', async () => {
    const t = new DmTree();
    t.ensureInterior('./Inbox', { accessTypes: ['Add'], acl: 'Add=*' });
    expect((await t.get('./Inbox', A)).status).toBe(405);
  });

  it('?prop= reads ACL, Format, Type, Name, Size, Title, VerNo, TStamp', async () => {
    const t = makeTree();
    const prop = async (p: string) => (await t.get('./Vendor/Name?prop=' + p, A)).items[0].data;
    expect(await prop('ACL')).toBe('');
    expect(await prop('Format')).toBe('chr');
    expect(await prop('Type')).toBe('text/plain');
    expect(await prop('Name')).toBe('Name');
    expect(await prop('Size')).toBe('4');
    expect(await prop('Title')).toBe('');
    expect(await prop('VerNo')).toBe('1');
    expect(await prop('TStamp')).toBe('20261122T042100Z');
    expect((await t.get('./Vendor?prop=ACL', A)).items[0]).toEqual({ uri: './Vendor?prop=ACL', format: 'chr', data: 'Add=*&Get=*&Replace=*&Delete=*&Exec=*' });
    expect((await t.get('./Vendor?prop=Size', A)).status).toBe(405);
    expect((await t.get('./Vendor?prop=Colour', A)).status).toBe(406);
  });

  it('?list=Struct and StructData walk the subtree; TNDS answers one MgmtTree item (test/tree-tnds.test.ts)', async () => {
    const t = makeTree();
    t.setValue('./Vendor/Sub/Leaf', { format: 'int', data: '7' });
    const s = await t.get('./Vendor?list=Struct', A);
    expect(s.status).toBe(200);
    expect(s.items).toEqual([
      { uri: './Vendor', format: 'node' },
      { uri: './Vendor/Name', format: 'chr' },
      { uri: './Vendor/Sub', format: 'node' },
      { uri: './Vendor/Sub/Leaf', format: 'int' },
    ]);
    const sd = await t.get('./Vendor?list=StructData', A);
    expect(sd.items.map((i) => i.data)).toEqual([undefined, 'acme', undefined, '7']);
    expect((await t.get('./Vendor?list=TNDS', A)).items.map((i) => i.type)).toEqual(['application/vnd.syncml.dmtnds+xml']);
  });
});

describe('Add', () => {
  it('creates leaves and interior nodes (200), refuses existing ones (418)', async () => {
    const t = makeTree();
    expect(await t.add('./Vendor/New', chr('v'), A)).toBe(200);
    expect(await t.add('./Vendor/New', chr('v'), A)).toBe(418);
    expect(await t.add('./Vendor/Dir', node, A)).toBe(200);
    expect((await t.get('./Vendor/Dir', A)).items[0]).toEqual({ uri: './Vendor/Dir', format: 'node', data: '' });
    expect(await t.add('.', node, A)).toBe(418);
  });

  it('creates missing parents implicitly with empty ACLs (docs/protocol.md §1.5)', async () => {
    const t = makeTree();
    expect(await t.add('./Vendor/a/b/c', chr('deep'), A)).toBe(200);
    expect((await t.get('./Vendor/a/b?prop=ACL', A)).items[0].data).toBe('');
    expect((await t.get('./Vendor/a/b?prop=Format', A)).items[0].data).toBe('node');
  });

  it('refuses a child under a leaf (405), an unknown Format (415), bad data for its Format (400)', async () => {
    const t = makeTree();
    expect(await t.add('./Vendor/Name/child', chr('x'), A)).toBe(405);
    expect(await t.add('./Vendor/X', { format: 'weird', data: '' }, A)).toBe(415);
    expect(await t.add('./Vendor/I', { format: 'int', data: 'seven' }, A)).toBe(400);
    expect(await t.add('./Vendor/Bo', { format: 'bool', data: 'yes' }, A)).toBe(400);
  });

  it('stores b64 data as bin bytes (docs/protocol.md §1.10)', async () => {
    const t = makeTree();
    expect(await t.add('./Vendor/Blob', { format: 'b64', data: 'AAEC' }, A)).toBe(200);
    const item = (await t.get('./Vendor/Blob', A)).items[0];
    expect(item.format).toBe('bin');
    expect(item.data).toEqual(new Uint8Array([0, 1, 2]));
    expect((await t.get('./Vendor/Blob?prop=Size', A)).items[0].data).toBe('3');
  });
});

describe('size limits', () => {
  it('refuses a value larger than maxLeafBytes (413) and Adds beyond maxNodes (420)', async () => {
    const t = new DmTree({ maxLeafBytes: 8, maxNodes: 4 });
    t.ensureInterior('./V', { acl: 'Add=*&Get=*&Replace=*' });
    expect(await t.add('./V/Big', chr('123456789'), A)).toBe(413);
    expect(await t.add('./V/Ok', chr('12345678'), A)).toBe(200);
    expect(await t.replace('./V/Ok', { format: 'bin', data: new Uint8Array(9) }, A)).toBe(413);
    expect(await t.add('./V/Two', chr('2'), A)).toBe(200); // root, V, Ok, Two = 4 nodes
    expect(await t.add('./V/Three', chr('3'), A)).toBe(420);
    expect(await t.add('./V/a/b', chr('3'), A)).toBe(420);
  });
});

describe('Replace, Delete, Exec, Copy', () => {
  it('Replace overwrites (200), never creates (404), bumps VerNo, refuses interior nodes (405)', async () => {
    const t = makeTree();
    expect(await t.replace('./Vendor/Name', chr('new'), A)).toBe(200);
    expect((await t.get('./Vendor/Name', A)).items[0].data).toBe('new');
    expect((await t.get('./Vendor/Name?prop=VerNo', A)).items[0].data).toBe('2');
    expect(await t.replace('./Vendor/Missing', chr('x'), A)).toBe(404);
    expect(await t.replace('./Vendor', chr('x'), A)).toBe(405);
  });

  it('Replace keeps a node Format when none is given and refuses changing a permanent node Format', async () => {
    const t = makeTree();
    t.setValue('./Vendor/Count', { format: 'int', data: '1' }, { permanent: true });
    expect(await t.replace('./Vendor/Count', { data: '2' }, A)).toBe(200);
    expect((await t.get('./Vendor/Count', A)).items[0].format).toBe('int');
    expect(await t.replace('./Vendor/Count', chr('two'), A)).toBe(405);
  });

  it('Replace ?prop=Name renames (200), collides with a sibling (418); ?prop=Title sets Title; Format is read-only', async () => {
    const t = makeTree();
    t.setValue('./Vendor/Other', chr('o'));
    expect(await t.replace('./Vendor/Name?prop=Name', chr('Other'), A)).toBe(418);
    expect(await t.replace('./Vendor/Name?prop=Name', chr('Renamed'), A)).toBe(200);
    expect((await t.get('./Vendor', A)).items[0].data).toBe('Renamed/Other');
    expect((await t.get('./Vendor/Renamed', A)).items[0].data).toBe('acme');
    expect(await t.replace('./Vendor/Renamed?prop=Name', chr('a/b'), A)).toBe(400);
    expect(await t.replace('./Vendor/Other?prop=Title', chr('The other one'), A)).toBe(200);
    expect((await t.get('./Vendor/Other?prop=Title', A)).items[0].data).toBe('The other one');
    expect(await t.replace('./Vendor/Other?prop=Format', chr('int'), A)).toBe(405);
  });

  it('Delete removes the subtree (200), 404 when absent, 405 for the root and permanent nodes', async () => {
    const t = makeTree();
    t.setValue('./Vendor/Sub/Leaf', chr('x'));
    t.setValue('./Vendor/Keep', chr('k'), { permanent: true });
    expect(await t.delete('./Vendor/Sub', A)).toBe(200);
    expect((await t.get('./Vendor/Sub/Leaf', A)).status).toBe(404);
    expect(await t.delete('./Vendor/Sub', A)).toBe(404);
    expect(await t.delete('.', A)).toBe(405);
    expect(await t.delete('./Vendor/Keep', A)).toBe(405);
  });

  it('Exec on a static node is 405; 404 when absent', async () => {
    const t = makeTree();
    expect(await t.exec('./Vendor/Name', {}, A)).toBe(405);
    expect(await t.exec('./Vendor/None', {}, A)).toBe(404);
  });

  it('Copy copies a leaf value into a new or existing leaf; interior source 405; target not overwritable 403', async () => {
    const t = makeTree();
    expect(await t.copy('./Vendor/Copy', './Vendor/Name', A)).toBe(200);
    expect((await t.get('./Vendor/Copy', A)).items[0].data).toBe('acme');
    t.setValue('./Vendor/Name', chr('changed'));
    expect(await t.copy('./Vendor/Copy', './Vendor/Name', A)).toBe(200);
    expect((await t.get('./Vendor/Copy', A)).items[0].data).toBe('changed');
    expect(await t.copy('./Vendor/X', './Vendor', A)).toBe(405);
    expect(await t.copy('./Vendor/X', './Vendor/Missing', A)).toBe(404);
    t.ensureInterior('./Vendor/Dir');
    expect(await t.copy('./Vendor/Dir', './Vendor/Name', A)).toBe(403);
  });
});

describe('ACLs per server id (docs/protocol.md §1.12, 425)', () => {
  it('root default Add=*&Get=*: any server may Add and Get but not Replace or Delete', async () => {
    const t = new DmTree();
    expect((await t.get('.?prop=ACL', A)).items[0].data).toBe('Add=*&Get=*');
    expect(await t.add('./Mine', chr('1'), A)).toBe(200);
    expect((await t.get('./Mine', B)).status).toBe(200);
    expect(await t.replace('./Mine', chr('2'), A)).toBe(425);
    expect(await t.delete('./Mine', A)).toBe(425);
    expect(await t.exec('./Mine', {}, A)).toBe(405); // a static node has nothing to run, whoever asks
  });

  it('a node ACL names servers; children inherit from the nearest ancestor with a non-empty ACL', async () => {
    const t = new DmTree();
    t.ensureInterior('./Acc', { acl: 'Get=srvA&Replace=srvA&Add=srvA&Delete=srvA' });
    t.setValue('./Acc/Sub/Leaf', chr('secret-ish'));
    expect((await t.get('./Acc/Sub/Leaf', A)).status).toBe(200);
    expect((await t.get('./Acc/Sub/Leaf', B)).status).toBe(425);
    expect(await t.replace('./Acc/Sub/Leaf', chr('x'), B)).toBe(425);
    expect(await t.add('./Acc/Sub/New', chr('x'), B)).toBe(425);
    expect(await t.add('./Acc/Sub/New', chr('x'), A)).toBe(200);
    expect(await t.delete('./Acc/Sub', B)).toBe(425);
    // A nearer ACL overrides the ancestor's.
    t.setValue('./Acc/Sub/Open', chr('o'), { acl: 'Get=*' });
    expect((await t.get('./Acc/Sub/Open', B)).status).toBe(200);
    expect((await t.get('./Acc/Sub/Open?prop=ACL', B)).items[0].data).toBe('Get=*');
  });

  it('?list= leaves out nodes the server may not Get', async () => {
    const t = new DmTree();
    t.ensureInterior('./Mix', { acl: 'Get=*' });
    t.setValue('./Mix/Public', chr('p'));
    t.setValue('./Mix/Private', chr('q'), { acl: 'Get=srvA' });
    const asB = await t.get('./Mix?list=StructData', B);
    expect(asB.items.map((i) => i.uri)).toEqual(['./Mix', './Mix/Public']);
    const asA = await t.get('./Mix?list=StructData', A);
    expect(asA.items.map((i) => i.uri)).toEqual(['./Mix', './Mix/Public', './Mix/Private']);
  });

  it('changing an ACL takes Replace rights on the parent; a malformed ACL is 400; the root keeps one', async () => {
    const t = new DmTree();
    t.ensureInterior('./P', { acl: 'Get=*&Replace=srvA' });
    t.setValue('./P/C', chr('c'), { acl: 'Get=*&Replace=srvB' });
    expect(await t.replace('./P/C?prop=ACL', chr('Get=srvB'), B)).toBe(425); // B may Replace C, not P
    expect(await t.replace('./P/C?prop=ACL', chr('Get=srvB'), A)).toBe(200);
    expect((await t.get('./P/C', A)).status).toBe(425);
    expect(await t.replace('./P/C?prop=ACL', chr('Fetch=*'), A)).toBe(400);
    t.ensureInterior('.', { acl: 'Add=*&Get=*&Replace=srvA' });
    expect(await t.replace('.?prop=ACL', chr(''), A)).toBe(400);
  });

  it('AAuthSecret-like leaves: ACL allows Get, the access type does not (405, not 425)', async () => {
    const t = new DmTree();
    t.setValue('./S/Secret', chr('pw'), { accessTypes: ['Add', 'Replace', 'Delete'] });
    expect((await t.get('./S/Secret', A)).status).toBe(405);
    expect((await t.get('./S?list=StructData', A)).items).toEqual([
      { uri: './S', format: 'node' },
      { uri: './S/Secret', format: 'chr' },
    ]);
  });
});

/** A plugin backed by a plain map of leaf paths, recording what it was asked. */
function mapPlugin(initial: Record<string, string>, opts: { atomic?: boolean } = {}) {
  const leaves = new Map(Object.entries(initial));
  const calls: string[] = [];
  let snapshot: Map<string, string> | null = null;
  const isDir = (p: string) => {
    if (p === '') return true;
    for (const k of leaves.keys()) if (k.startsWith(p + '/')) return true;
    return false;
  };
  const plugin: TreePlugin = {
    async stat(path): Promise<PluginNodeInfo | null> {
      const p = path.join('/');
      if (leaves.has(p)) return { kind: 'leaf', format: 'chr' };
      if (isDir(p)) return { kind: 'interior', type: p === '' ? 'urn:test:mo' : undefined };
      return null;
    },
    async list(path) {
      const p = path.join('/');
      const pre = p === '' ? '' : p + '/';
      const names: string[] = [];
      for (const k of leaves.keys()) if (k.startsWith(pre)) {
        const n = k.substring(pre.length).split('/')[0];
        if (names.indexOf(n) < 0) names.push(n);
      }
      return names;
    },
    async read(path) {
      return { format: 'chr', data: leaves.get(path.join('/')) || '' };
    },
    async add(path, value) {
      calls.push('add ' + path.join('/'));
      leaves.set(path.join('/'), String(value.data || ''));
      return 200;
    },
    async replace(path, value) {
      calls.push('replace ' + path.join('/') + '=' + String(value.data));
      leaves.set(path.join('/'), String(value.data));
      return 200;
    },
    async delete(path) {
      calls.push('delete ' + path.join('/'));
      const p = path.join('/');
      for (const k of Array.from(leaves.keys())) if (k === p || k.startsWith(p + '/')) leaves.delete(k);
      return 200;
    },
    async exec(path, args) {
      calls.push('exec ' + path.join('/') + ' ' + (args.correlator || ''));
      return 202;
    },
  };
  if (opts.atomic) {
    plugin.beginAtomic = async () => {
      snapshot = new Map(leaves);
    };
    plugin.commitAtomic = async () => {
      snapshot = null;
    };
    plugin.rollbackAtomic = async () => {
      leaves.clear();
      snapshot!.forEach((v, k) => leaves.set(k, v));
      return true;
    };
  }
  return { plugin, leaves, calls };
}

describe('plugin mounts', () => {
  it('routes commands below the mount point to the plugin and lists the mount under its parent', async () => {
    const t = new DmTree();
    t.ensureInterior('./Ext', { acl: 'Get=*&Add=*&Replace=*&Delete=*&Exec=*' });
    const { plugin, calls } = mapPlugin({ 'Pkg/URL': 'http://x', 'Pkg/Name': 'n' });
    t.mount('./Ext/MO', plugin);
    t.setValue('./Ext/Static', chr('s'));
    expect((await t.get('./Ext', A)).items[0].data).toBe('Static/MO');
    expect((await t.get('./Ext/MO', A)).items[0]).toEqual({ uri: './Ext/MO', format: 'node', data: 'Pkg' });
    expect((await t.get('./Ext/MO/Pkg/URL', A)).items[0].data).toBe('http://x');
    expect((await t.get('./Ext/MO?prop=Type', A)).items[0].data).toBe('urn:test:mo');
    expect(await t.replace('./Ext/MO/Pkg/URL', chr('http://y'), A)).toBe(200);
    expect(await t.add('./Ext/MO/Pkg/URL', chr('z'), A)).toBe(418);
    expect(await t.add('./Ext/MO/Pkg/Ver', chr('1.0'), A)).toBe(200);
    expect(await t.exec('./Ext/MO/Pkg', { correlator: 'c1' }, A)).toBe(202);
    expect(await t.delete('./Ext/MO/Pkg/Name', A)).toBe(200);
    expect(await t.delete('./Ext/MO', A)).toBe(405); // the mount point itself
    expect((await t.get('./Ext/MO/Nope', A)).status).toBe(404);
    expect(calls).toEqual(['replace Pkg/URL=http://y', 'add Pkg/Ver', 'exec Pkg c1', 'delete Pkg/Name']);
    const sd = await t.get('./Ext/MO?list=StructData', A);
    expect(sd.items.map((i) => `${i.uri}=${i.data ?? ''}`)).toEqual(['./Ext/MO=', './Ext/MO/Pkg=', './Ext/MO/Pkg/URL=http://y', './Ext/MO/Pkg/Ver=1.0']);
  });

  it('applies ACLs to plugin nodes, and keeps a server-set ACL for them in the tree', async () => {
    const t = new DmTree();
    const { plugin } = mapPlugin({ Leaf: 'v' });
    t.mount('./MO', plugin);
    expect(await t.replace('./MO/Leaf', chr('w'), A)).toBe(425); // root default has no Replace
    expect(await t.exec('./MO/Leaf', {}, A)).toBe(425); // nor Exec
    t.ensureInterior('.', { acl: 'Add=*&Get=*&Replace=srvA' });
    expect(await t.replace('./MO?prop=ACL', chr('Get=srvA&Replace=srvA'), A)).toBe(200);
    expect((await t.get('./MO/Leaf', B)).status).toBe(425);
    expect(await t.replace('./MO/Leaf', chr('w'), A)).toBe(200);
  });

  it('refuses overlapping mounts and mounting on the root', () => {
    const t = new DmTree();
    t.mount('./A', mapPlugin({}).plugin);
    expect(() => t.mount('./A/B', mapPlugin({}).plugin)).toThrow(/overlaps/);
    expect(() => t.mount('.', mapPlugin({}).plugin)).toThrow(/root/);
  });

  it('a plugin without a method answers 405 for that command', async () => {
    const t = new DmTree();
    t.ensureInterior('.', { acl: 'Add=*&Get=*&Replace=*&Exec=*&Delete=*' });
    const { plugin } = mapPlugin({ L: 'v' });
    delete plugin.exec;
    delete plugin.replace;
    t.mount('./RO', plugin);
    expect(await t.exec('./RO/L', {}, A)).toBe(405);
    expect(await t.replace('./RO/L', chr('x'), A)).toBe(405);
  });
});

describe('Atomic (docs/protocol.md §1.5)', () => {
  async function openTree() {
    const t = new DmTree();
    t.ensureInterior('./W', { acl: 'Add=*&Get=*&Replace=*&Delete=*&Exec=*' });
    t.setValue('./W/A', chr('a'));
    t.setValue('./W/B', chr('b'));
    t.setValue('./W/C', chr('c'));
    return t;
  }

  it('rollback undoes Add, Replace, Delete and rename in the static tree (216)', async () => {
    const t = await openTree();
    const before = await t.get('./W?list=StructData', A);
    const tx = t.transaction();
    expect(await t.add('./W/New/Deep', chr('n'), A)).toBe(200);
    expect(await t.replace('./W/A', chr('A!'), A)).toBe(200);
    expect(await t.delete('./W/B', A)).toBe(200);
    expect(await t.replace('./W/C?prop=Name', chr('C2'), A)).toBe(200);
    expect(await t.replace('./W/A?prop=Title', chr('t'), A)).toBe(200);
    expect(await t.replace('./W?prop=ACL', chr('Get=*'), A)).toBe(425); // a failing command inside
    expect(await tx.rollback()).toBe(216);
    expect(await t.get('./W?list=StructData', A)).toEqual(before);
    expect((await t.get('./W/A?prop=VerNo', A)).items[0].data).toBe('1');
    expect((await t.get('./W/C?prop=VerNo', A)).items[0].data).toBe('1');
    expect((await t.get('./W/A?prop=Title', A)).items[0].data).toBe('');
  });

  it('commit keeps the changes; a nested transaction is refused', async () => {
    const t = await openTree();
    const tx = t.transaction();
    expect(() => t.transaction()).toThrow(/nested/);
    await t.replace('./W/A', chr('kept'), A);
    await tx.commit();
    expect((await t.get('./W/A', A)).items[0].data).toBe('kept');
    const tx2 = t.transaction(); // a new one may start after the first ended
    await tx2.commit();
  });

  it('undoes plugin Replace and Add through the plugin; plugin Exec makes rollback fail (516)', async () => {
    const t = await openTree();
    const { plugin, leaves } = mapPlugin({ X: 'x' });
    t.mount('./W/P', plugin);
    const tx = t.transaction();
    await t.replace('./W/P/X', chr('changed'), A);
    await t.add('./W/P/Y', chr('y'), A);
    expect(await tx.rollback()).toBe(216);
    expect(Object.fromEntries(leaves)).toEqual({ X: 'x' });
    const tx2 = t.transaction();
    await t.exec('./W/P/X', {}, A);
    expect(await tx2.rollback()).toBe(516);
  });

  it('lets a plugin with its own Atomic support roll itself back', async () => {
    const t = await openTree();
    const { plugin, leaves } = mapPlugin({ X: 'x' }, { atomic: true });
    t.mount('./W/P', plugin);
    const tx = t.transaction();
    await t.delete('./W/P/X', A);
    await t.replace('./W/A', chr('A!'), A);
    expect(leaves.size).toBe(0);
    expect(await tx.rollback()).toBe(216);
    expect(Object.fromEntries(leaves)).toEqual({ X: 'x' });
    expect((await t.get('./W/A', A)).items[0].data).toBe('a');
  });
});

describe('direct accessors', () => {
  it('getValue/setValue/children/exists/deleteNode work without ACLs and keep bytes', async () => {
    const t = new DmTree();
    t.setValue('./DMAcc/x/AppAuth/c/AAuthData', { format: 'bin', data: new Uint8Array([1, 2]) }, { accessTypes: ['Replace'] });
    expect(await t.getValue('./DMAcc/x/AppAuth/c/AAuthData')).toEqual({ format: 'bin', data: new Uint8Array([1, 2]) });
    expect(await t.children('./DMAcc/x')).toEqual(['AppAuth']);
    expect(await t.exists('./DMAcc/x/AppAuth')).toBe(true);
    expect(t.deleteNode('./DMAcc/x')).toBe(true);
    expect(await t.exists('./DMAcc/x')).toBe(false);
    expect(t.isDirty).toBe(true);
    t.setValue('./T', { format: 'bin', data: 'text' });
    expect((await t.getValue('./T'))!.data).toEqual(utf8Encode('text'));
  });
});
