// Issue 20 items 1 and 2 end to end, on Node and on host qjs, against the reference server's `tree-life` scenario
// (scripts/server/tree-life.ts): in one session a server Adds an interior node and a leaf, Replaces the leaf, Gets three
// Items of which one is missing, then Deletes the node and Gets it again. The creator holds rights on what it added
// (OMA-TS-DM_TND-V1_2 §7.7.1.3) and commands with several Items are answered one Status per Item with one Results.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { TREE_LIFE_ROOT as X } from '../scripts/server/tree-life.js';
import type { ResultsRecord, StatusRecord } from '../scripts/server/types.js';
import { agentConfig, prepareRuntime, runAgent, runtimeSkipReason, type AgentRuntime } from './support/agent.js';

const runtimes: AgentRuntime[] = ['node', 'qjs'];
const servers: DmServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

for (const rt of runtimes) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`a subtree a server creates, on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    it('Add -> Replace -> Get (one missing) -> Delete -> Get in one session: per-Item Statuses, the creator may change and delete', async () => {
      const s = await startDmServer({ port: 0, scenario: 'tree-life' });
      servers.push(s);
      const devId = rt === 'node' ? 'MAC:00000000E201' : 'MAC:00000000E202';
      const c = agentConfig({ server: { url: s.url }, device: { devIdScheme: 'fixed', devId } }, `tree-life-${rt}`);
      const r = await runAgent(rt, ['--config', c.config, 'request', '--user']);
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.code).toBe(0);
      const st = JSON.parse(s.state()) as { statuses: StatusRecord[]; results: ResultsRecord[]; violations: unknown[] };
      const rows = st.statuses.filter((x) => x.cmd !== 'SyncHdr').map((x) => `${x.cmd} ${x.target} ${x.code}`);
      expect(rows).toEqual([
        `Add ${X} 200`,
        `Add ${X}/Setting 200`,
        `Replace ${X}/Setting 200`,
        `Get ${X}/Setting 200`,
        `Get ${X}/Missing 404`,
        `Get ${X} 200`,
        `Delete ${X} 200`,
        `Get ${X} 404`,
      ]);
      // One Results for the three-Item Get, holding the two nodes found; none for the Get after the Delete.
      expect(st.results.length).toBe(1);
      expect(st.results[0].items.map((i) => `${i.source!.locURI}=${i.data}`)).toEqual([`${X}/Setting=two`, `${X}=Setting`]);
      expect(st.violations).toEqual([]);
      // The node is gone from the agent's stored tree too.
      const after = await runAgent(rt, ['--config', c.config, '--json', 'tree', 'get', X]);
      expect(after.stdout + after.stderr).not.toContain('Setting');
    }, 120_000);
  });
}
