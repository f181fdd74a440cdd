// A/B and file-writer update paths on a real file system with the real fw_setenv/fw_printenv and a U-Boot boot
// simulator: failure paths (health check, boot-counter fallback, agent restart before the reboot), verification
// failures, install checkpoints and torn env copies. The power cut at EVERY write, fsync, rename, env write and reboot
// runs on a model of the page cache that can lose unsynced data: test/powercut-pagecache.test.ts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { startPkgServer, PkgServer } from './support/pkg-server.js';
import { FileJournalStore, PowerCut } from './support/powercut.js';
import { NodeDownloader, NodeStagingFiles } from '../platform/node/download.js';
import { FwEnv } from '../platform/node/flash/fw-env.js';
import { Slot, UbootAbWriter } from './support/node-writers.js';
import { FallbackStyle, simulateBoot } from '../platform/node/flash/uboot-sim.js';
import { FumoEngine } from '../src/fumo/engine.js';
import { FumoState } from '../src/fumo/state.js';
import { fileEnvFiles } from './support/file-env.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const oldFw = new Uint8Array(randomBytes(40_000));
const newFw = new Uint8Array(randomBytes(100_000));
const GOOD = new Set([sha(oldFw), sha(newFw)]);
/** What /etc/version says when each image runs (the package names 2.0 through PkgVersion). */
const VERSION = new Map([
  [sha(oldFw), '1.0'],
  [sha(newFw), '2.0'],
]);

let srv: PkgServer;
beforeAll(async () => {
  srv = await startPkgServer();
  srv.objects.set('/fw.bin', { body: newFw, etag: '"v2"' });
});
afterAll(() => srv.close());

interface Device {
  dir: string;
  cfg: string;
  def: string;
  cmdline: string;
  slots: { A: string; B: string };
  bootEnv: FwEnv;
}

async function newDevice(): Promise<Device> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-pc-'));
  const { cfg, def, slots } = fileEnvFiles(dir, oldFw);
  writeFileSync(slots.B, Buffer.alloc(0));
  const bootEnv = new FwEnv({ config: cfg, defaultEnv: def });
  await bootEnv.write({ dm_slot: 'A', dm_A_ok: '1', dm_B_ok: '0', bootlimit: '3', upgrade_available: '0', bootcount: '0' });
  const d = { dir, cfg, def, cmdline: path.join(dir, 'cmdline'), slots, bootEnv };
  await boot(d);
  return d;
}

const booted = (d: Device) => (/dm\.slot=([AB])/.exec(readFileSync(d.cmdline, 'utf8')) as RegExpExecArray)[1] as Slot;

/** Bootloader run; asserts the slot it picks holds a complete good image. A new kernel boot id, and the version of
 *  the image that runs, for the engine's boot-id and running-version checks. */
async function boot(d: Device, fallback?: FallbackStyle): Promise<Slot> {
  const b = await simulateBoot(d.bootEnv, d.cmdline, fallback);
  expect(b.slot, 'a bootable slot exists').not.toBeNull();
  const img = readFileSync(d.slots[b.slot as Slot]);
  expect(GOOD.has(sha(img)), `slot ${b.slot} holds a good image`).toBe(true);
  writeFileSync(path.join(d.dir, 'boot_id'), randomBytes(16).toString('hex'));
  writeFileSync(path.join(d.dir, 'version'), VERSION.get(sha(img)) as string);
  return b.slot as Slot;
}

function engineFor(d: Device, tick: (w: string) => void, flags: { reboot: boolean }, health = true, afterEnvWrite?: () => void): FumoEngine {
  const env = new FwEnv({ config: d.cfg, defaultEnv: d.def, onDurableWrite: tick, afterDurableWrite: afterEnvWrite });
  return new FumoEngine({
    fumoUri: './FUMO',
    store: new FileJournalStore(path.join(d.dir, 'state'), tick),
    downloader: new NodeDownloader({ onDurableWrite: tick, writeBufferBytes: 16384 }),
    files: new NodeStagingFiles({ onDurableWrite: tick }),
    writer: new UbootAbWriter({ slots: d.slots, env, bootedSlot: async () => booted(d), onDurableWrite: tick }),
    clock: { now: () => Date.now(), sleep: async () => undefined },
    random: { bytes: (n: number) => new Uint8Array(randomBytes(n)) },
    rebooter: { reboot: async () => void (flags.reboot = true) },
    health: { check: async () => health },
    stagingFile: path.join(d.dir, 'pkg.bin'),
    urlPolicy: { allowedHosts: ['127.0.0.1'] },
    verification: { requireSignature: false, publicKeys: [] },
    download: { backoff: { baseMs: 1, maxMs: 1, maxAttempts: 3 } },
    chunkSize: 16384,
    checkpointBytes: 32768,
    bootId: async () => readFileSync(path.join(d.dir, 'boot_id'), 'utf8'),
    runningVersion: async () => readFileSync(path.join(d.dir, 'version'), 'utf8'),
  });
}

