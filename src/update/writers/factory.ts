// `fumo.writer` (README.md, Configuration → `fumo`; parsed by src/agent/fumo-writer-config.ts) → the flash writer,
// the same on every runtime: the runtime supplies only the writer ports (src/ports/writers.ts).

import type { Log } from '../../ports/runtime.js';
import type { FlashWriter } from '../../ports/update.js';
import type { WriterPorts } from '../../ports/writers.js';
import type { InstallerSpec } from '../installers/spec.js';
import { InstallerWriter } from '../installers/writer.js';
import { type BootedSlotSource, bootedSlotReader } from './boot.js';
import { FwEnv } from './env.js';
import { FileWriter } from './file.js';
import { UbootAbWriter } from './uboot-ab.js';

/** A validated `fumo.writer` section. */
export type WriterConfig =
  | { type: 'file'; path: string }
  | { type: 'uboot-ab'; slotA: string; slotB: string; envConfig: string; bootedSlot: BootedSlotSource; cmdline: string }
  | { type: 'command'; installer: 'rauc' | 'swupdate' | 'sysupgrade' | 'custom'; spec: InstallerSpec };

export interface WriterContext {
  /** The running firmware version as the platform reports it now (DevDetail FwV), for external installers. */
  firmwareVersion?(): Promise<string | undefined>;
  log?: Log;
}

export function createFlashWriter(w: WriterConfig, ports: WriterPorts, ctx: WriterContext = {}): FlashWriter {
  switch (w.type) {
    case 'file':
      return new FileWriter(ports.fs, w.path);
    case 'uboot-ab': {
      const env = new FwEnv({ run: ports.run, config: w.envConfig });
      const bootedSlot = bootedSlotReader(w.bootedSlot, ports.fs, env, w.cmdline);
      return new UbootAbWriter({ slots: { A: w.slotA, B: w.slotB }, env, fs: ports.fs, bootedSlot });
    }
    case 'command':
      // External installers: the core decides what runs, the platform only runs the commands.
      return new InstallerWriter({ spec: w.spec, run: ports.run, firmwareVersion: ctx.firmwareVersion, log: ctx.log });
  }
}
