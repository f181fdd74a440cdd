// Node wiring of the A/B U-Boot writer (logic and env contract: platform/common/uboot-ab.ts): env through the real
// fw_printenv/fw_setenv (fw-env.ts), slots written by SlotWriter (slot-io.ts), booted slot from /proc/cmdline.

import { readFile } from 'node:fs/promises';
import { Slot, UbootAbCore, otherSlot, parseBootedSlot } from '../../common/uboot-ab';
import { FwEnv } from './fw-env';
import { SlotWriter } from './slot-io';

export type { Slot };
export { otherSlot };

export interface UbootAbOptions {
  slots: { A: string; B: string };
  env: FwEnv;
  /** Which slot the running system booted from; default reads `dm.slot=`/`rauc.slot=` from /proc/cmdline. */
  bootedSlot?: () => Promise<Slot>;
  bootlimit?: number;
  onDurableWrite?(what: string): void;
}

export async function bootedSlotFromCmdline(file = '/proc/cmdline'): Promise<Slot> {
  return parseBootedSlot(await readFile(file, 'utf8'), file);
}

export class UbootAbWriter extends UbootAbCore {
  constructor(o: UbootAbOptions) {
    super({
      slots: o.slots,
      env: o.env,
      bootedSlot: o.bootedSlot || (() => bootedSlotFromCmdline()),
      bootlimit: o.bootlimit,
      openSlot: async (path, meta) => {
        const s = new SlotWriter(path, meta, o.onDurableWrite);
        await s.open();
        return s;
      },
    });
  }
}
