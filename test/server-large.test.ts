// Large objects (docs/protocol.md §1.10) in both directions: the server splits a big Replace into MoreData chunks across
// messages without Final, and reassembles a chunked Results from the client, answering 213 and Alert 1222.
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert, Command, ItemCommand, Status, SyncML } from '../src/syncml/model.js';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { largeValue } from '../scripts/server/scenarios.js';
import { splitPackage } from '../scripts/server/large-object.js';
import { commandsOf, sessionAlert, TestClient } from '../scripts/server/test-client.js';
import type { Encoding } from '../scripts/server/types.js';
import { allowViolations } from './support/conformance.js';

allowViolations('server unit tests: a hand-driven client sends wrong chunk sizes on purpose');

let server: DmServer | undefined;
afterEach(async () => {
  if (server) await server.close();
  server = undefined;
});

describe.each<Encoding>(['xml', 'wbxml'])('large-object (%s)', (enc) => {
  it('sends a 2500-byte Replace in three chunks and takes a chunked Results back', async () => {
    server = await startDmServer({ scenario: 'large-object', chunkSize: 1000, params: { largeSize: 2500, largeGet: './DevDetail/Ext/Big' } });
    const c = new TestClient(server.url, 'IMEI:L', '1', enc);
    let reply: SyncML = (await c.pkg1([])).reply;
    const chunks: ItemCommand[] = [];
    for (;;) {
      const rep = commandsOf(reply)[0] as ItemCommand;
      expect(rep.kind).toBe('Replace');
      chunks.push(rep);
      if (reply.final) break;
      // Non-final chunk: 213, and ask for the next message without Final (docs/protocol.md §1.9, §1.10).
      reply = (await c.send([...c.statuses(reply, () => 213), sessionAlert('1222')], { final: false })).reply;
    }
    expect(chunks).toHaveLength(3);
    expect(chunks.map((x) => x.items[0].moreData || false)).toEqual([true, true, false]);
    expect(chunks.map((x) => x.items[0].meta && x.items[0].meta.size)).toEqual(['2500', undefined, undefined]);
    expect(chunks.map((x) => x.items[0].data).join('')).toBe(largeValue(2500));
    expect(chunks.every((x) => x.items[0].target!.locURI === './FUMO/Update/PkgData')).toBe(true);

    // Last chunk acknowledged with 200 and Final: the server goes on with its Get.
    reply = (await c.send(c.statuses(reply))).reply;
    const getCmd = commandsOf(reply)[0] as ItemCommand;
    expect(getCmd.kind).toBe('Get');
    const big = largeValue(1800);
    const part1 = c.results(reply, getCmd, [{ source: { locURI: './DevDetail/Ext/Big' }, meta: { size: '1800' }, data: big.slice(0, 900), moreData: true }]);
    const r1 = (await c.send([...c.statuses(reply), part1], { final: false })).reply;
    const st = r1.body.find((x): x is Status => x.kind === 'Status' && x.cmd === 'Results') as Status;
    expect(st.data).toBe('213');
    expect(commandsOf(r1).map((x) => (x as Alert).data)).toEqual(['1222']);
    expect(r1.final).toBe(false);
    const part2 = c.results(reply, getCmd, [{ source: { locURI: './DevDetail/Ext/Big' }, data: big.slice(900) }]);
    const r2 = (await c.send([...c.statuses(r1), part2] as Command[])).reply;
    expect(r2.final).toBe(true);
    expect(commandsOf(r2)).toEqual([]);
    expect(r2.body.filter((x) => x.kind === 'Status' && (x as Status).cmd === 'Results')).toEqual([]); // no 200 for Results
    expect(server.events.results).toHaveLength(1);
    expect(server.events.results[0].chunks).toBe(2);
    expect(server.events.results[0].items[0].data).toBe(big);
    expect(server.events.violations).toEqual([]);
    expect(server.events.sessions[0].endReason).toBe('completed');
  });
});

describe.each<Encoding>(['xml', 'wbxml'])('chunks fit the client MaxMsgSize (%s)', (enc) => {
  it('measures its messages and shrinks chunks until each fits', async () => {
    server = await startDmServer({ scenario: 'large-object', params: { largeSize: 6000 } });
    const c = new TestClient(server.url, 'IMEI:S', '1', enc);
    let ex = await c.pkg1([], { maxMsgSize: '2000' });
    const sizes = [ex.bytesReceived];
    let data = '';
    for (;;) {
      const rep = commandsOf(ex.reply)[0] as ItemCommand;
      data += rep.items[0].data as string;
      if (ex.reply.final) break;
      ex = await c.send([...c.statuses(ex.reply, () => 213), sessionAlert('1222')], { final: false, maxMsgSize: '2000' });
      sizes.push(ex.bytesReceived);
    }
    expect(data).toBe(largeValue(6000));
    expect(sizes.length).toBeGreaterThan(3);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2000);
    // and not wastefully small: the first message uses most of the room
    expect(sizes[0]).toBeGreaterThan(1500);
  });
});

describe('chunk size check', () => {
  it('answers 424 when the reassembled Results differs from Meta/Size', async () => {
    server = await startDmServer({ scenario: (ctx) => (ctx.step === 0 ? [{ kind: 'Get', cmdID: '', items: [{ target: { locURI: './X' } }] }] : []) });
    const c = new TestClient(server.url, 'IMEI:M', '1');
    const pkg2 = (await c.pkg1([])).reply;
    const g = commandsOf(pkg2)[0];
    const r1 = (await c.send([...c.statuses(pkg2), c.results(pkg2, g, [{ source: { locURI: './X' }, meta: { size: '10' }, data: 'abc', moreData: true }])], { final: false })).reply;
    const r2 = (await c.send([...c.statuses(r1), c.results(pkg2, g, [{ source: { locURI: './X' }, data: 'de' }])])).reply;
    const st = r2.body.find((x): x is Status => x.kind === 'Status' && x.cmd === 'Results');
    expect(st && st.data).toBe('424');
    expect(server.events.violations.map((v) => v.code)).toEqual(['chunk-size']);
  });
});

describe('splitPackage', () => {
  it('chunks binary data by bytes, keeps small commands together, and leaves the Item count at one per chunk', () => {
    const big = Uint8Array.from({ length: 25 }, (_, i) => i);
    const small: Command = { kind: 'Get', cmdID: '', items: [{ target: { locURI: './A' } }] };
    const rep: Command = { kind: 'Replace', cmdID: '', items: [{ target: { locURI: './B' }, meta: { format: 'bin' }, data: big }] };
    const msgs = splitPackage([small, rep, small], 10);
    expect(msgs.map((m) => m.map((c) => c.kind))).toEqual([['Get', 'Replace'], ['Replace'], ['Replace', 'Get']]);
    const parts = msgs.flat().filter((c): c is ItemCommand => c.kind === 'Replace').map((c) => c.items[0]);
    expect(parts.map((p) => (p.data as Uint8Array).length)).toEqual([10, 10, 5]);
    expect(parts.map((p) => p.meta)).toEqual([{ format: 'bin', size: '25' }, { format: 'bin' }, { format: 'bin' }]);
    expect(parts.map((p) => !!p.moreData)).toEqual([true, true, false]);
    expect(Uint8Array.from(parts.flatMap((p) => Array.from(p.data as Uint8Array)))).toEqual(big);
    expect(splitPackage([small, small], 10)).toHaveLength(1);
  });
});