describe('A/B failure paths', () => {
  it('new image fails its health check → rollback to A, report 410 stored before the reboot', async () => {
    const d = await newDevice();
    const flags = { reboot: false };
    const e1 = engineFor(d, () => undefined, flags, false);
    await (await e1.exec('DownloadAndUpdate', { pkgUrl: srv.url('/fw.bin'), sha256: sha(newFw) })).done;
    expect(flags.reboot).toBe(true);
    expect(await boot(d)).toBe('B');
    flags.reboot = false;
    const e2 = engineFor(d, () => undefined, flags, false);
    await e2.resume();
    expect(flags.reboot).toBe(true); // reboot back to A requested...
    expect(e2.pendingReports()[0]).toMatchObject({ resultCode: 410, mark: 'critical' }); // ...after the report was stored
    expect(await boot(d)).toBe('A');
    const e3 = engineFor(d, () => undefined, { reboot: false });
    await e3.resume();
    expect(e3.state()).toBe(FumoState.UpdateFailedHaveData);
    expect((await d.bootEnv.read()).dm_B_ok).toBe('0');
  });

  it.each(['mark-bad', 'switch-only'] as FallbackStyle[])('new image never starts the agent → boot counter falls back to A (%s) → report 410, B marked bad', async (style) => {
    const d = await newDevice();
    const flags = { reboot: false };
    await (await engineFor(d, () => undefined, flags).exec('DownloadAndUpdate', { pkgUrl: srv.url('/fw.bin'), sha256: sha(newFw) })).done;
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await boot(d, style)); // the agent never runs in B
    expect(seen).toEqual(['B', 'B', 'B', 'A']);
    const e = engineFor(d, () => undefined, { reboot: false });
    await e.resume();
    expect(e.pendingReports()[0]).toMatchObject({ resultCode: 410 });
    expect(e.state()).toBe(FumoState.UpdateFailedHaveData);
    expect(sha(readFileSync(d.slots.A))).toBe(sha(oldFw));
    // The image that never came up is never booted again, whatever the bootloader's fallback left in the env.
    expect(await d.bootEnv.read()).toMatchObject({ dm_slot: 'A', dm_B_ok: '0', upgrade_available: '0' });
  });

  it('an agent restart before the reboot does not count as a fallback', async () => {
    const d = await newDevice();
    const flags = { reboot: false };
    await (await engineFor(d, () => undefined, flags).exec('DownloadAndUpdate', { pkgUrl: srv.url('/fw.bin'), sha256: sha(newFw) })).done;
    expect(flags.reboot).toBe(true);
    // The process restarts but the device did not reboot: still on A with the switch armed.
    const again = { reboot: false };
    const e = engineFor(d, () => undefined, again);
    await e.resume();
    expect(again.reboot).toBe(true);
    expect(e.pendingReports()).toEqual([]);
    expect(await boot(d)).toBe('B');
    const e2 = engineFor(d, () => undefined, { reboot: false });
    await e2.resume();
    expect(e2.pendingReports()[0]).toMatchObject({ resultCode: 200 });
  });
});

describe('verification failures touch neither slot nor env (uboot-ab)', () => {
  it('hash mismatch → 402, env and both slots unchanged', async () => {
    const d = await newDevice();
    const envBefore = await d.bootEnv.read();
    const e = engineFor(d, () => undefined, { reboot: false });
    await (await e.exec('DownloadAndUpdate', { pkgUrl: srv.url('/fw.bin'), sha256: sha(oldFw) })).done;
    expect(e.pendingReports()[0]).toMatchObject({ resultCode: 402 });
    expect(e.state()).toBe(FumoState.DownloadFailed);
    expect(await d.bootEnv.read()).toEqual(envBefore);
    expect(sha(readFileSync(d.slots.A))).toBe(sha(oldFw));
    expect(readFileSync(d.slots.B).length).toBe(0);
  });
});

