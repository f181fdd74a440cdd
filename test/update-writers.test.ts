// Issue 17 item 2: every flash writer (src/update/writers/, the installers of src/update/installers/), built by the
// one factory from a `fumo.writer` config, runs the same scenario with the same expectations on Node (the Node writer
// ports, in-process) and on the qjs engine (the QuickJS writer ports; bundle of test/writers.qjs-entry.ts). The
// bootloader is the test's oracle (platform/node/flash/uboot-sim.ts over the real fw_setenv); fake installers are
// shell scripts on PATH.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { bundleForQjs, ensureQjsAsync, qjsSkipReason, runQjs, scratchDir } from './support/qjs.js';
import { FwEnv } from '../platform/node/flash/fw-env.js';
import { simulateBoot, type FallbackStyle } from '../platform/node/flash/uboot-sim.js';
import { nodeWriterPorts } from '../platform/node/writer-ports.js';
import { runWriterOps, type OpResult, type WriterOp, type WriterRun } from './support/writer-ops.js';
import type { WriterConfig } from '../src/update/writers/factory.js';
import { INSTALLERS } from '../src/update/installers/spec.js';
import { fakeTools } from './support/fake-installers.js';
import { fileEnvFiles } from './support/file-env.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const oldFw = new Uint8Array(randomBytes(50_000));
const newFw = new Uint8Array(randomBytes(300_000));
const qjsSkip = qjsSkipReason('host');
if (qjsSkip) console.warn(`[writers on QuickJS] skipped: ${qjsSkip}`);
const RUNTIMES = ['node', 'qjs'] as const;
type Rt = (typeof RUNTIMES)[number];

let bundle = '';
let work = '';
beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'writers-'));
  if (qjsSkip) return;
  await ensureQjsAsync('host');
  bundle = await bundleForQjs('test/writers.qjs-entry.ts', path.join(scratchDir('writers'), 'writers.js'));
}, 900_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs the operations on the runtime; `bin` goes first on PATH (fake installers). */
async function ops(rt: Rt, config: WriterConfig, list: WriterOp[], o: { bin?: string; firmwareVersion?: string } = {}): Promise<OpResult[]> {
  const run: WriterRun = { config, ops: list, firmwareVersion: o.firmwareVersion };
  const PATH = o.bin ? `${o.bin}:${process.env.PATH}` : process.env.PATH;
  if (rt === 'node') {
    const saved = process.env.PATH;
    process.env.PATH = PATH;
    try {
      return await runWriterOps(nodeWriterPorts, async (p) => new Uint8Array(await readFile(p)), run);
    } finally {
      process.env.PATH = saved;
    }
  }
  const r = await runQjs('host', bundle, [JSON.stringify(run)], { timeoutMs: 120_000, env: Object.assign({}, process.env, { PATH }) });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout).results;
}

const okOf = (r: OpResult) => {
  if (r.error) throw new Error(`${r.op} failed: ${r.error.message}`);
  return r.ok;
};

interface AbDevice {
  dir: string;
  env: FwEnv;
  cmdline: string;
  slots: { A: string; B: string };
  config: WriterConfig;
  staged: string;
}

async function abDevice(rt: Rt, name: string, bootedSlot: 'cmdline' | 'env' = 'cmdline'): Promise<AbDevice> {
  const dir = path.join(work, `${rt}-${name}`);
  mkdirSync(dir, { recursive: true });
  const { cfg, def, slots } = fileEnvFiles(dir, oldFw);
  writeFileSync(slots.B, randomBytes(400_000)); // a stale, longer image: the writer must cut the tail off
  const env = new FwEnv({ config: cfg, defaultEnv: def });
  await env.write({ dm_slot: 'A', dm_A_ok: '1', dm_B_ok: '1', bootlimit: '3', upgrade_available: '0', bootcount: '0' });
  const cmdline = path.join(dir, 'cmdline');
  expect((await simulateBoot(env, cmdline)).slot).toBe('A');
  const staged = path.join(dir, 'firmware.pkg');
  writeFileSync(staged, newFw);
  return { dir, env, cmdline, slots, staged, config: { type: 'uboot-ab', slotA: slots.A, slotB: slots.B, envConfig: cfg, bootedSlot, cmdline } };
}

const install = (file: string, img: Uint8Array): WriterOp => ({ op: 'install', file, sha256: sha(img), size: img.length, chunk: 32768, syncEvery: 65536 });

async function boot(d: AbDevice, fallback?: FallbackStyle) {
  return simulateBoot(d.env, d.cmdline, fallback);
}

