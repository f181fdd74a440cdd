// FUMO says 200 only when the new image runs (issue 16 items 1, 3, 4), on Node and on host qjs: the same scenarios
// drive test/support/fumo-life.ts in this process (Node adapters) or bundled in qjs (QuickJS adapters), over the real
// fw_setenv/fw_printenv, the U-Boot boot simulator, and a fake sysRoot whose boot id and /etc/version each simulated
// boot rewrites (the version of the image in the slot that booted).
//   1. a power cut during Commit, then the bootloader falls back → 410, never 200; a booted image of another version
//      than the package names → 410 and the old slot again
//   3. fumo.reboot [] (the operator reboots): agent restarts without a reboot (same boot id) wait for as long as it
//      takes, with the booted slot from the kernel command line or from the env; a new boot id → commit → 200
//   4. fumo.refuseReinstall: the same version again is neither downloaded nor flashed; 200 (or the configured code)
//      with "already installed"
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { startPkgServer, type PkgServer } from './support/pkg-server.js';
import { FileJournalStore } from './support/powercut.js';
import { bundleForQjs, ensureQjsAsync, qjsSkipReason, runQjs, scratchDir } from './support/qjs.js';
import { runLife, type LifeArgs, type LifeOutcome } from './support/fumo-life.js';
import { NodeDownloader, NodeStagingFiles } from '../platform/node/download.js';
import { FwEnv } from '../platform/node/flash/fw-env.js';
import { Slot, UbootAbWriter } from './support/node-writers.js';
import { simulateBoot } from '../platform/node/flash/uboot-sim.js';
import { createNodeDeviceInfoReader } from '../platform/node/device-info.js';
import { FumoState } from '../src/fumo/state.js';
import { fileEnvFiles } from './support/file-env.js';

type Rt = 'node' | 'qjs';
const qjsSkip = qjsSkipReason('host');
if (qjsSkip) console.warn(`[fumo truth on QuickJS] skipped: ${qjsSkip}`);

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const oldFw = new Uint8Array(randomBytes(30_000));
const newFw = new Uint8Array(randomBytes(70_000));
/** An image that boots fine but is not what the package claims (it still says 1.9). */
const liarFw = new Uint8Array(randomBytes(50_000));
const VERSION = new Map([
  [sha(oldFw), '1.0'],
  [sha(newFw), '2.0'],
  [sha(liarFw), '1.9'],
]);

