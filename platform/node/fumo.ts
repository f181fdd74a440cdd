// FUMO on Node: the shared composition (src/agent/fumo-compose.ts) with this runtime's downloader, staging files and
// file / uboot-ab / command writers.
import { mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { ComposeContext } from '../../src/agent/compose.js';
import type { FumoConfig } from '../../src/agent/fumo-config.js';
import { composeFumo } from '../../src/agent/fumo-compose.js';
import type { FumoSource } from '../../src/agent/fumo-source.js';
import type { FlashWriter } from '../../src/update/ports.js';
import { NodeDownloader, NodeStagingFiles } from './download.js';
import { FileWriter } from './flash/file.js';
import { UbootAbWriter, bootedSlotFromCmdline, type Slot } from './flash/uboot-ab.js';
import { FwEnv } from './flash/fw-env.js';
import { CommandWriter } from './flash/command.js';
import { run } from './flash/exec.js';

export function createWriter(c: FumoConfig): FlashWriter {
  const w = c.writer!;
  if (w.type === 'file') return new FileWriter(w.path);
  if (w.type === 'command') return new CommandWriter(w.spec);
  const env = new FwEnv({ config: w.envConfig });
  const bootedSlot = async (): Promise<Slot> => {
    if (w.bootedSlot === 'A' || w.bootedSlot === 'B') return w.bootedSlot;
    if (w.bootedSlot === 'env') {
      const e = await env.read();
      const s = e.dm_booted || e.dm_slot;
      if (s === 'A' || s === 'B') return s;
    }
    return bootedSlotFromCmdline(w.cmdline);
  };
  return new UbootAbWriter({ slots: { A: w.slotA, B: w.slotB }, env, bootedSlot });
}

/** Size of a block-device slot from sysfs (512-byte sectors); null for anything else (an image file has no capacity). */
export async function blockDeviceSize(path: string): Promise<number | null> {
  if (!statSync(path).isBlockDevice()) return null;
  const sectors = Number(readFileSync(`/sys/class/block/${basename(realpathSync(path))}/size`, 'utf8').trim());
  return Number.isSafeInteger(sectors) && sectors > 0 ? sectors * 512 : null;
}

export function createNodeFumoSource(ctx: ComposeContext): Promise<FumoSource | null> {
  const caFile = ctx.config.server.tls.caFile;
  return composeFumo(ctx, {
    downloader: new NodeDownloader({ ca: caFile ? readFileSync(caFile) : undefined }),
    files: new NodeStagingFiles(),
    writer: async (c) => createWriter(c),
    makeStagingDir: (dir) => mkdirSync(dir, { recursive: true, mode: 0o700 }),
    run: (argv, timeoutMs) => run(argv, undefined, timeoutMs),
    slotSize: blockDeviceSize,
  });
}
