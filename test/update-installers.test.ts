// Issue 16 item 2: the command writer (RAUC, SWUpdate, sysupgrade, a custom installer) reports only after the reboot,
// from what the installer itself says booted, on Node and on host qjs. The installers are fake shell scripts on PATH
// that record their calls and print what the test wrote for them; the reboot is simulated by changing what they
// report and starting the agent again (`daemon --once`, what a device runs at boot).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import type { Scenario } from '../scripts/server/types.js';
import { agentConfig, prepareRuntime, runAgent, runtimeSkipReason, type AgentRuntime } from './support/agent.js';
import { fumoUserStory } from './support/fumo-story.js';
import { fakeTools } from './support/fake-installers.js';

const PKG_VERSION = '2.0';

let servers: DmServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

/** A FUMO DownloadAndUpdate of `fw.bin` named version 2.0, on the device's user request. */
function story(hash: string): Scenario {
  return fumoUserStory({ name: 'installer-fumo', hash, version: PKG_VERSION });
}


let counter = 0;

async function setup(rt: AgentRuntime, writer: Record<string, unknown>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-installer-'));
  const image = randomBytes(48 * 1024);
  const fw = path.join(dir, 'fw.bin');
  writeFileSync(fw, image);
  const hash = createHash('sha256').update(image).digest('hex');
  const server = await startDmServer({ port: 0, respUri: false, scenario: story(hash), files: { 'fw.bin': fw } });
  servers.push(server);
  const fake = fakeTools(dir);
  // The device's sysRoot is the fakes' state folder: /fwv is the running version, and the kernel's boot id changes at
  // each simulated reboot (an agent restart with the same boot id is not a reboot).
  const versionFile = path.join(fake.state, 'fwv');
  writeFileSync(versionFile, '1.0\n');
  const bootIdFile = path.join(fake.state, 'proc/sys/kernel/random/boot_id');
  mkdirSync(path.dirname(bootIdFile), { recursive: true });
  const newBoot = () => writeFileSync(bootIdFile, `${randomUUID()}\n`);
  newBoot();
  const devId = `MAC:0200${rt === 'node' ? '00' : '01'}00${(++counter).toString(16).padStart(4, '0').toUpperCase()}`;
  const c = agentConfig(
    {
      server: { url: server.url },
      device: { devIdScheme: 'fixed', devId, sysRoot: fake.state, firmwareVersion: { file: '/fwv' } },
      fumo: { writer, reboot: [], allowHttp: true, requireHash: true },
      ui: { mode: 'headless' },
    },
    'installer',
  );
  const env = { PATH: `${fake.bin}:${process.env.PATH}` };
  const agent = (args: string[]) => runAgent(rt, ['--config', c.config, ...args], { timeoutMs: 120_000, env });
  const reports = () => (JSON.parse(server.state()).reports as Array<{ devId: string; resultCode?: number }>).filter((r) => r.devId === devId);
  const pending = async () => {
    const r = await agent(['--json', 'status']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout.trim().split('\n').pop()!).pendingReports as unknown[];
  };
  /** The update as far as the reboot: the installer got the staged file, no result exists yet. */
  const installAndAwaitReboot = async (installedName: RegExp) => {
    const first = await agent(['request', '--user']);
    expect(first.code, first.stderr).toBe(0);
    const install = fake.calls().find((l) => / install | -i |^sysupgrade |^my-flasher /.test(l + ' '));
    expect(install, fake.calls().join('\n')).toMatch(installedName);
    expect(readFileSync(path.join(fake.state, 'installed'))).toEqual(image);
    expect(reports()).toEqual([]); // nothing reported before the reboot ...
    expect(await pending()).toEqual([]); // ... and nothing waiting to be reported
    expect(fake.calls().some((l) => /mark-good/.test(l))).toBe(false);
    fake.mark('reboot');
    newBoot();
  };
  const afterReboot = async () => {
    const d = await agent(['daemon', '--once']);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stderr).not.toMatch(/internal error/);
    return reports();
  };
  const callsAfterReboot = () => fake.calls().slice(fake.calls().indexOf('--- reboot') + 1);
  return { fake, versionFile, agent, reports, installAndAwaitReboot, afterReboot, callsAfterReboot, config: c.config };
}

