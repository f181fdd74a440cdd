// The HTTP headers of every request the agent makes, on each runtime, as the reference server records them
// (src/dm/http-headers.ts, docs/transport.md "HTTP headers and connections"): the DM messages carry the DM media
// types (OMA-TS-DM_RepPro-V1_2) in Content-Type and Accept, the package GET the same User-Agent, and on Node all the
// messages of a session share one connection (keep-alive) while the next session opens its own.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import type { MessageRecord } from '../scripts/server/types.js';
import { agentConfig, prepareRuntime, runAgent, runtimeSkipReason, RUNTIMES } from './support/agent.js';
import { repoRoot } from './support/qjs.js';

const version = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version as string;
const WBXML = 'application/vnd.syncml.dm+wbxml';
const XML = 'application/vnd.syncml.dm+xml';

let server: DmServer;
beforeAll(async () => {
  server = await startDmServer({ port: 0, scenario: 'fumo-200', files: { 'fw.bin': new Uint8Array(8192).map((_, i) => i & 0xff) } });
});
afterAll(async () => {
  await server.close();
});

const inbound = (devId: string): MessageRecord[] => server.events.messages.filter((m) => m.dir === 'in' && m.devId === devId);

for (const rt of RUNTIMES) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`HTTP headers on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);
    const agentName = rt === 'node' ? new RegExp(`^dm-agent/${version.replace(/\./g, '\\.')} \\(node v\\d+\\.\\d+\\.\\d+\\)$`) : new RegExp(`^dm-agent/${version.replace(/\./g, '\\.')} \\(quickjs 2021-03-27\\)$`);

    it('a FUMO request: User-Agent, Accept, Content-Type on every message and the package GET; one connection per session where the runtime allows', async () => {
      server.reset();
      const devId = `MAC:00000000E0${RUNTIMES.indexOf(rt)}1`;
      const dir = agentConfig({}, `hdr-${rt}`).dir;
      const c = agentConfig(
        {
          server: { url: server.url },
          device: { devIdScheme: 'fixed', devId, firmwareVersion: '1.0' },
          ui: { mode: 'headless' },
          fumo: { writer: { type: 'file', path: path.join(dir, 'fw.img') }, reboot: [], allowHttp: true, requireHash: false },
        },
        `hdr-${rt}`,
      );
      const r = await runAgent(rt, ['--config', c.config, 'request', '--user']);
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.code).toBe(0);
      const msgs = inbound(devId);
      // the request session (package 1, then the statuses for the update commands) and the report session
      const sessions = Array.from(new Set(msgs.map((m) => m.sessionKey)));
      expect(sessions.length).toBe(2);
      for (const m of msgs) {
        expect(m.headers!['user-agent']).toMatch(agentName);
        expect(m.headers!['content-type']).toBe(WBXML);
        expect(m.headers!['accept']).toBe(`${WBXML}, ${XML}`);
        expect(m.headers!['accept-charset']).toBe('utf-8');
        expect(m.headers!['cache-control']).toBe('no-store');
      }
      const gets = server.events.downloads.filter((d) => d.name === 'fw.bin');
      expect(gets.length).toBeGreaterThan(0);
      for (const g of gets) expect(g.userAgent).toMatch(agentName);

      const first = msgs.filter((m) => m.sessionKey === sessions[0]);
      const second = msgs.filter((m) => m.sessionKey === sessions[1]);
      expect(first.length).toBeGreaterThan(1);
      const conns = (list: MessageRecord[]) => Array.from(new Set(list.map((m) => m.connection)));
      if (rt === 'node') {
        // keep-alive: one connection for all messages of a session; the report session opens a fresh one
        expect(conns(first)).toHaveLength(1);
        expect(conns(second)).toHaveLength(1);
        expect(conns(second)[0]).not.toBe(conns(first)[0]);
      } else {
        // one curl process per message: no connection outlives its message (README "Transport")
        expect(conns(msgs)).toHaveLength(msgs.length);
      }
    });

    it('XML encoding: Content-Type names the charset, Accept lists the XML type first', async () => {
      server.reset();
      const devId = `MAC:00000000E0${RUNTIMES.indexOf(rt)}2`;
      server.setScenario('accept-202', devId);
      const c = agentConfig({ server: { url: server.url, encoding: 'xml' }, device: { devIdScheme: 'fixed', devId } }, `hdr-${rt}`);
      const r = await runAgent(rt, ['--config', c.config, 'request', '--device']);
      expect(r.code).toBe(0);
      const msgs = inbound(devId);
      expect(msgs.length).toBeGreaterThan(0);
      for (const m of msgs) {
        expect(m.encoding).toBe('xml');
        expect(m.headers!['content-type']).toBe(`${XML}; charset=utf-8`);
        expect(m.headers!['accept']).toBe(`${XML}, ${WBXML}`);
        expect(m.headers!['user-agent']).toMatch(agentName);
      }
      expect(server.events.violations).toEqual([]);
    });
  });
}
