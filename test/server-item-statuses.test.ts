// The reference server accepts a Status per Item for its commands with several Items (OMA-TS-SyncML_RepPro-V1_2, Status)
// and still flags real duplicates (scripts/server/item-statuses.ts).
import { afterEach, describe, expect, it } from 'vitest';
import type { ItemCommand, Status } from '../src/syncml/model.js';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { noteStatus } from '../scripts/server/item-statuses.js';
import { commandsOf, TestClient } from '../scripts/server/test-client.js';

let server: DmServer | undefined;
afterEach(async () => {
  if (server) await server.close();
  server = undefined;
});

const st = (cmdRef: string, code: number, target?: string): Status => ({
  kind: 'Status', cmdID: '', msgRef: '1', cmdRef, cmd: 'Get', targetRefs: target ? [target] : [], sourceRefs: [], data: String(code), items: [],
});
const get2: ItemCommand = { kind: 'Get', cmdID: '2', items: [{ target: { locURI: './a' } }, { target: { locURI: './b' } }] };
const get1: ItemCommand = { kind: 'Get', cmdID: '3', items: [{ target: { locURI: './a' } }] };

describe('noteStatus', () => {
  it('allows one Status per Item of a command with several Items', () => {
    const seen = { whole: false, items: new Set<string>() };
    expect(noteStatus(seen, get2, st('2', 200, './a'))).toBeUndefined();
    expect(noteStatus(seen, get2, st('2', 404, './b'))).toBeUndefined();
    expect(noteStatus(seen, get2, st('2', 200, './b'))).toMatch(/second Status for the Item \.\/b/);
  });

  it('flags a second whole-command Status, a per-Item one after it, and any second Status for a one-Item command', () => {
    const whole = { whole: false, items: new Set<string>() };
    expect(noteStatus(whole, get2, st('2', 200))).toBeUndefined();
    expect(noteStatus(whole, get2, st('2', 200))).toMatch(/whole command/);
    expect(noteStatus(whole, get2, st('2', 200, './a'))).toMatch(/after one for the whole command/);
    const one = { whole: false, items: new Set<string>() };
    expect(noteStatus(one, get1, st('3', 200, './a'))).toBeUndefined();
    expect(noteStatus(one, get1, st('3', 200, './a'))).toMatch(/after another/);
  });
});

describe('a client answering per Item', () => {
  it('get-devdetail: a Status per Item of the six-Item Get is no violation, and each is recorded with its Item', async () => {
    server = await startDmServer({ scenario: 'get-devdetail' });
    const c = new TestClient(server.url, 'IMEI:42', '1');
    const reply = (await c.pkg1([])).reply;
    const [multi, single] = commandsOf(reply) as ItemCommand[];
    const statuses = c.statuses(reply).filter((s) => s.cmdRef !== multi.cmdID);
    const perItem = multi.items.map((it, i) => ({ ...st(multi.cmdID, i === 0 ? 404 : 200, it.target!.locURI), msgRef: reply.hdr.msgID }));
    await c.send([...statuses, ...perItem]);
    expect(server.events.violations).toEqual([]);
    const rec = server.events.statuses.filter((s) => s.cmdRef === multi.cmdID);
    expect(rec.map((s) => `${s.target} ${s.code}`)).toEqual(multi.items.map((it, i) => `${it.target!.locURI} ${i === 0 ? 404 : 200}`));
    expect(single.items.length).toBe(1);
  });
});
