// The state directory is the agent's alone, on Node and host qjs: created 0700, refused (exit 3, naming the directory
// and its mode) when its group or others may write it, and a firmware download left partial in staging is 0600.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { agentCommand, agentConfig, prepareRuntime, runAgent, runtimeSkipReason, type AgentRuntime } from './support/agent.js';

let server: DmServer;
beforeAll(async () => {
  server = await startDmServer({ port: 0, scenario: 'fumo-200', files: { 'fw.bin': new Uint8Array(randomBytes(200_000)) } });
});
afterAll(async () => {
  await server.close();
});

const mode = (p: string) => statSync(p).mode & 0o7777;

function startAgent(rt: AgentRuntime, args: string[]): { exited: () => boolean; kill: () => void } {
  const [cmd, ...pre] = agentCommand(rt);
  const child = spawn(cmd, [...pre, ...args], { stdio: 'ignore' });
  let over = false;
  child.on('close', () => (over = true));
  return { exited: () => over, kill: () => child.kill('SIGKILL') };
}

for (const rt of ['node', 'qjs'] as AgentRuntime[]) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`state directory mode on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);
    const devId = (n: number) => `MAC:0000000000C${rt === 'node' ? 1 : 2}${n}`;

    it('a new state directory is made 0700; one its group or others may write is refused with exit 3 naming it and its mode', async () => {
      const c = agentConfig({ server: { url: server.url }, device: { devIdScheme: 'fixed', devId: devId(2) } }, `mode-${rt}`);
      expect((await runAgent(rt, ['--config', c.config, 'status'])).code).toBe(0);
      expect(mode(c.state).toString(8)).toBe('700');
      for (const f of readdirSync(c.state)) rmSync(path.join(c.state, f));
      chmodSync(c.state, 0o770);
      const group = await runAgent(rt, ['--config', c.config, 'request', '--device']);
      expect(group.code).toBe(3);
      expect(group.stderr).toContain(`the state directory ${c.state} is writable by its group (mode 0770)`);
      chmodSync(c.state, 0o703);
      const others = await runAgent(rt, ['--config', c.config, 'status']);
      expect(others.code).toBe(3);
      expect(others.stderr).toContain(`the state directory ${c.state} is writable by others (mode 0703)`);
      // Nothing was written into it, and a private one works again.
      expect(readdirSync(c.state)).toEqual([]);
      chmodSync(c.state, 0o700);
      expect((await runAgent(rt, ['--config', c.config, 'status'])).code).toBe(0);
    });

    it('a partial firmware download in staging is 0600, like everything else there', async () => {
      // An external installer: the package is staged for it (uboot-ab and file writers stream it into the slot).
      const c = agentConfig(
        {
          server: { url: server.url },
          device: { devIdScheme: 'fixed', devId: devId(3) },
          fumo: { writer: { type: 'command', install: ['true', '{file}'], needsReboot: false }, reboot: [], allowHttp: true, requireHash: false },
          ui: { mode: 'headless' },
        },
        `mode-fw-${rt}`,
      );
      // Each GET of the image is answered 2 s late and breaks off after 50 000 bytes: while the agent waits for the
      // answer to its resuming GET, the partial file sits in staging. It is looked at then, and the agent is killed.
      server.setFault('fw.bin', { dropAfterBytes: 50_000, delayMs: 2000, times: 3 });
      const staging = path.join(c.state, 'staging');
      // The package file, once the first GET broke off (the sidecar `.part.json` says how far it got).
      const drops = () => JSON.parse(server.state()).downloads.filter((d: { dropped: boolean }) => d.dropped).length;
      const dropsBefore = drops();
      const dropped = () => drops() > dropsBefore;
      const agent = startAgent(rt, ['--config', c.config, 'request', '--user']);
      try {
        // One look at the directory per round, its modes read in the same round: the downloader may replace the file
        // between two looks (a resume the server answers with 200 starts over), so a file seen once may be gone.
        const t0 = Date.now();
        let seen: string[] | null = null;
        while (!seen && !agent.exited() && Date.now() - t0 < 60_000) {
          if (dropped()) {
            try {
              const files = existsSync(staging) ? readdirSync(staging) : [];
              if (files.some((f) => !/\.json$/.test(f))) seen = files.map((f) => `${f} ${mode(path.join(staging, f)).toString(8)}`);
            } catch {
              seen = null; // a file went away between readdir and stat: look again
            }
          }
          if (!seen) await new Promise((r) => setTimeout(r, 20));
        }
        expect(agent.exited()).toBe(false);
        expect(seen, 'a partial package in staging while the agent waits to resume').not.toBeNull();
        expect(seen!.filter((l) => !/\.json /.test(l))).toHaveLength(1);
        for (const l of seen!) expect(l).toBe(`${l.split(' ')[0]} 600`);
      } finally {
        agent.kill();
        server.setFault('fw.bin', undefined);
      }
    }, 180_000);
  });
}
