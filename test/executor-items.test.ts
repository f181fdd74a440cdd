// Commands with several Items (src/dm/executor.ts, src/dm/item-status.ts): a Status per Item named by its TargetRef
// (SourceRef for Copy), one Results holding every item a Get could read, and Atomic still all-or-nothing (507, 216, 215).
import { describe, expect, it } from 'vitest';
import { CommandExecutor, type Reply, type UiAlertHandler } from '../src/dm/executor.js';
import type { Command, Item, ItemCommand, Results, Status } from '../src/syncml/model.js';
import { DmTree } from '../src/tree/dm-tree.js';

const ui: UiAlertHandler = { handle: async () => ({ code: 200, items: [], skipRest: false }) };

function setup() {
  const tree = new DmTree();
  tree.ensureInterior('./W', { acl: 'Add=*&Get=*&Replace=*&Delete=*' });
  tree.setValue('./W/A', { format: 'chr', data: 'a' });
  tree.setValue('./W/B', { format: 'int', data: '2' });
  tree.setValue('./Locked', { format: 'chr', data: 'l' }); // root default ACL: no Replace, no Delete
  const ex = new CommandExecutor(tree, ui);
  let id = 0;
  const run = async (...cmds: Command[]): Promise<Reply[]> =>
    (await ex.run(cmds, { msgRef: '1', access: { serverId: 'srv' }, nextCmdId: () => String(++id) })).replies;
  return { tree, run };
}

const items = (...uris: string[]): Item[] => uris.map((u) => ({ target: { locURI: u }, data: 'v-' + u.slice(-1) }));
const cmd = (kind: ItemCommand['kind'], cmdID: string, its: Item[]): ItemCommand => ({ kind, cmdID, items: its });
/** [cmdRef, code, TargetRef, SourceRef] of each Status, in order. */
const statuses = (r: Reply[]) =>
  r.filter((x): x is Status => x.kind === 'Status').map((s) => [s.cmdRef, Number(s.data), s.targetRefs.join(','), s.sourceRefs.join(',')]);

describe('Get with several Items', () => {
  it('one missing node: a Status per Item (200/404/200) and one Results with the two found, after the Statuses', async () => {
    const { run } = setup();
    const r = await run(cmd('Get', '5', items('./W/A', './W/Missing', './W/B')));
    expect(statuses(r)).toEqual([
      ['5', 200, './W/A', ''],
      ['5', 404, './W/Missing', ''],
      ['5', 200, './W/B', ''],
    ]);
    expect(r.map((x) => x.kind)).toEqual(['Status', 'Status', 'Status', 'Results']);
    const res = r[3] as Results;
    expect(res.cmdRef).toBe('5');
    expect(res.items.map((i) => [i.source!.locURI, i.meta!.format, i.data])).toEqual([
      ['./W/A', 'chr', 'a'],
      ['./W/B', 'int', '2'],
    ]);
  });

  it('nothing found: a Status per Item and no Results', async () => {
    const { run } = setup();
    const r = await run(cmd('Get', '6', [{ target: { locURI: './Nope' } }, {}]));
    expect(statuses(r)).toEqual([
      ['6', 404, './Nope', ''],
      ['6', 412, '', ''],
    ]);
    expect(r.some((x) => x.kind === 'Results')).toBe(false);
  });

  it('one Item stays one Status with its TargetRef (and no Results when it failed)', async () => {
    const { run } = setup();
    expect(statuses(await run(cmd('Get', '7', items('./W/Missing'))))).toEqual([['7', 404, './W/Missing', '']]);
    const ok = await run(cmd('Get', '8', items('./W/A')));
    expect(ok.map((x) => x.kind)).toEqual(['Status', 'Results']);
  });
});

describe('Replace, Add, Delete and Copy with several Items', () => {
  it('Replace: each Item answered on its own; the ones allowed are applied', async () => {
    const { tree, run } = setup();
    const r = await run(cmd('Replace', '3', items('./W/A', './Locked', './W/Gone', './W/B')));
    expect(statuses(r)).toEqual([
      ['3', 200, './W/A', ''],
      ['3', 425, './Locked', ''],
      ['3', 404, './W/Gone', ''],
      ['3', 400, './W/B', ''], // 'v-B' is not an int
    ]);
    expect((await tree.getValue('./W/A'))!.data).toBe('v-A');
    expect((await tree.getValue('./Locked'))!.data).toBe('l');
  });

  it('Add and Delete: 418 for a node already there, 425 where the ACL forbids, the rest done', async () => {
    const { tree, run } = setup();
    const add = await run(cmd('Add', '4', items('./W/New', './W/A')));
    expect(statuses(add)).toEqual([
      ['4', 200, './W/New', ''],
      ['4', 418, './W/A', ''],
    ]);
    const del = await run(cmd('Delete', '5', [{ target: { locURI: './W/New' } }, { target: { locURI: './Locked' } }]));
    expect(statuses(del)).toEqual([
      ['5', 200, './W/New', ''],
      ['5', 425, './Locked', ''],
    ]);
    expect(await tree.exists('./W/New')).toBe(false);
  });

  it('Copy: each Status names its TargetRef and SourceRef', async () => {
    const { run } = setup();
    const r = await run(
      cmd('Copy', '9', [
        { target: { locURI: './W/C' }, source: { locURI: './W/A' } },
        { target: { locURI: './W/D' }, source: { locURI: './W/Nope' } },
      ]),
    );
    expect(statuses(r)).toEqual([
      ['9', 200, './W/C', './W/A'],
      ['9', 404, './W/D', './W/Nope'],
    ]);
  });
});

describe('Atomic with commands of several Items', () => {
  it('a failing Item rolls everything back: done Items 216, the failing one keeps its code, the rest 215', async () => {
    const { tree, run } = setup();
    const r = await run({
      kind: 'Atomic',
      cmdID: '10',
      commands: [
        cmd('Add', '11', items('./W/X', './W/Y')),
        cmd('Replace', '12', items('./W/A', './W/Gone', './W/B')),
        cmd('Delete', '13', [{ target: { locURI: './W/A' } }]),
      ],
    });
    expect(statuses(r)).toEqual([
      ['10', 507, '', ''],
      ['11', 216, './W/X', ''],
      ['11', 216, './W/Y', ''],
      ['12', 216, './W/A', ''],
      ['12', 404, './W/Gone', ''],
      ['12', 215, './W/B', ''],
      ['13', 215, '', ''],
    ]);
    expect(await tree.exists('./W/X')).toBe(false);
    expect((await tree.getValue('./W/A'))!.data).toBe('a');
    expect((await tree.getValue('./W/B'))!.data).toBe('2');
  });

  it('all Items succeed: 200 for the Atomic and a Status per Item', async () => {
    const { tree, run } = setup();
    const r = await run({ kind: 'Atomic', cmdID: '20', commands: [cmd('Add', '21', items('./W/P', './W/Q'))] });
    expect(statuses(r)).toEqual([
      ['20', 200, '', ''],
      ['21', 200, './W/P', ''],
      ['21', 200, './W/Q', ''],
    ]);
    expect(await tree.exists('./W/Q')).toBe(true);
  });
});
