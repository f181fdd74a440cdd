// A bootloader simulator for tests and the demo: the boot decision U-Boot makes with bootcount/bootlimit/altbootcmd,
// reading and saving the SAME env through fw_printenv/fw_setenv. It records the booted slot in a file that plays the
// role of the kernel command line (`dm.slot=X`).
//
//   if upgrade_available=1: bootcount++ (saveenv); if bootcount > bootlimit: altbootcmd → dm_slot=other,
//                           dm_<trial>_ok=0, upgrade_available=0, bootcount=0 (saveenv)
//   boot dm_slot if dm_<dm_slot>_ok=1, else the other slot if it is ok, else fail (no bootable slot)

import { writeFile } from 'node:fs/promises';
import type { BootEnv as FwEnv } from '../../../src/update/writers/env.js';
import { type Slot, otherSlot } from '../../../src/update/writers/boot.js';

export interface BootResult {
  slot: Slot | null;
  fellBack: boolean;
  bootcount: number;
}

/**
 * `mark-bad` (default): the fallback also marks the failed slot bad, as sketched above. `switch-only`: it only switches
 * the primary slot and clears upgrade_available (the shape of Mender's altbootcmd), so the agent's rollback has to
 * mark the failed slot bad itself.
 */
export type FallbackStyle = 'mark-bad' | 'switch-only';

export async function simulateBoot(env: FwEnv, cmdlineFile: string, fallback: FallbackStyle = 'mark-bad'): Promise<BootResult> {
  const e = await env.read();
  let primary: Slot = e.dm_slot === 'B' ? 'B' : 'A';
  let fellBack = false;
  let bootcount = Number(e.bootcount || '0');
  if (e.upgrade_available === '1') {
    bootcount++;
    const limit = Number(e.bootlimit || '3');
    if (bootcount > limit) {
      const bad = primary;
      primary = otherSlot(primary);
      fellBack = true;
      bootcount = 0;
      if (fallback === 'mark-bad') {
        await env.write({ dm_slot: primary, [`dm_${bad}_ok`]: '0', upgrade_available: '0', bootcount: '0' });
        e[`dm_${bad}_ok`] = '0';
      } else {
        await env.write({ dm_slot: primary, upgrade_available: '0', bootcount: '0' });
      }
    } else {
      await env.write({ bootcount: String(bootcount) });
    }
  }
  const ok = (s: Slot) => e[`dm_${s}_ok`] !== '0';
  let slot: Slot | null = primary;
  if (!ok(primary)) {
    slot = ok(otherSlot(primary)) ? otherSlot(primary) : null;
    fellBack = slot !== null;
  }
  await writeFile(cmdlineFile, slot ? `console=ttyS0 dm.slot=${slot}\n` : 'no bootable slot\n');
  return { slot, fellBack, bootcount };
}
