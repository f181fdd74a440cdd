// What RAUC says about its slots: `rauc status --detailed --output-format=json` (RAUC's own JSON formatter):
//
//   { "compatible": "...", "variant": "...", "booted": "A", "boot_primary": "rootfs.1",
//     "slots": [ { "rootfs.0": { "class": "rootfs", "device": "/dev/mmcblk0p2", "bootname": "A", "state": "booted",
//                                "parent": null, "boot_status": "good",
//                                "slot_status": { "bundle": { "compatible": "...", "version": "2.4.1" }, ... } } },
//                { "rootfs.1": { ... "state": "inactive" ... } } ] }
//
// `booted` is the boot name RAUC read from the kernel command line, or a device path when it booted by root=, so the
// booted slot is the one whose `state` is "booted". `boot_primary` is the slot the bootloader tries next. The bundle
// version is present only with --detailed and only for a slot RAUC installed.

import { UpdateError } from '../errors.js';

export const RAUC_STATUS_ARGS = ['rauc', 'status', '--detailed', '--output-format=json'];

export interface RaucSlotInfo {
  name: string;
  class: string;
  bootname?: string;
  state: string;
  parent?: string;
  bootStatus?: string;
  bundleVersion?: string;
}

export interface RaucStatus {
  /** Slot name (e.g. rootfs.0) of the booted slot. */
  booted: string;
  /** Slot the bootloader tries next, when RAUC can tell. */
  primary?: string;
  /** The one other bootable slot of the booted slot's class (where `rauc install` writes), when there is exactly one. */
  target?: string;
  /** Bundle version RAUC recorded for the booted slot. */
  bootedVersion?: string;
  slots: RaucSlotInfo[];
}

function bad(why: string): UpdateError {
  return new UpdateError('install-failed', `rauc status: ${why}`);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function parseRaucStatus(stdout: string): RaucStatus {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch (e) {
    throw bad(`output is not JSON (${(e as Error).message})`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw bad('output is not a JSON object');
  const d = doc as Record<string, unknown>;
  if (!Array.isArray(d.slots)) throw bad('no "slots" list');
  const slots: RaucSlotInfo[] = [];
  for (const entry of d.slots) {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw bad('a "slots" entry is not an object');
    for (const name of Object.keys(entry)) {
      const s = (entry as Record<string, unknown>)[name] as Record<string, unknown> | null;
      if (!s || typeof s !== 'object') throw bad(`slot ${name} is not an object`);
      const info: RaucSlotInfo = { name, class: str(s.class) || name.replace(/\.[^.]*$/, ''), state: str(s.state) || '' };
      const bootname = str(s.bootname);
      if (bootname !== undefined) info.bootname = bootname;
      const parent = str(s.parent);
      if (parent !== undefined) info.parent = parent;
      const bootStatus = str(s.boot_status);
      if (bootStatus !== undefined) info.bootStatus = bootStatus;
      const st = s.slot_status as Record<string, unknown> | undefined;
      const bundle = st && typeof st === 'object' ? (st.bundle as Record<string, unknown> | undefined) : undefined;
      const version = bundle && typeof bundle === 'object' ? str(bundle.version) : undefined;
      if (version !== undefined) info.bundleVersion = version;
      slots.push(info);
    }
  }
  const booted = slots.filter((s) => s.state === 'booted');
  if (booted.length !== 1) throw bad(`${booted.length} slots are in state "booted" (RAUC must know what it booted from: rauc.slot= on the kernel command line)`);
  const b = booted[0];
  const others = slots.filter((s) => s.class === b.class && s.name !== b.name && s.parent === undefined && s.bootname !== undefined);
  const out: RaucStatus = { booted: b.name, slots };
  const primary = str(d.boot_primary);
  if (primary !== undefined) out.primary = primary;
  if (others.length === 1) out.target = others[0].name;
  if (b.bundleVersion !== undefined) out.bootedVersion = b.bundleVersion;
  return out;
}
