// Which A/B slot runs now: the same rule on every runtime. `fumo.writer.bootedSlot` (README.md, Configuration →
// `fumo`) picks the source: `cmdline` (default) reads `dm.slot=` or RAUC's `rauc.slot=` from the kernel command line
// file (/proc/cmdline), `env` trusts the U-Boot env (`dm_booted`, else `dm_slot`; then the command line), `A`/`B` fix it.

import { UpdateError } from '../errors.js';
import type { WriterFs } from '../../ports/writers.js';
import type { BootEnv } from './env.js';

export type Slot = 'A' | 'B';

export function otherSlot(s: Slot): Slot {
  return s === 'A' ? 'B' : 'A';
}

/** The booted slot from a kernel command line (`dm.slot=A` or RAUC's `rauc.slot=A`). */
export function parseBootedSlot(cmdline: string, source: string): Slot {
  const m = /(?:^|\s)(?:dm|rauc)\.slot=([AB])(?:\s|$)/.exec(cmdline);
  if (!m) throw new UpdateError('install-failed', `cannot tell the booted slot: no dm.slot=/rauc.slot= in ${source}`);
  return m[1] as Slot;
}

/** Reads the kernel command line file and finds the booted slot in it. */
export async function bootedSlotFromCmdline(fs: WriterFs, file = '/proc/cmdline'): Promise<Slot> {
  const text = await fs.readText(file);
  if (text === null) throw new UpdateError('install-failed', `cannot tell the booted slot: cannot read ${file}`);
  return parseBootedSlot(text, file);
}

export type BootedSlotSource = 'cmdline' | 'env' | Slot;

/** The booted-slot function of `fumo.writer.bootedSlot`. */
export function bootedSlotReader(source: BootedSlotSource, fs: WriterFs, env: BootEnv, cmdline: string): () => Promise<Slot> {
  return async () => {
    if (source === 'A' || source === 'B') return source;
    if (source === 'env') {
      const e = await env.read();
      const s = e.dm_booted || e.dm_slot;
      if (s === 'A' || s === 'B') return s;
    }
    return bootedSlotFromCmdline(fs, cmdline);
  };
}