describe('install checkpoints', () => {
  it('a power cut mid-write resumes the slot write after the last checkpoint, not from byte 0', async () => {
    const d = await newDevice();
    let slotWrites = 0;
    let cut = false;
    const lifeOne = (what: string) => {
      if (cut) throw new PowerCut('off');
      if (what === 'slot-write' && ++slotWrites === 5) {
        cut = true; // after the checkpoint at 64 KiB (4 chunks of 16 KiB written and synced)
        throw new PowerCut('cut at the 5th slot write');
      }
    };
    const e1 = engineFor(d, lifeOne, { reboot: false });
    const a = await e1.exec('DownloadAndUpdate', { pkgUrl: srv.url('/fw.bin'), sha256: sha(newFw) });
    await expect(a.done).rejects.toBeInstanceOf(PowerCut);
    expect(JSON.parse(readFileSync(path.join(d.dir, 'state', 'fumo.json'), 'utf8')).job).toMatchObject({ step: 'Install', installed: 65536 });
    expect(await boot(d)).toBe('A');
    let resumedWrites = 0;
    const flags = { reboot: false };
    await engineFor(d, (w) => void (w === 'slot-write' && resumedWrites++), flags).resume();
    expect(resumedWrites).toBe(3); // 80 KiB, 96 KiB and the 1696-byte tail
    expect(flags.reboot).toBe(true);
    expect(sha(readFileSync(d.slots.B))).toBe(sha(newFw));
  });

  it('a slot prefix that no longer matches is rewritten from byte 0', async () => {
    const d = await newDevice();
    let slotWrites = 0;
    let cut = false;
    const e1 = engineFor(d, (what) => {
      if (cut) throw new PowerCut('off');
      if (what === 'slot-write' && ++slotWrites === 5) {
        cut = true;
        throw new PowerCut('cut');
      }
    }, { reboot: false });
    await expect((await e1.exec('DownloadAndUpdate', { pkgUrl: srv.url('/fw.bin'), sha256: sha(newFw) })).done).rejects.toBeInstanceOf(PowerCut);
    const b = readFileSync(d.slots.B);
    b[100] ^= 0xff; // the slot changed behind our back (bit rot, another writer)
    writeFileSync(d.slots.B, b);
    let resumedWrites = 0;
    await engineFor(d, (w) => void (w === 'slot-write' && resumedWrites++), { reboot: false }).resume();
    expect(resumedWrites).toBe(7);
    expect(sha(readFileSync(d.slots.B))).toBe(sha(newFw));
  });
});

/** Corrupts the env copy written last (the one with the higher flag byte): a write torn half-way. */
function tearNewestEnvCopy(d: Device): void {
  const copies = ['env0', 'env1'].map((c) => ({ p: path.join(d.dir, c), b: readFileSync(path.join(d.dir, c)) }));
  const newest = copies[0].b[4] === ((copies[1].b[4] + 1) & 0xff) ? copies[0] : copies[1];
  for (let i = 20; i < 60; i++) newest.b[i] = 0xff;
  writeFileSync(newest.p, newest.b);
}

describe('torn env writes (the write happens, the new copy is corrupt, power is lost)', () => {
  it.each([1, 2])('env write #%i torn: the old copy wins, the update still converges', async (k) => {
    const d = await newDevice();
    let envWrites = 0;
    let off = false;
    let accepted = false;
    const acked = new Set<string>();
    for (let life = 0; life < 10; life++) {
      const flags = { reboot: false };
      off = false;
      const tick = () => {
        if (off) throw new PowerCut('off');
      };
      const after = () => {
        if (++envWrites === k) {
          tearNewestEnvCopy(d);
          off = true;
          throw new PowerCut(`env write #${k} torn`);
        }
      };
      const engine = engineFor(d, tick, flags, true, after);
      try {
        if (!accepted) {
          const ans = await engine.exec('DownloadAndUpdate', { pkgUrl: srv.url('/fw.bin'), sha256: sha(newFw) });
          accepted = true;
          await ans.done;
        } else await engine.resume();
        for (const r of engine.pendingReports()) {
          expect(r.resultCode).toBe(200);
          acked.add(r.id);
          await engine.acknowledge(r.id);
        }
        if (!flags.reboot && engine.job() && engine.job()!.step === 'Done' && engine.pendingReports().length === 0) break;
      } catch (e) {
        if (!(e instanceof PowerCut)) throw e;
      }
      await boot(d);
    }
    expect(envWrites).toBeGreaterThan(k);
    expect(acked.size).toBe(1);
    expect(booted(d)).toBe('B');
    expect(await d.bootEnv.read()).toMatchObject({ dm_slot: 'B', upgrade_available: '0' });
  });
});
