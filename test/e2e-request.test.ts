// The walking skeleton across runtimes: `dm-agent request` against the reference DM server, on Node, on host qjs and
// on the arm64/armhf qjs under qemu-user-static, and on the executable the images ship (qjs-exe: the bundle as
// QuickJS bytecode). Same command line, same output, same exit status everywhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { agentConfig, prepareRuntime, runAgent, runtimeSkipReason, RUNTIMES, type AgentRuntime } from './support/agent.js';

const ALL: AgentRuntime[] = [...RUNTIMES, 'qjs-exe'];

let server: DmServer;
beforeAll(async () => {
  server = await startDmServer({ port: 0 });
});
afterAll(async () => {
  await server.close();
});

for (const rt of ALL) {
  const skip = runtimeSkipReason(rt);
  if (skip) console.warn(`[e2e ${rt}] skipped: ${skip}`);
  describe.skipIf(!!skip)(`request on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);
    it('device request answered 202: exit 0, a readable line, and the alert the seeds require on the wire', async () => {
      server.reset();
      server.setScenario('accept-202');
      const devId = `MAC:0000000000${ALL.indexOf(rt)}1`;
      const c = agentConfig({ server: { url: server.url }, device: { devIdScheme: 'fixed', devId } }, rt);
      const r = await runAgent(rt, ['--config', c.config, 'request', '--device']);
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('server answered 202: accepted for processing');
      const state = JSON.parse(server.state());
      const alerts = state.genericAlerts.filter((a: { devId?: string }) => a.devId === devId);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({ type: 'org.openmobilealliance.dm.firmwareupdate.devicerequest', data: '' });
    });

    it('user request with --json and --xml answered 200', async () => {
      server.reset();
      server.setScenario({ name: 'ok-200', requestStatus: () => 200, next: () => [] });
      const devId = `MAC:0000000000${ALL.indexOf(rt)}2`;
      const c = agentConfig({ server: { url: server.url }, device: { devIdScheme: 'fixed', devId } }, rt);
      const r = await runAgent(rt, ['--config', c.config, '--json', 'request', '--user', '--xml', '--data', 'vendor=1']);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout.trim());
      expect(out).toMatchObject({ ok: true, status: 200, answer: 'will-update', type: 'org.openmobilealliance.dm.firmwareupdate.userrequest' });
      const state = JSON.parse(server.state());
      const alert = state.genericAlerts.find((a: { devId?: string }) => a.devId === devId);
      expect(alert).toMatchObject({ data: 'vendor=1' });
    });

    it('a refusal (500) exits 5 and says why; an unreachable server exits 4', async () => {
      server.reset();
      server.setScenario('reject-500');
      const c = agentConfig({ server: { url: server.url }, device: { devIdScheme: 'fixed', devId: 'MAC:0000000000FF' } }, rt);
      const r = await runAgent(rt, ['--config', c.config, 'request', '--device']);
      expect(r.code).toBe(5);
      expect(r.stderr).toContain('refused the request with status 500');
      const down = await runAgent(rt, ['--config', c.config, 'request', '--device', '--server', 'http://127.0.0.1:9/dm']);
      expect(down.code).toBe(4);
      expect(down.stderr).toMatch(/cannot reach the DM server/);
    });

    it('bad configuration exits 3 and names the key', async () => {
      const c = agentConfig({ server: { url: server.url, clientAuth: { type: 'kerberos' } } }, rt);
      const r = await runAgent(rt, ['--config', c.config, 'request', '--device']);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('server.clientAuth.type');
    });
  });
}
