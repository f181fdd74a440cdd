// TNDS end to end (OMA-TS-DM_TND-V1_2 TNDS chapter, docs/protocol.md §1.12; issue 20 item 6): the reference server's `tnds` scenario against the built
// agent on Node and on host qjs, in both message encodings. The server reads ./DevInfo as a TNDS object (XML), adds
// ./TndsDemo with one TNDS Add, reads it back in the WBXML form, and sends a bad TNDS object that must be refused
// (400) with nothing of it kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { TNDS_WBXML_TYPE, TNDS_XML_TYPE } from '../scripts/server/tnds.js';
import type { Item } from '../src/syncml/model.js';
import { parseTnds, type TndsNode } from '../src/tree/tnds.js';
import { agentConfig, prepareRuntime, runAgent, runtimeSkipReason, type AgentRuntime } from './support/agent.js';

const runtimes: AgentRuntime[] = ['node', 'qjs'];
const servers: DmServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** name -> value of the leaves below a node, by relative path. */
function leaves(n: TndsNode, prefix = ''): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  const here = prefix ? prefix + '/' + n.name : n.name;
  if (!n.children.length) out[here] = n.value;
  for (const c of n.children) Object.assign(out, leaves(c, here));
  return out;
}

function meta(item: Item): { format?: string; type?: string } {
  return { format: item.meta && item.meta.format, type: item.meta && item.meta.type };
}

let devNo = 0;
for (const rt of runtimes) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`TNDS with the reference server on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    for (const encoding of ['wbxml', 'xml'] as const) {
      it(`${encoding}: Get ?list=TNDS answers a MgmtTree, a TNDS Add creates the subtree, a bad one is refused whole`, async () => {
        const s = await startDmServer({ port: 0, scenario: 'tnds' });
        servers.push(s);
        const devId = `MAC:00000000T${rt === 'node' ? 'N' : 'Q'}${encoding === 'xml' ? 'X' : 'W'}${devNo++}`;
        const c = agentConfig({ server: { url: s.url, encoding }, device: { devIdScheme: 'fixed', devId } }, rt);
        const r = await runAgent(rt, ['--config', c.config, 'request', '--device']);
        expect(r.stderr).not.toMatch(/internal error/);
        expect(r.code).toBe(0);
        const ev = s.events;
        expect(ev.violations).toEqual([]);

        // Package 1: the XML TNDS of ./DevInfo, with Format, Type and Values.
        const devInfo = ev.results.find((x) => x.get && JSON.stringify(x.get).indexOf('./DevInfo?list=TNDS') >= 0)!;
        expect(devInfo.items).toHaveLength(1);
        expect(meta(devInfo.items[0])).toEqual({ format: 'xml', type: TNDS_XML_TYPE });
        const [top] = parseTnds(devInfo.items[0].data, TNDS_XML_TYPE, {});
        expect(top.name).toBe('DevInfo');
        expect(top.path).toBe('.');
        expect(top.format).toBe('node');
        expect(top.type).toBe('urn:oma:mo:oma-dm-devinfo:1.0');
        expect(leaves(top)['DevInfo/DevId']).toBe(devId);
        expect(leaves(top)['DevInfo/DmV']).toBeTruthy();

        const status = (cmd: string, target: string) => ev.statuses.filter((x) => x.cmd === cmd && x.target === target).map((x) => x.code);
        // The good Add: 200 and every node there (read back in package 2 as WBXML), the bad one 400.
        expect(status('Add', './TndsDemo')).toEqual([200, 400]);
        const wb = ev.results.find((x) => x.get && JSON.stringify(x.get).indexOf('./TndsDemo?list=TNDS+Value') >= 0)!;
        expect(meta(wb.items[0])).toEqual({ format: 'bin', type: TNDS_WBXML_TYPE });
        const [demo] = parseTnds(wb.items[0].data, TNDS_WBXML_TYPE, {});
        expect(leaves(demo)).toEqual({ 'TndsDemo/Name': 'gateway & co', 'TndsDemo/Count': '42', 'TndsDemo/Sub/Flag': 'true' });
        expect(demo.format).toBeUndefined(); // +Value only: no Format asked for

        // Nothing of the bad object stayed: not even its good first node.
        const struct = ev.results.find((x) => x.get && JSON.stringify(x.get).indexOf('./TndsDemo?list=Struct') >= 0)!;
        expect(struct.items.map((i) => i.source && i.source.locURI)).toEqual([
          './TndsDemo',
          './TndsDemo/Name',
          './TndsDemo/Count',
          './TndsDemo/Sub',
          './TndsDemo/Sub/Flag',
        ]);
      }, 120_000);
    }
  });
}
