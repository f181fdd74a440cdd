// A device with A/B slots for tests of the built agent against the reference server (README.md, "Booting A/B with
// U-Boot"): the U-Boot environment in two redundant env files that the real fw_printenv/fw_setenv read and write
// (test/support/file-env.ts), slot A holding the image the device left the factory with and slot B empty, and a sysRoot
// whose kernel boot id and /etc/version each simulated boot rewrites (platform/node/flash/uboot-sim.ts: the booted slot
// goes to a file that plays the kernel command line). The device has booted slot A once when it is handed out.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import { FwEnv } from '../../platform/node/flash/fw-env.js';
import { simulateBoot } from '../../platform/node/flash/uboot-sim.js';
import { fileEnvFiles } from './file-env.js';

export type Slot = 'A' | 'B';

export interface AbDevice {
  /** The device's root for the agent's `device.sysRoot` (proc/sys/kernel/random/boot_id, etc/version). */
  root: string;
  /** The U-Boot environment as fw_printenv/fw_setenv see it. */
  env: FwEnv;
  slots: Record<Slot, string>;
  /** The bootloader runs: a new boot id, and /etc/version says what the booted slot holds. */
  boot(): Promise<Slot>;
  /**
   * The agent's configuration for this device: `device` (fixed DevId, version from /etc/version under sysRoot),
   * `fumo` (the uboot-ab writer over these slots; `reboot: []`, the operator reboots) and a headless UI, with `rest`
   * (server, stateDir, …) as given.
   */
  config(devId: string, rest: Record<string, unknown>): Record<string, unknown>;
}

/**
 * Builds the device in `dir`. `versions` maps the SHA-256 (hex) of each image a slot may hold to its firmware version,
 * what /etc/version says after a boot into it; a slot holding an image not in it fails the boot.
 */
export async function abDevice(dir: string, slotA: Uint8Array, versions: Map<string, string>): Promise<AbDevice> {
  const root = path.join(dir, 'root');
  mkdirSync(path.join(root, 'proc/sys/kernel/random'), { recursive: true });
  mkdirSync(path.join(root, 'etc'), { recursive: true });
  const { cfg: envConfig, def: defaultEnv, slots } = fileEnvFiles(dir, slotA);
  writeFileSync(slots.B, Buffer.alloc(0));
  const env = new FwEnv({ config: envConfig, defaultEnv });
  await env.write({ dm_slot: 'A', dm_A_ok: '1', dm_B_ok: '0', bootlimit: '3', upgrade_available: '0', bootcount: '0' });
  const cmdline = path.join(dir, 'cmdline');
  const boot = async (): Promise<Slot> => {
    const { slot } = await simulateBoot(env, cmdline);
    if (!slot) throw new Error('simulated boot: no bootable slot');
    const version = versions.get(createHash('sha256').update(readFileSync(slots[slot])).digest('hex'));
    if (version === undefined) throw new Error(`simulated boot: slot ${slot} holds an image of no known version`);
    writeFileSync(path.join(root, 'proc/sys/kernel/random/boot_id'), `${randomUUID()}\n`);
    writeFileSync(path.join(root, 'etc/version'), `${version}\n`);
    return slot;
  };
  if ((await boot()) !== 'A') throw new Error('a new A/B device boots slot A');
  const config = (devId: string, rest: Record<string, unknown>) => ({
    ...rest,
    device: { devIdScheme: 'fixed', devId, sysRoot: root, firmwareVersion: { file: '/etc/version' } },
    fumo: { writer: { type: 'uboot-ab', slotA: slots.A, slotB: slots.B, envConfig, bootedSlot: 'cmdline', cmdline }, reboot: [], allowHttp: true, requireHash: true },
    ui: { mode: 'headless' },
  });
  return { root, env, slots, boot, config };
}
