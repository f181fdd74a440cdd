// A/B flash writer for U-Boot (RAUC bootchooser style, Mender-like variables), runtime-free: the env comes in as a
// BootEnv (env.ts: fw_printenv/fw_setenv through the CommandRunner port), the slot I/O through the WriterFs port
// (src/ports/writers.ts), the booted slot as a function (boot.ts).
//
// Env contract (the boot script / platform/node/flash/uboot-sim.ts implement the other side):
//   dm_slot            primary slot, `A` or `B`
//   dm_A_ok, dm_B_ok   `1` = bootable, `0` = marked bad (set to 0 BEFORE the slot is written)
//   upgrade_available  `1` while a freshly activated slot is on trial; U-Boot then counts boots
//   bootcount          boots since activation (U-Boot increments it while upgrade_available=1)
//   bootlimit          trials before U-Boot's altbootcmd falls back to the other slot
//
// Sequence (docs/update-practice.md §10): mark target bad (1 env write) → write chunks → fsync → read back + hash the whole slot →
// activate in ONE env write {dm_slot=T, dm_T_ok=1, upgrade_available=1, bootcount=0} → reboot → health check →
// commit {upgrade_available=0, bootcount=0}. A power cut anywhere before activate leaves the old slot primary and
// the target marked bad; after activate the boot counter falls back if the new image does not come up.

import { UpdateError } from '../errors.js';
import type { FlashStatus, ImageMeta, ResumePoint, StreamingWriter, WrittenImage } from '../../ports/update.js';
import type { WriterFs } from '../../ports/writers.js';
import type { BootEnv } from './env.js';
import { type Slot, otherSlot } from './boot.js';
import { OpenSlot, holdsImage } from './slot.js';

export interface UbootAbOptions {
  slots: { A: string; B: string };
  env: BootEnv;
  fs: WriterFs;
  /** Which slot the running system booted from (boot.ts: kernel command line, env or fixed). */
  bootedSlot: () => Promise<Slot>;
  bootlimit?: number;
}

export class UbootAbWriter implements StreamingWriter {
  readonly kind = 'uboot-ab';
  readonly needsReboot = true;
  private readonly slot = new OpenSlot();
  private target: Slot | null = null;

  constructor(private readonly core: UbootAbOptions) {}

  async status(): Promise<FlashStatus> {
    const env = await this.core.env.read();
    const booted = await this.core.bootedSlot();
    const primary = env.dm_slot === 'A' || env.dm_slot === 'B' ? env.dm_slot : booted;
    return { bootedSlot: booted, primarySlot: primary, targetSlot: otherSlot(booted), pendingCommit: env.upgrade_available === '1' };
  }

  async begin(meta: ImageMeta, resume?: ResumePoint): Promise<number> {
    await this.slot.abort(); // begin again = start over (a 200 answer to a resumed GET)
    const env = await this.core.env.read();
    const booted = await this.core.bootedSlot();
    // Never overwrite the only good slot (docs/update-practice.md §11.8): while the running slot is on trial, the other one is the
    // fallback the boot counter relies on.
    if (env.upgrade_available === '1' && (env.dm_slot || booted) === booted)
      throw new UpdateError('install-failed', `slot ${booted} is not committed yet; refusing to overwrite the fallback slot`);
    const target = otherSlot(booted);
    const vars: Record<string, string> = {};
    if (env[`dm_${target}_ok`] !== '0') vars[`dm_${target}_ok`] = '0';
    if (env.dm_slot !== booted) vars.dm_slot = booted; // e.g. an activation that never booted: keep what runs
    if (env.bootlimit === undefined) vars.bootlimit = String(this.core.bootlimit || 3);
    // Mark-bad before the first byte: a power cut mid-write must never leave a half-written slot that U-Boot may
    // boot (docs/update-practice.md §10 step 2).
    if (Object.keys(vars).length > 0) await this.core.env.write(vars);
    this.target = target;
    // The slot was marked bad before its first byte, so a prefix that hashes right is ours from the earlier run.
    return this.slot.start(this.core.fs, this.core.slots[target], meta, resume);
  }

  /** A failed job's slot stays as begin() left it, marked bad; only the open file is closed. */
  async abandon(): Promise<void> {
    await this.slot.abort();
  }

  /** The slot an update goes to still holds `image` and is marked bad (written, never activated). */
  async holds(image: WrittenImage): Promise<boolean> {
    const env = await this.core.env.read();
    const booted = await this.core.bootedSlot();
    const target = otherSlot(booted);
    if (env[`dm_${target}_ok`] !== '0' || (env.dm_slot !== undefined && env.dm_slot !== booted)) return false;
    return holdsImage(this.core.fs, this.core.slots[target], image);
  }

  async sync(): Promise<void> {
    await this.slot.sync();
  }

  async writeChunk(bytes: Uint8Array): Promise<void> {
    await this.slot.write(bytes);
  }

  async finish(image?: WrittenImage): Promise<void> {
    await this.slot.finish(image);
  }

  /** One atomic env write switches the primary slot and arms the boot counter. */
  async activate(targetSlot?: string): Promise<void> {
    const booted = await this.core.bootedSlot();
    const target: Slot = targetSlot === 'A' || targetSlot === 'B' ? targetSlot : this.target || otherSlot(booted);
    if (target === booted) return; // already running it: a power cut after the switch, and the device rebooted
    // The switch itself, all four variables at once (docs/update-practice.md §10 step 6): a torn series of writes
    // could arm the boot counter without switching, or switch to a slot still marked bad.
    await this.core.env.write({ dm_slot: target, [`dm_${target}_ok`]: '1', upgrade_available: '1', bootcount: '0' });
  }

  async commit(): Promise<void> {
    const env = await this.core.env.read();
    const booted = await this.core.bootedSlot();
    if (env.dm_slot !== booted)
      throw new UpdateError('install-failed', `cannot commit: running ${booted} but the primary slot is ${env.dm_slot}`);
    // Ends the trial (docs/update-practice.md §10 step 10): without it U-Boot keeps counting boots and falls back.
    if (env.upgrade_available === '1' || env[`dm_${booted}_ok`] !== '1')
      await this.core.env.write({ upgrade_available: '0', bootcount: '0', [`dm_${booted}_ok`]: '1' });
  }

  async rollback(): Promise<void> {
    await this.slot.abort();
    const env = await this.core.env.read();
    const booted = await this.core.bootedSlot();
    if (env.upgrade_available === '1' && env.dm_slot === booted) {
      // Running the trial image and it is not good: boot the other one next time, and never this one again.
      await this.core.env.write({ dm_slot: otherSlot(booted), [`dm_${booted}_ok`]: '0', upgrade_available: '0', bootcount: '0' });
      return;
    }
    // Running the old image (the bootloader already fell back, or we never switched): keep it, mark the other bad.
    const other = otherSlot(booted);
    const vars: Record<string, string> = {};
    if (env[`dm_${other}_ok`] !== '0') vars[`dm_${other}_ok`] = '0';
    if (env.dm_slot !== booted) vars.dm_slot = booted;
    if (env.upgrade_available === '1') {
      vars.upgrade_available = '0';
      vars.bootcount = '0';
    }
    // The failed slot must not be booted again (docs/update-practice.md §10 row F; a switch-only altbootcmd leaves it good).
    if (Object.keys(vars).length > 0) await this.core.env.write(vars);
  }
}