const rows: string[] = [];
afterAll(() => {
  if (rows.length && process.env.DM_AGENT_TEST_SUMMARY) console.log(['| runtime | case | observed |', '|---|---|---|', ...rows].join('\n'));
});

for (const rt of ['node', 'qjs'] as AgentRuntime[]) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`external installers on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    it('rauc: 200 only after the reboot into the installed slot with the package version; mark-good only then', async () => {
      const t = await setup(rt, { type: 'command', installer: 'rauc' });
      t.fake.raucStatus('A', 'A');
      // rauc install activates the other slot: booted A, primary B until the reboot.
      const activate = () => t.fake.raucStatus('A', 'B', PKG_VERSION);
      activate();
      await t.installAndAwaitReboot(/^rauc install .*\.raucb$/);
      t.fake.raucStatus('B', 'B', PKG_VERSION);
      const got = await t.afterReboot();
      expect(got.map((r) => r.resultCode)).toEqual([200]);
      expect(t.callsAfterReboot()).toContain('rauc status mark-good booted');
      rows.push(`| ${rt} | rauc success | no report before the reboot; 200 after booting rootfs.1 with bundle ${PKG_VERSION}; mark-good after the reboot |`);
    }, 300_000);

    it('rauc: a fallback to the old slot reports 410, never marks the old slot good, marks the installed slot bad', async () => {
      const t = await setup(rt, { type: 'command', installer: 'rauc' });
      t.fake.raucStatus('A', 'B', PKG_VERSION);
      await t.installAndAwaitReboot(/^rauc install .*\.raucb$/);
      t.fake.raucStatus('A', 'A', PKG_VERSION); // B failed its boot attempts: the bootloader went back to A
      const got = await t.afterReboot();
      expect(got.map((r) => r.resultCode)).toEqual([410]);
      expect(t.fake.calls().filter((l) => /mark-good/.test(l))).toEqual([]);
      expect(t.callsAfterReboot()).toContain('rauc status mark-bad rootfs.1');
      rows.push(`| ${rt} | rauc fallback | 410; no mark-good; mark-bad rootfs.1 |`);
    }, 300_000);

    it('rauc: the installed slot booted but runs another bundle version: 410, not 200', async () => {
      const t = await setup(rt, { type: 'command', installer: 'rauc' });
      t.fake.raucStatus('A', 'B', '1.9');
      await t.installAndAwaitReboot(/^rauc install .*\.raucb$/);
      t.fake.raucStatus('B', 'B', '1.9');
      const got = await t.afterReboot();
      expect(got.map((r) => r.resultCode)).toEqual([410]);
      expect(t.fake.calls().filter((l) => /mark-good/.test(l))).toEqual([]);
      rows.push(`| ${rt} | rauc version mismatch (booted B, bundle 1.9, package ${PKG_VERSION}) | 410, no mark-good |`);
    }, 300_000);

    it('swupdate: gets a .swu; 200 once the platform reports the package version after the reboot', async () => {
      const t = await setup(rt, { type: 'command', installer: 'swupdate' });
      await t.installAndAwaitReboot(/^swupdate -i .*\.swu$/);
      writeFileSync(t.versionFile, `${PKG_VERSION}\n`);
      expect((await t.afterReboot()).map((r) => r.resultCode)).toEqual([200]);
      rows.push(`| ${rt} | swupdate success | no report before the reboot; 200 when FwV is ${PKG_VERSION} |`);
    }, 300_000);

    it('sysupgrade: gets a .bin; another version running after the reboot is 410', async () => {
      const t = await setup(rt, { type: 'command', installer: 'sysupgrade' });
      await t.installAndAwaitReboot(/^sysupgrade .*\.bin$/);
      writeFileSync(t.versionFile, '1.5\n');
      expect((await t.afterReboot()).map((r) => r.resultCode)).toEqual([410]);
      rows.push(`| ${rt} | sysupgrade version mismatch (FwV 1.5) | 410 |`);
    }, 300_000);

    it('custom installer: install, bootedSlot and version commands decide; commit runs only on the new image', async () => {
      const writer = { type: 'command', install: ['my-flasher', '{file}'], bootedSlot: ['my-slot'], version: ['my-version'], commit: ['my-commit'], stagedName: 'update.img' };
      const t = await setup(rt, writer);
      writeFileSync(path.join(t.fake.state, 'slot'), 'A\n');
      writeFileSync(path.join(t.fake.state, 'version'), '1.0\n');
      await t.installAndAwaitReboot(/^my-flasher .*\/update\.img$/);
      expect(t.fake.calls()).not.toContain('my-commit ');
      writeFileSync(path.join(t.fake.state, 'slot'), 'B\n');
      writeFileSync(path.join(t.fake.state, 'version'), `${PKG_VERSION}\n`);
      expect((await t.afterReboot()).map((r) => r.resultCode)).toEqual([200]);
      expect(t.callsAfterReboot().filter((l) => /^my-commit/.test(l))).toHaveLength(1);

      // The same installer, but the device came back on slot A: 410 and no commit.
      const u = await setup(rt, writer);
      writeFileSync(path.join(u.fake.state, 'slot'), 'A\n');
      writeFileSync(path.join(u.fake.state, 'version'), '1.0\n');
      await u.installAndAwaitReboot(/^my-flasher .*\/update\.img$/);
      writeFileSync(path.join(u.fake.state, 'version'), `${PKG_VERSION}\n`); // a version alone does not prove the slot
      const back = await u.afterReboot();
      // Still on A: with no primary slot to tell, it waits for another reboot (bounded: 3 per job), never 200.
      expect(back.map((r) => r.resultCode)).not.toContain(200);
      // One more start on slot A: the job's reboots are used up, the update failed.
      expect((await u.afterReboot()).map((r) => r.resultCode)).toEqual([410]);
      expect(u.fake.calls().filter((l) => /^my-commit/.test(l))).toEqual([]);
      rows.push(`| ${rt} | custom installer (install/bootedSlot/version/commit) | 200 on slot B with ${PKG_VERSION}; on slot A: no 200, no commit, 410 once the job's 3 reboots are used |`);
    }, 400_000);

    it('an unknown key inside fumo.writer is a configuration error (exit 3) naming it, for every writer type', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'dm-writer-keys-'));
      const cases: Array<Record<string, unknown>> = [
        { type: 'file', path: path.join(dir, 'fw.img'), slot: 'A' },
        { type: 'uboot-ab', slotA: '/dev/a', slotB: '/dev/b', envConfig: '/etc/fw_env.config', bootlimit: 3 },
        { type: 'command', installer: 'rauc', install: ['rauc', 'install', '{file}'] },
        { type: 'command', install: ['my-flasher', '{file}'], bootSlot: ['my-slot'] },
      ];
      const bad = ['slot', 'bootlimit', 'install', 'bootSlot'];
      for (let i = 0; i < cases.length; i++) {
        const c = agentConfig({ server: { url: 'http://127.0.0.1:9/dm' }, device: { devIdScheme: 'fixed', devId: 'MAC:020000000009' }, fumo: { writer: cases[i] } }, 'writer-keys');
        const r = await runAgent(rt, ['--config', c.config, 'status'], { timeoutMs: 60_000 });
        expect(r.code, r.stderr).toBe(3);
        expect(r.stderr).toContain(`fumo.writer.${bad[i]}`);
      }
      // And a documented custom installer is accepted (it was refused before: "installer must be rauc, ...").
      const ok = agentConfig({ server: { url: 'http://127.0.0.1:9/dm' }, device: { devIdScheme: 'fixed', devId: 'MAC:020000000009' }, fumo: { writer: { type: 'command', install: ['my-flasher', '{file}'], bootedSlot: ['my-slot'], version: ['my-version'] } } }, 'writer-keys');
      const r = await runAgent(rt, ['--config', ok.config, 'status'], { timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(existsSync(ok.state)).toBe(true);
      rows.push(`| ${rt} | unknown fumo.writer keys (file, uboot-ab, rauc, custom) | exit 3 naming the key; a custom installer is accepted |`);
    }, 300_000);
  });
}
