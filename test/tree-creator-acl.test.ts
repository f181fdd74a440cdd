// The ACL of a node a server Adds (OMA-TS-DM_TND-V1_2 §7.7.1.3, src/tree/acl.ts creatorAcl): an interior node added
// without Replace rights on its parent gives its creator Add, Delete, Get and Replace on top of what it inherits; any
// other new node starts with an empty ACL and inherits.
import { describe, expect, it } from 'vitest';
import { creatorAcl } from '../src/tree/acl.js';
import { DmTree } from '../src/tree/dm-tree.js';
import type { NodeValue } from '../src/tree/node.js';

const A = { serverId: 'srvA' };
const B = { serverId: 'srvB' };
const chr = (data: string): NodeValue => ({ format: 'chr', data });
const node: NodeValue = { format: 'node' };
const aclOf = async (t: DmTree, uri: string) => (await t.get(uri + '?prop=ACL', A)).items[0].data;

describe('creatorAcl', () => {
  it('keeps the inherited entries and adds the creator to Add, Delete, Get and Replace', () => {
    expect(creatorAcl('Add=*&Get=*', 'srvA')).toBe('Add=*&Delete=srvA&Get=*&Replace=srvA');
    expect(creatorAcl('Get=srvB&Exec=srvB', 'srvA')).toBe('Add=srvA&Delete=srvA&Exec=srvB&Get=srvB+srvA&Replace=srvA');
    expect(creatorAcl('Add=srvA&Replace=srvA', 'srvA')).toBe('Add=srvA&Delete=srvA&Get=srvA&Replace=srvA');
  });

  it('an unparsable inherited ACL is not carried over; a server id an ACL cannot name gets nothing', () => {
    expect(creatorAcl('Fetch=*', 'srvA')).toBe('Add=srvA&Delete=srvA&Get=srvA&Replace=srvA');
    expect(creatorAcl('Add=*&Get=*', 'a+b')).toBe('');
    expect(creatorAcl('Add=*&Get=*', '')).toBe('');
  });
});

describe('a node a server added (root default Add=*&Get=*: no Replace on the parent)', () => {
  it('an interior node: its creator may Add below it, Replace, Get and Delete; another server only Get', async () => {
    const t = new DmTree();
    expect(await t.add('./Srv', node, A)).toBe(200);
    expect(await aclOf(t, './Srv')).toBe('Add=*&Delete=srvA&Get=*&Replace=srvA');
    expect(await t.add('./Srv/Setting', chr('one'), A)).toBe(200);
    expect(await aclOf(t, './Srv/Setting')).toBe(''); // a leaf inherits (§7.7.1.1: Get ?prop=ACL shows no value)
    expect(await t.replace('./Srv/Setting', chr('two'), A)).toBe(200);
    expect((await t.get('./Srv/Setting', A)).items[0].data).toBe('two');
    expect(await t.replace('./Srv/Setting', chr('evil'), B)).toBe(425);
    expect(await t.delete('./Srv', B)).toBe(425);
    expect((await t.get('./Srv/Setting', B)).items[0].data).toBe('two');
    // The creator may hand rights on the children out (Replace on the parent, §7.7.1.3).
    expect(await t.replace('./Srv/Setting?prop=ACL', chr('Get=srvA&Replace=srvA+srvB'), A)).toBe(200);
    expect(await t.replace('./Srv/Setting', chr('three'), B)).toBe(200);
    expect(await t.delete('./Srv', A)).toBe(200);
    expect(await t.exists('./Srv')).toBe(false);
  });

  it('a leaf keeps the empty ACL: the root default grants no Replace or Delete (425)', async () => {
    const t = new DmTree();
    expect(await t.add('./Leaf', chr('a'), A)).toBe(200);
    expect(await aclOf(t, './Leaf')).toBe('');
    expect(await t.replace('./Leaf', chr('b'), A)).toBe(425);
    expect(await t.delete('./Leaf', A)).toBe(425);
  });

  it('implicit parents keep the empty ACL; the named interior node gets the creator ACL', async () => {
    const t = new DmTree();
    expect(await t.add('./Outer/Inner', node, A)).toBe(200);
    expect(await aclOf(t, './Outer')).toBe('');
    expect(await aclOf(t, './Outer/Inner')).toBe('Add=*&Delete=srvA&Get=*&Replace=srvA');
    expect(await t.delete('./Outer', A)).toBe(425);
    expect(await t.delete('./Outer/Inner', A)).toBe(200);
  });

  it('with Replace rights on the parent the new node inherits (empty ACL)', async () => {
    const t = new DmTree();
    t.ensureInterior('./Open', { acl: 'Add=*&Get=*&Replace=srvA&Delete=srvA' });
    expect(await t.add('./Open/Dir', node, A)).toBe(200);
    expect(await aclOf(t, './Open/Dir')).toBe('');
    // srvB has no Replace on ./Open: its interior node gets the creator ACL built on ./Open's.
    expect(await t.add('./Open/Theirs', node, B)).toBe(200);
    expect(await aclOf(t, './Open/Theirs')).toBe('Add=*&Delete=srvA+srvB&Get=*&Replace=srvA+srvB');
  });

  it('an Atomic rolled back takes the node and its ACL away', async () => {
    const t = new DmTree();
    const tx = t.transaction();
    expect(await t.add('./Tmp', node, A)).toBe(200);
    expect(await tx.rollback()).toBe(216);
    expect(await t.exists('./Tmp')).toBe(false);
    expect(await t.add('./Tmp', chr('leaf now'), A)).toBe(200);
    expect(await aclOf(t, './Tmp')).toBe('');
  });
});
