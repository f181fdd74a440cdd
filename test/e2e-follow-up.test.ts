// `request` returns when the session and every job it can run now have finished (src/agent/agent.ts afterSession), on
// each runtime: the reference server's `fumo-follow-up` scenario commands the update in its second package (a later
// message) and a second update inside the agent's report session (a follow-up session). Before the fix the second
// job was left behind: qjs exited at once (the daemon picked the job up later), Node ran it but sent no report.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { agentConfig, prepareRuntime, runAgent, runtimeSkipReason, RUNTIMES } from './support/agent.js';

let server: DmServer;
beforeAll(async () => {
  server = await startDmServer({ port: 0, scenario: 'fumo-follow-up', files: { 'fw.bin': new Uint8Array(16384).map((_, i) => (i * 7) & 0xff) } });
});
afterAll(async () => {
  await server.close();
});

for (const rt of RUNTIMES) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`jobs commanded later on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    it('update in a later message and a second one in the report session: both run and both reports arrive before request returns', async () => {
      server.reset();
      const devId = `MAC:00000000F0${RUNTIMES.indexOf(rt)}1`;
      const dir = agentConfig({}, `follow-${rt}`).dir;
      const c = agentConfig(
        {
          server: { url: server.url },
          device: { devIdScheme: 'fixed', devId, firmwareVersion: '1.0' },
          ui: { mode: 'headless' },
          // requireHash stays on (the default): the server names the SHA-256 in ./FUMO/Ext/PkgSHA256
          fumo: { writer: { type: 'file', path: path.join(dir, 'fw.img') }, reboot: [], allowHttp: true },
        },
        `follow-${rt}`,
      );
      const r = await runAgent(rt, ['--config', c.config, '--json', 'request', '--user']);
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout.trim().split('\n').pop() as string);
      expect(out).toMatchObject({ ok: true, status: 200, jobsFinished: true });
      const jobs = out.jobs as string[];
      // job 1, its report session (which commands job 2), job 2, its report session; nothing left pending
      expect(jobs.filter((j) => /^report session .*: 1 of 1 result report\(s\) acknowledged$/.test(j))).toHaveLength(2);
      expect(jobs.filter((j) => /^firmware job .*result 200/.test(j))).toHaveLength(2);
      expect(jobs.join('\n')).not.toMatch(/left pending|waits at step/);

      const reports = server.events.countedReports.filter((x) => x.devId === devId);
      expect(reports.map((x) => x.resultCode)).toEqual([200, 200]);
      expect(new Set(server.events.sessions.filter((s) => s.devId === devId).map((s) => s.sessionId)).size).toBe(3);
      expect(server.events.violations).toEqual([]);

      const text = await runAgent(rt, ['--config', c.config, 'request', '--user']);
      expect(text.code).toBe(0);
      // the second request gets the follow-up no more (once per device): one job, one report, and the text says so
      expect(text.stdout).toContain('jobs: all finished, nothing left for later');

      // Nothing was left for the daemon: the FUMO job is done and no report waits.
      const st = await runAgent(rt, ['--config', c.config, '--json', 'status']);
      const status = JSON.parse(st.stdout.trim().split('\n').pop() as string);
      expect(status.pendingReports).toEqual([]);
      expect(status.fumo).toMatchObject({ job: { step: 'Done', result: 200 } });
    });
  });
}