let srv: PkgServer;
let bundle = '';
let work = '';
beforeAll(async () => {
  srv = await startPkgServer();
  srv.objects.set('/new.bin', { body: newFw, etag: '"n"' });
  srv.objects.set('/liar.bin', { body: liarFw, etag: '"l"' });
  if (qjsSkip) return;
  await ensureQjsAsync('host');
  work = scratchDir('fumo-truth');
  bundle = await bundleForQjs('test/fumo-truth.qjs-entry.ts', path.join(work, 'truth.js'));
}, 900_000);
afterAll(async () => {
  await srv.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Device {
  dir: string;
  cfg: string;
  def: string;
  cmdline: string;
  slots: { A: string; B: string };
  sysRoot: string;
  bootedSlot: 'cmdline' | 'env';
  env: FwEnv;
}

async function newDevice(bootedSlot: 'cmdline' | 'env' = 'cmdline'): Promise<Device> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-truth-'));
  const { cfg, def, slots } = fileEnvFiles(dir, oldFw);
  writeFileSync(slots.B, Buffer.alloc(0));
  const sysRoot = path.join(dir, 'root');
  mkdirSync(path.join(sysRoot, 'proc/sys/kernel/random'), { recursive: true });
  mkdirSync(path.join(sysRoot, 'etc'), { recursive: true });
  const env = new FwEnv({ config: cfg, defaultEnv: def });
  await env.write({ dm_slot: 'A', dm_A_ok: '1', dm_B_ok: '0', bootlimit: '3', upgrade_available: '0', bootcount: '0' });
  const d = { dir, cfg, def, cmdline: path.join(dir, 'cmdline'), slots, sysRoot, bootedSlot, env };
  await boot(d);
  return d;
}

/** The bootloader runs: a new kernel boot id, and /etc/version says what the booted slot holds. */
async function boot(d: Device): Promise<Slot> {
  const b = await simulateBoot(d.env, d.cmdline);
  expect(b.slot, 'a bootable slot').not.toBeNull();
  writeFileSync(path.join(d.sysRoot, 'proc/sys/kernel/random/boot_id'), `${randomUUID()}\n`);
  const v = VERSION.get(sha(readFileSync(d.slots[b.slot as Slot])));
  expect(v, `slot ${b.slot} holds a known image`).toBeDefined();
  writeFileSync(path.join(d.sysRoot, 'etc/version'), `${v}\n`);
  return b.slot as Slot;
}

function nodeKit(d: Device) {
  const env = new FwEnv({ config: d.cfg, defaultEnv: d.def });
  const bootedSlot =
    d.bootedSlot === 'env'
      ? async (): Promise<Slot> => ((await env.read()).dm_slot === 'B' ? 'B' : 'A')
      : async (): Promise<Slot> => (/dm\.slot=([AB])/.exec(readFileSync(d.cmdline, 'utf8')) as RegExpExecArray)[1] as Slot;
  return {
    store: new FileJournalStore(path.join(d.dir, 'state')),
    downloader: new NodeDownloader(),
    files: new NodeStagingFiles(),
    writer: new UbootAbWriter({ slots: d.slots, env, bootedSlot }),
    device: createNodeDeviceInfoReader({ devIdScheme: 'fixed', devId: 'IMEI:0', sysRoot: d.sysRoot, firmwareVersion: { file: '/etc/version' } }),
    clock: { now: () => Date.now(), sleep: async () => undefined },
    random: { bytes: (n: number) => new Uint8Array(randomBytes(n)) },
    stagingFile: path.join(d.dir, 'pkg.bin'),
  };
}

async function life(rt: Rt, d: Device, a: Partial<LifeArgs>): Promise<LifeOutcome> {
  const args: LifeArgs = Object.assign({ mode: 'resume', url: srv.url('/new.bin'), sha256: sha(newFw), pkgVersion: '2.0', manual: false }, a);
  if (rt === 'node') return runLife(nodeKit(d), args);
  const r = await runQjs('host', bundle, [JSON.stringify(Object.assign({ dir: d.dir, cfg: d.cfg, def: d.def, cmdline: d.cmdline, slots: d.slots, sysRoot: d.sysRoot, bootedSlot: d.bootedSlot }, args))], { timeoutMs: 120_000 });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as LifeOutcome;
}

const slotHashes = (d: Device) => ({ A: sha(readFileSync(d.slots.A)), B: sha(readFileSync(d.slots.B)) });

for (const rt of ['node', 'qjs'] as Rt[]) {
  describe.skipIf(rt === 'qjs' && !!qjsSkip)(`FUMO reports 200 only when the new image runs (${rt})`, () => {
    it('item 1: a power cut during Commit, then a bootloader fallback to A → 410 and B marked bad, never 200', async () => {
      const d = await newDevice();
      const l1 = await life(rt, d, { mode: 'exec' });
      expect(l1).toMatchObject({ status: 202, rebootAsked: true, step: 'VerifyBoot', reports: [] });
      expect(await boot(d)).toBe('B');
      const l2 = await life(rt, d, { cutAtCommit: true });
      expect(l2.cut).toBe(true);
      expect(JSON.parse(readFileSync(path.join(d.dir, 'state', 'fumo.json'), 'utf8')).job.step).toBe('Commit');
      // The new image keeps failing before the agent runs again: the boot counter runs out (bootlimit 3) → A.
      expect([await boot(d), await boot(d), await boot(d)]).toEqual(['B', 'B', 'A']);
      const l3 = await life(rt, d, {});
      expect(l3.reports).toHaveLength(1);
      expect(l3.reports[0][0]).toBe(410);
      expect(l3.reports[0][1]).toMatch(/booted A, expected B: fell back/);
      expect(l3.state).toBe(FumoState.UpdateFailedHaveData);
      expect(await d.env.read()).toMatchObject({ dm_slot: 'A', dm_B_ok: '0', upgrade_available: '0' });
      expect(sha(readFileSync(d.slots.A))).toBe(sha(oldFw));
    }, 180_000);

    it('item 1: the target slot boots but runs another version than the package names → 410, back to A', async () => {
      const d = await newDevice();
      const l1 = await life(rt, d, { mode: 'exec', url: srv.url('/liar.bin'), sha256: sha(liarFw) });
      expect(l1.rebootAsked).toBe(true);
      expect(await boot(d)).toBe('B');
      const l2 = await life(rt, d, { url: srv.url('/liar.bin'), sha256: sha(liarFw) });
      expect(l2.reports).toHaveLength(1);
      expect(l2.reports[0][0]).toBe(410);
      expect(l2.reports[0][1]).toMatch(/running firmware version 1\.9, the package is 2\.0/);
      expect(l2.rebootAsked).toBe(true); // back to the old image
      expect(await d.env.read()).toMatchObject({ dm_slot: 'A', dm_B_ok: '0', upgrade_available: '0' });
      expect(await boot(d)).toBe('A');
    }, 180_000);

    it('item 3: fumo.reboot [] with bootedSlot cmdline: restarts without a reboot wait (no 410); the reboot → 200', async () => {
      const d = await newDevice();
      const l1 = await life(rt, d, { mode: 'exec', manual: true, resumeAgain: true });
      expect(l1).toMatchObject({ status: 202, rebootAsked: true, step: 'VerifyBoot', awaitingReboot: true, reports: [] });
      for (let i = 0; i < 4; i++) {
        // Agent restarts, same boot id: still waiting, nothing reported, nothing rolled back.
        const again = await life(rt, d, { manual: true, resumeAgain: true });
        expect(again, `restart ${i + 1}`).toMatchObject({ step: 'VerifyBoot', awaitingReboot: true, reports: [], state: FumoState.UpdateProgressing });
      }
      expect(await d.env.read()).toMatchObject({ dm_slot: 'B', dm_B_ok: '1', upgrade_available: '1' });
      expect(await boot(d)).toBe('B');
      const done = await life(rt, d, { manual: true });
      expect(done.reports).toEqual([[200, 'updated']]);
      expect(done.awaitingReboot).toBe(false);
      expect(await d.env.read()).toMatchObject({ dm_slot: 'B', upgrade_available: '0' });
    }, 240_000);

    it('item 3: fumo.reboot [] with bootedSlot env: no commit in the same run nor after a restart; the reboot → 200', async () => {
      const d = await newDevice('env');
      const l1 = await life(rt, d, { mode: 'exec', manual: true, resumeAgain: true });
      expect(l1).toMatchObject({ rebootAsked: true, step: 'VerifyBoot', awaitingReboot: true, reports: [] });
      const l2 = await life(rt, d, { manual: true, resumeAgain: true });
      expect(l2).toMatchObject({ step: 'VerifyBoot', awaitingReboot: true, reports: [] });
      expect(await d.env.read()).toMatchObject({ dm_slot: 'B', upgrade_available: '1' });
      expect(await boot(d)).toBe('B');
      const l3 = await life(rt, d, { manual: true });
      expect(l3.reports).toEqual([[200, 'updated']]);
    }, 240_000);

    it('item 1: bootedSlot env, a power cut between the install and the switch: the switch made after the power cycle is not taken for booted', async () => {
      const d = await newDevice('env');
      const l1 = await life(rt, d, { mode: 'exec', cutAfterJournaling: 'Activate' });
      expect(l1.cut).toBe(true);
      expect(await boot(d)).toBe('A'); // power cycle: new boot id, switch not made yet
      const l2 = await life(rt, d, {});
      // The env names B right after the switch, but this boot made it: reboot first, no report yet.
      expect(l2).toMatchObject({ rebootAsked: true, step: 'VerifyBoot', reports: [] });
      expect(await boot(d)).toBe('B');
      expect((await life(rt, d, {})).reports).toEqual([[200, 'updated']]);
    }, 180_000);

    it('item 3: fumo.reboot [] without a readable boot id still waits, through more restarts than the loop guard allows steps', async () => {
      const d = await newDevice();
      rmSync(path.join(d.sysRoot, 'proc/sys/kernel/random/boot_id'));
      expect(await life(rt, d, { mode: 'exec', manual: true })).toMatchObject({ rebootAsked: true, awaitingReboot: true, reports: [] });
      for (let i = 0; i < 40; i++) {
        const again = await life(rt, d, { manual: true });
        expect(again, `restart ${i + 1}`).toMatchObject({ step: 'VerifyBoot', awaitingReboot: true, reports: [] });
      }
      expect(await boot(d)).toBe('B');
      expect((await life(rt, d, { manual: true })).reports).toEqual([[200, 'updated']]);
    }, 240_000);

    it('item 3: fumo.reboot [] and the bootloader falls back during the operator reboots → 410 after the new boot id', async () => {
      const d = await newDevice();
      await life(rt, d, { mode: 'exec', manual: true });
      expect(await life(rt, d, { manual: true })).toMatchObject({ awaitingReboot: true, reports: [] });
      expect([await boot(d), await boot(d), await boot(d), await boot(d)]).toEqual(['B', 'B', 'B', 'A']);
      const l = await life(rt, d, { manual: true });
      expect(l.reports.map((r) => r[0])).toEqual([410]);
      expect(await d.env.read()).toMatchObject({ dm_slot: 'A', dm_B_ok: '0' });
    }, 240_000);

    it('item 4: the same version again is neither downloaded nor flashed: 200 "already installed", then the configured code', async () => {
      const d = await newDevice();
      await life(rt, d, { mode: 'exec' });
      expect(await boot(d)).toBe('B');
      expect((await life(rt, d, {})).reports).toEqual([[200, 'updated']]);
      const before = { slots: slotHashes(d), env: await d.env.read(), gets: srv.log.filter((l) => l.path === '/new.bin').length };
      // The button pressed again: the server sends the same package (PkgVersion 2.0), which already runs.
      const again = await life(rt, d, { mode: 'exec' });
      expect(again.status).toBe(202);
      expect(again.rebootAsked).toBe(false);
      expect(again.reports).toHaveLength(1);
      expect(again.reports[0][0]).toBe(200);
      expect(again.reports[0][1]).toMatch(/2\.0 is already installed/);
      expect(again.logs.join('\n')).toMatch(/already installed/);
      expect(slotHashes(d)).toEqual(before.slots); // slot A (the target) not written, B untouched
      expect(await d.env.read()).toEqual(before.env); // not even marked bad
      expect(srv.log.filter((l) => l.path === '/new.bin').length).toBe(before.gets);
      const refused = await life(rt, d, { mode: 'exec', reinstallResult: 405 });
      expect(refused.reports.map((r) => r[0])).toEqual([405]);
      expect(slotHashes(d)).toEqual(before.slots);
      // refuseReinstall false: the same version is flashed again (into A, the slot not running).
      const forced = await life(rt, d, { mode: 'exec', refuseReinstall: false });
      expect(forced.rebootAsked).toBe(true);
      expect(sha(readFileSync(d.slots.A))).toBe(sha(newFw));
    }, 240_000);
  });
}
