// QuickJS wiring of the A/B U-Boot writer (logic and env contract: platform/common/uboot-ab.ts): env through the real
// fw_printenv/fw_setenv (several variables in ONE `fw_setenv -s -` write), slots through QjsSlotWriter, booted slot
// from /proc/cmdline (`dm.slot=` or `rauc.slot=`).

import { UpdateError } from '../../src/update/errors.js';
import { FumoResult } from '../../src/fumo/result-codes.js';
import { BootEnv, Slot, UbootAbCore, parseBootedSlot } from '../common/uboot-ab.js';
import { FwEnvError, fwSetenvScript, parsePrintenv } from '../common/fw-env-script.js';
import { exec, readText } from './files.js';
import type { Sha256Provider } from './hash.js';
import type { Durability } from './storage.js';
import { QjsSlotWriter } from './flash-slot.js';

export interface QjsFwEnvOptions {
  config: string;
  defaultEnv?: string;
  printenv?: string;
  setenv?: string;
}

export class QjsFwEnv implements BootEnv {
  constructor(private readonly o: QjsFwEnvOptions) {}
  private base(): string[] {
    const a = ['-c', this.o.config];
    if (this.o.defaultEnv) a.push('-f', this.o.defaultEnv);
    return a;
  }
  async read(): Promise<Record<string, string>> {
    const r = await exec([this.o.printenv || 'fw_printenv'].concat(this.base()));
    if (r.code !== 0) throw new FwEnvError(`fw_printenv failed (${r.code}): ${r.stderr.trim()}`);
    return parsePrintenv(r.stdout);
  }
  async write(vars: Record<string, string | null>): Promise<void> {
    const r = await exec([this.o.setenv || 'fw_setenv'].concat(this.base(), ['-s', '-']), { stdin: fwSetenvScript(vars) });
    if (r.code !== 0) throw new FwEnvError(`fw_setenv failed (${r.code}): ${r.stderr.trim()}`);
  }
}

export interface QjsUbootAbOptions {
  slots: { A: string; B: string };
  env: BootEnv;
  hash: Sha256Provider;
  durability: Durability;
  /** Default: /proc/cmdline. */
  cmdlineFile?: string;
  /** How the booted slot is told (fumo.writer.bootedSlot "env", "A", "B"); default: the kernel command line. */
  bootedSlot?: () => Promise<Slot>;
  bootlimit?: number;
}

export function createQjsUbootAbWriter(o: QjsUbootAbOptions): UbootAbCore {
  const cmdline = o.cmdlineFile || '/proc/cmdline';
  return new UbootAbCore({
    slots: o.slots,
    env: o.env,
    bootlimit: o.bootlimit,
    bootedSlot: o.bootedSlot || (async (): Promise<Slot> => {
      const text = readText(cmdline);
      if (text === null) throw new UpdateError(FumoResult.UpdateFailed, `cannot read ${cmdline}`);
      return parseBootedSlot(text, cmdline);
    }),
    openSlot: async (path, meta) => {
      const s = new QjsSlotWriter(path, meta, o.hash, o.durability);
      s.open();
      return s;
    },
  });
}
