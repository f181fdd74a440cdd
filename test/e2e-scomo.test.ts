// FLOWS story C end to end, on Node and host qjs: `dm-agent request --user --component <name>` sends the SCOMO 1.1
// UpdateUserRequest with Source = the component's Deployed node; the server answers 200, reads the component
// (?list=StructData), adds a Download package and Execs DownloadInstall; the agent downloads it, installs it through
// the script installer, the Deployed node shows the new version, and the OperationComplete alert (1200) reaches the
// server once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { agentConfig, prepareRuntime, runAgent, runtimeSkipReason, type AgentRuntime } from './support/agent.js';

let server: DmServer;
beforeAll(async () => {
  server = await startDmServer({ port: 0, scenario: 'scomo-200', files: { 'com.example.app-1.1.pkg': new Uint8Array(Buffer.from('package payload v1.1\n')) } });
});
afterAll(async () => {
  await server.close();
});

for (const rt of ['node', 'qjs'] as AgentRuntime[]) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`SCOMO story on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    it('user request for one component → 200 → Get, Add, Exec DownloadInstall → installed, reported once', async () => {
      const devId = `MAC:0000000000C${rt === 'node' ? 1 : 2}`;
      const c = agentConfig({ server: { url: server.url }, device: { devIdScheme: 'fixed', devId } }, `scomo-${rt}`);
      const manifests = path.join(c.dir, 'components');
      mkdirSync(manifests);
      writeFileSync(path.join(manifests, 'app.json'), JSON.stringify({ id: 'com.example.app', name: 'com.example.app', version: '1.0', description: 'sensor app' }));
      // The installer: records what it got and writes the new manifest (a component no package manager knows).
      const script = path.join(c.dir, 'installer.sh');
      writeFileSync(
        script,
        `#!/bin/sh\nset -e\ncase "$1" in\n  install) cp "$SCOMO_PKG_PATH" "${c.dir}/installed.pkg"\n    echo '{"id":"com.example.app","name":"com.example.app","version":"1.1","description":"sensor app"}' > "${manifests}/app.json"\n    echo component=com.example.app ;;\n  *) exit 0 ;;\nesac\n`,
      );
      chmodSync(script, 0o755);
      const cfg = JSON.parse(readFileSync(c.config, 'utf8'));
      cfg.scomo = { enabled: true, inventory: { dpkg: false, opkg: false, manifests }, installer: { type: 'script', script } };
      writeFileSync(c.config, JSON.stringify(cfg));

      const r = await runAgent(rt, ['--config', c.config, 'request', '--user', '--component', 'com.example.app']);
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('server answered 200');
      const st = JSON.parse(server.state());
      const req = st.genericAlerts.find((a: { devId: string; type?: string }) => a.devId === devId && a.type === 'urn:oma:at:scomo:1.1:UpdateUserRequest');
      expect(req.source).toMatch(/^\.\/SCOMO\/Inventory\/Deployed\/[^/]+$/);
      expect(req.data).toBe('');
      expect(readFileSync(path.join(c.dir, 'installed.pkg'), 'utf8')).toBe('package payload v1.1\n');
      const reports = st.reports.filter((x: { devId: string }) => x.devId === devId);
      expect(reports).toHaveLength(1);
      expect(reports[0].type).toBe('urn:oma:at:scomo:1.0:OperationComplete');
      expect(String(reports[0].data)).toContain('<ResultCode>1200</ResultCode>');
      // The tree now shows the new version under the same <x>.
      const t = await runAgent(rt, ['--config', c.config, 'tree', 'get', `${req.source}/Version`]);
      expect(t.stdout.trim()).toBe('1.1');
      // A component that is not deployed is refused before anything is sent.
      const bad = await runAgent(rt, ['--config', c.config, 'request', '--user', '--component', 'no-such-thing']);
      expect(bad.code).toBe(8);
      expect(bad.stderr).toMatch(/no-such-thing/);
    });
  });
}