for (const rt of RUNTIMES) {
  describe.skipIf(rt === 'qjs' && !!qjsSkip)(`flash writers on ${rt}`, () => {
    it('uboot-ab: marks the target bad before writing, writes + reads back, activates in one env write, reboots into B, commits', async () => {
      const d = await abDevice(rt, 'ab-ok');
      const [st0, inst] = await ops(rt, d.config, [{ op: 'status' }, install(d.staged, newFw)]);
      expect(okOf(st0)).toEqual({ bootedSlot: 'A', primarySlot: 'A', targetSlot: 'B', pendingCommit: false });
      okOf(inst);
      // Still the old image next boot: B is marked bad until the activation (a cut here boots A).
      expect(await d.env.read()).toMatchObject({ dm_slot: 'A', dm_B_ok: '0' });
      expect(sha(readFileSync(d.slots.B))).toBe(sha(newFw)); // stale tail cut off, image read back
      okOf((await ops(rt, d.config, [{ op: 'activate' }]))[0]);
      expect(await d.env.read()).toMatchObject({ dm_slot: 'B', dm_B_ok: '1', upgrade_available: '1', bootcount: '0' });
      expect((await boot(d)).slot).toBe('B');
      const [st1, refused, commit, st2] = await ops(rt, d.config, [{ op: 'status' }, install(d.staged, newFw), { op: 'commit' }, { op: 'status' }]);
      expect(okOf(st1)).toEqual({ bootedSlot: 'B', primarySlot: 'B', targetSlot: 'A', pendingCommit: true });
      // While B is on trial, A is the fallback the boot counter relies on: never overwritten.
      expect(refused.error).toMatchObject({ resultCode: 410 });
      expect(refused.error!.message).toMatch(/not committed yet/);
      okOf(commit);
      expect(okOf(st2)).toMatchObject({ bootedSlot: 'B', pendingCommit: false });
      expect(await d.env.read()).toMatchObject({ dm_slot: 'B', dm_B_ok: '1', upgrade_available: '0', bootcount: '0' });
      expect(sha(readFileSync(d.slots.A))).toBe(sha(oldFw));
    }, 120_000);

    it('uboot-ab: rollback from the trial slot boots the old one again', async () => {
      const d = await abDevice(rt, 'ab-rollback');
      for (const r of await ops(rt, d.config, [install(d.staged, newFw), { op: 'activate' }])) okOf(r);
      expect((await boot(d)).slot).toBe('B');
      okOf((await ops(rt, d.config, [{ op: 'rollback' }]))[0]);
      expect(await d.env.read()).toMatchObject({ dm_slot: 'A', dm_B_ok: '0', upgrade_available: '0' });
      expect((await boot(d)).slot).toBe('A');
    }, 120_000);

    it('uboot-ab: the bootloader fell back (switch-only altbootcmd) → status shows the old slot, rollback marks the new one bad', async () => {
      const d = await abDevice(rt, 'ab-fellback');
      for (const r of await ops(rt, d.config, [install(d.staged, newFw), { op: 'activate' }])) okOf(r);
      let b = await boot(d, 'switch-only');
      for (let i = 0; i < 3; i++) b = await boot(d, 'switch-only');
      expect(b).toMatchObject({ slot: 'A', fellBack: true });
      expect(await d.env.read()).toMatchObject({ dm_slot: 'A', dm_B_ok: '1' }); // only switched: B still looks good
      const [st, rb] = await ops(rt, d.config, [{ op: 'status' }, { op: 'rollback' }]);
      expect(okOf(st)).toEqual({ bootedSlot: 'A', primarySlot: 'A', targetSlot: 'B', pendingCommit: false });
      okOf(rb);
      expect(await d.env.read()).toMatchObject({ dm_slot: 'A', dm_B_ok: '0', upgrade_available: '0' });
      expect((await boot(d)).slot).toBe('A');
    }, 120_000);

    it('booted slot: kernel command line (dm.slot= / rauc.slot=), the env, and a clear error when it cannot be told', async () => {
      const d = await abDevice(rt, 'booted');
      writeFileSync(d.cmdline, 'console=ttyS0 root=/dev/mmcblk0p3 rauc.slot=B quiet\n');
      expect(okOf((await ops(rt, d.config, [{ op: 'status' }]))[0])).toMatchObject({ bootedSlot: 'B', targetSlot: 'A' });
      writeFileSync(d.cmdline, 'console=ttyS0 quiet\n');
      const [none] = await ops(rt, d.config, [{ op: 'status' }]);
      expect(none.error!.message).toContain(`no dm.slot=/rauc.slot= in ${d.cmdline}`);
      rmSync(d.cmdline);
      const [missing] = await ops(rt, d.config, [{ op: 'status' }]);
      expect(missing.error!.message).toContain(`cannot read ${d.cmdline}`);
      await d.env.write({ dm_booted: 'B' });
      const fromEnv = Object.assign({}, d.config, { bootedSlot: 'env' }) as WriterConfig;
      expect(okOf((await ops(rt, fromEnv, [{ op: 'status' }]))[0])).toMatchObject({ bootedSlot: 'B' });
      const fixed = Object.assign({}, d.config, { bootedSlot: 'B' }) as WriterConfig;
      expect(okOf((await ops(rt, fixed, [{ op: 'status' }]))[0])).toMatchObject({ bootedSlot: 'B' });
    }, 120_000);

    it('file writer: keeps the previous image as a backup, restores it on rollback, drops it on commit', async () => {
      const dir = path.join(work, `${rt}-file`);
      mkdirSync(dir, { recursive: true });
      const target = path.join(dir, 'firmware.bin');
      writeFileSync(target, oldFw);
      const staged = path.join(dir, 'firmware.pkg');
      writeFileSync(staged, newFw);
      const config: WriterConfig = { type: 'file', path: target };
      const [inst, act, st] = await ops(rt, config, [install(staged, newFw), { op: 'activate' }, { op: 'status' }]);
      okOf(inst);
      okOf(act);
      expect(okOf(st)).toEqual({ pendingCommit: true });
      expect(sha(readFileSync(target))).toBe(sha(newFw));
      expect(sha(readFileSync(`${target}.prev`))).toBe(sha(oldFw));
      expect(existsSync(`${target}.new`)).toBe(false);
      const [rb, st2] = await ops(rt, config, [{ op: 'rollback' }, { op: 'status' }]);
      okOf(rb);
      expect(okOf(st2)).toEqual({ pendingCommit: false });
      expect(sha(readFileSync(target))).toBe(sha(oldFw));
      expect(existsSync(`${target}.prev`)).toBe(false);
      const again = await ops(rt, config, [install(staged, newFw), { op: 'activate' }, { op: 'activate' }, { op: 'commit' }, { op: 'status' }]);
      for (const r of again) okOf(r); // a second activate (after a power cut) is a no-op
      expect(again[4].ok).toEqual({ pendingCommit: false });
      expect(sha(readFileSync(target))).toBe(sha(newFw));
      expect(existsSync(`${target}.prev`)).toBe(false);
      const bad = await ops(rt, config, [{ op: 'install', file: staged, sha256: sha(oldFw), size: newFw.length }]);
      // A read-back that is not the verified image is a corrupted package (FUMO 402): the target stays unbootable.
      expect(bad[0].error).toMatchObject({ resultCode: 402 });
      expect(bad[0].error!.message).toMatch(/read-back of .*firmware\.bin\.new hashes to/);
    }, 120_000);

    it('command writer, RAUC: hands the .raucb over, waits for the reboot, commits with mark-good only on the installed slot; after a fallback marks it bad', async () => {
      const t = fakeTools(path.join(work, `${rt}-rauc`), { sysupgradeRefuses: true });
      const config: WriterConfig = { type: 'command', installer: 'rauc', spec: INSTALLERS.rauc };
      const staged = path.join(t.dir, 'firmware.raucb');
      writeFileSync(staged, newFw);
      t.raucStatus('A', 'A');
      const expectB = { slot: 'rootfs.1', version: '2.0', fromSlot: 'rootfs.0', fromVersion: '1.0' };
      const [st, inst] = await ops(rt, config, [{ op: 'status' }, install(staged, newFw)], { bin: t.bin });
      expect(okOf(st)).toMatchObject({ bootedSlot: 'rootfs.0', primarySlot: 'rootfs.0', targetSlot: 'rootfs.1', runningVersion: '1.0', pendingCommit: false });
      okOf(inst);
      expect(sha(readFileSync(path.join(t.state, 'installed')))).toBe(sha(newFw));
      t.raucStatus('A', 'B'); // rauc install switched the primary slot
      expect(okOf((await ops(rt, config, [{ op: 'checkBoot', expect: expectB }], { bin: t.bin }))[0])).toMatchObject({ state: 'awaiting-reboot' });
      t.raucStatus('B', 'B', '2.0'); // rebooted into the new bundle
      t.mark('booted B');
      const [running, commit] = await ops(rt, config, [{ op: 'checkBoot', expect: expectB }, { op: 'commit', expect: expectB }], { bin: t.bin });
      expect(okOf(running)).toEqual({ state: 'running' });
      okOf(commit);
      expect(t.callsSince('booted B')).toContain('rauc status mark-good booted');
      // Fallback: the bootloader runs A again; a commit is refused, the rollback marks the installed slot bad only.
      t.raucStatus('A', 'A');
      t.mark('fell back');
      const fell = Object.assign({ rebooted: true }, expectB);
      const [failed, noCommit, rb] = await ops(rt, config, [{ op: 'checkBoot', expect: fell }, { op: 'commit', expect: fell }, { op: 'rollback', expect: fell }], { bin: t.bin });
      expect(okOf(failed)).toMatchObject({ state: 'failed' });
      expect(noCommit.error).toMatchObject({ kind: 'fell-back', resultCode: 410 });
      okOf(rb);
      const calls = t.callsSince('fell back');
      expect(calls).toContain('rauc status mark-bad rootfs.1');
      expect(calls.filter((c) => /mark-good/.test(c))).toEqual([]);
    }, 120_000);

    it('command writer, custom installer: install/bootedSlot/version/commit commands, exit codes mapped', async () => {
      const t = fakeTools(path.join(work, `${rt}-custom`), { sysupgradeRefuses: true });
      const base = { name: 'custom', observe: 'facts' as const, stagedName: 'firmware.pkg' };
      const config: WriterConfig = {
        type: 'command',
        installer: 'custom',
        spec: Object.assign({ install: ['my-flasher', '{file}'], bootedSlot: ['my-slot'], version: ['my-version'], commit: ['my-commit'] }, base),
      };
      const staged = path.join(t.dir, 'firmware.pkg');
      writeFileSync(staged, newFw);
      writeFileSync(path.join(t.state, 'slot'), 'A\n');
      writeFileSync(path.join(t.state, 'version'), '1.0\n');
      const expectB = { slot: 'B', version: '2.0', fromSlot: 'A', fromVersion: '1.0' };
      const [inst, waiting] = await ops(rt, config, [install(staged, newFw), { op: 'checkBoot', expect: expectB }], { bin: t.bin });
      okOf(inst);
      expect(sha(readFileSync(path.join(t.state, 'installed')))).toBe(sha(newFw));
      expect(okOf(waiting)).toMatchObject({ state: 'awaiting-reboot' });
      writeFileSync(path.join(t.state, 'slot'), 'B\n');
      writeFileSync(path.join(t.state, 'version'), '2.0\n');
      t.mark('rebooted');
      const [running, commit] = await ops(rt, config, [{ op: 'checkBoot', expect: expectB }, { op: 'commit', expect: expectB }], { bin: t.bin });
      expect(okOf(running)).toEqual({ state: 'running' });
      okOf(commit);
      expect(t.callsSince('rebooted')).toContain('my-commit');
      // Exit codes: the configured mapping (fumo.writer.exitCodes), else 410; a missing program is 410 too.
      const refusing = (install: string[], exitCodes?: Record<number, number>): WriterConfig => ({
        type: 'command',
        installer: 'custom',
        spec: Object.assign({ install, exitCodes, needsReboot: false }, base),
      });
      const [mapped] = await ops(rt, refusing(['sh', '-c', 'exit 3', '{file}'], { 3: 403 }), [install(staged, newFw)]);
      expect(mapped.error).toMatchObject({ kind: 'install-failed', resultCode: 403 }); // the operator's FUMO result
      const [other] = await ops(rt, refusing(['sh', '-c', 'echo broken >&2; exit 7', '{file}'], { 3: 403 }), [install(staged, newFw)]);
      expect(other.error).toMatchObject({ kind: 'install-failed', resultCode: 410 });
      // A built-in installer's own exit meaning: sysupgrade's image check refusing the file is a device mismatch.
      const [board] = await ops(rt, { type: 'command', installer: 'sysupgrade', spec: INSTALLERS.sysupgrade }, [install(staged, newFw)], { bin: t.bin });
      expect(board.error).toMatchObject({ kind: 'device-mismatch', resultCode: 403 });
      expect(other.error!.message).toMatch(/exited 7: broken/);
      const [missing] = await ops(rt, refusing(['/nonexistent/flasher', '{file}']), [install(staged, newFw)]);
      expect(missing.error).toMatchObject({ resultCode: 410 });
      expect(missing.error!.message).toMatch(/cannot run \/nonexistent\/flasher/);
    }, 120_000);
  });
}

