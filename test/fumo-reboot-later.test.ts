// The built agent, Node and host qjs, with fumo.reboot [] ("the operator reboots") and A/B slots over the real
// fw_setenv, against the reference DM server (issue 16 items 3 and 4). Each simulated boot writes a new kernel boot id
// and /etc/version under the device's sysRoot; the kernel command line file names the booted slot.
//   - after `request --user` the job waits in "awaiting reboot" (`status`, text and --json), through any number of
//     `daemon --once` runs without a reboot: no report, no rollback
//   - a new boot id (the reboot) → commit → exactly one report, 200
//   - the button pressed again for the same package: not flashed again (slots and env unchanged), 200 "already
//     installed"
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { agentConfig, prepareRuntime, runAgent, runtimeSkipReason, type AgentRuntime } from './support/agent.js';
import { fumoUserStory } from './support/fumo-story.js';
import { abDevice } from './support/ab-device.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const oldFw = randomBytes(40_000);
const newFw = randomBytes(90_000);
const VERSION = new Map([
  [sha(oldFw), '1.0'],
  [sha(newFw), '2.0'],
]);

let server: DmServer;
beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-later-srv-'));
  writeFileSync(path.join(dir, 'fw.bin'), newFw);
  const story = fumoUserStory({ name: 'reboot-later', hash: sha(newFw), version: '2.0' });
  server = await startDmServer({ port: 0, scenario: story, files: { 'fw.bin': path.join(dir, 'fw.bin') } });
});
afterAll(() => server.close());

let n = 0;
for (const rt of ['node', 'qjs', 'qjs-exe'] as AgentRuntime[]) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`fumo.reboot [] on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    it('waits in "awaiting reboot" through restarts, commits after the reboot (200 once), does not reflash the same version', async () => {
      const devId = `MAC:0200000016${(++n).toString(16).padStart(2, '0').toUpperCase()}`;
      const c = agentConfig({}, 'later');
      const { env, slots, boot, config } = await abDevice(c.dir, oldFw, VERSION);
      const [slotA, slotB] = [slots.A, slots.B];
      writeFileSync(
        c.config,
        JSON.stringify(config(devId, { server: { url: server.url, id: 'dm-agent-reference-server', encoding: 'wbxml' }, stateDir: c.state, log: { level: 'info' } })),
      );
      const agent = async (args: string[]) => {
        const r = await runAgent(rt, ['--config', c.config, ...args], { timeoutMs: 180_000 });
        expect(r.code, r.stderr).toBe(0);
        return r;
      };
      const fumoStatus = async () => JSON.parse((await agent(['--json', 'status'])).stdout.trim().split('\n').pop()!).fumo;
      const reports = () => (JSON.parse(server.state()).reports as Array<{ devId: string; resultCode?: number }>).filter((r) => r.devId === devId);

      await agent(['request', '--user']);
      expect(await env.read()).toMatchObject({ dm_slot: 'B', dm_B_ok: '1', upgrade_available: '1' });
      expect((await agent(['status'])).stdout).toMatch(/awaiting reboot/);
      expect(await fumoStatus()).toMatchObject({ state: 60, awaitingReboot: true, job: { step: 'VerifyBoot', result: null } });
      for (let i = 0; i < 3; i++) await agent(['daemon', '--once']); // agent restarts, no reboot
      expect(reports()).toEqual([]);
      expect(await env.read()).toMatchObject({ dm_slot: 'B', dm_B_ok: '1', upgrade_available: '1' });
      expect(await fumoStatus()).toMatchObject({ awaitingReboot: true });

      expect(await boot()).toBe('B');
      await agent(['daemon', '--once']);
      expect(reports().map((r) => r.resultCode)).toEqual([200]);
      expect(await env.read()).toMatchObject({ dm_slot: 'B', upgrade_available: '0' });
      expect(await fumoStatus()).toMatchObject({ awaitingReboot: false });

      // The button pressed again: the server sends the same package (PkgVersion 2.0 = /etc/version).
      const before = { a: sha(readFileSync(slotA)), b: sha(readFileSync(slotB)), env: await env.read() };
      const again = await agent(['request', '--user']);
      expect(again.stdout + again.stderr).toMatch(/already installed/);
      expect({ a: sha(readFileSync(slotA)), b: sha(readFileSync(slotB)), env: await env.read() }).toEqual(before);
      expect(reports().map((r) => r.resultCode)).toEqual([200, 200]);
    }, 600_000);

    it('fumo.refuseReinstall and fumo.reinstallResult are config keys: a wrong value is exit 3 naming the key', async () => {
      for (const [fumo, key] of [
        [{ refuseReinstall: 'yes' }, 'fumo.refuseReinstall'],
        [{ reinstallResult: 302 }, 'fumo.reinstallResult'],
      ] as const) {
        const c = agentConfig({ server: { url: server.url }, device: { devIdScheme: 'fixed', devId: 'MAC:020000001600' }, fumo: { writer: { type: 'file', path: '/nonexistent/fw.img' }, ...fumo } }, 'later-cfg');
        const r = await runAgent(rt, ['--config', c.config, 'status']);
        expect(r.code, r.stderr).toBe(3);
        expect(r.stderr).toContain(key);
      }
      const ok = agentConfig({ server: { url: server.url }, device: { devIdScheme: 'fixed', devId: 'MAC:020000001600' }, fumo: { writer: { type: 'file', path: '/nonexistent/fw.img' }, refuseReinstall: false, reinstallResult: 405 } }, 'later-cfg');
      const r = await runAgent(rt, ['--config', ok.config, 'status']);
      expect(r.code, r.stderr).toBe(0);
    }, 120_000);
  });
}
