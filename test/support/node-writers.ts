// The core's writers (src/update/writers/, src/update/installers/) bound to the Node writer ports, for tests and
// scripts that build a writer by hand instead of through the factory.
import { FileWriter as CoreFileWriter } from '../../src/update/writers/file.js';
import { UbootAbWriter as CoreUbootAbWriter, type UbootAbOptions } from '../../src/update/writers/uboot-ab.js';
import { bootedSlotFromCmdline as fromCmdline, type Slot } from '../../src/update/writers/boot.js';
import { InstallerWriter } from '../../src/update/installers/writer.js';
import { DEFAULT_STAGED_NAME, type InstallerSpec } from '../../src/update/installers/spec.js';
import { nodeWriterFs } from '../../platform/node/writer-ports.js';
import { nodeRunCommand } from '../../platform/node/run-command.js';
import type { WriterFile, WriterFs } from '../../src/ports/writers.js';

export type { Slot };

export class FileWriter extends CoreFileWriter {
  constructor(target: string) {
    super(nodeWriterFs, target);
  }
}

/** The Node file ports with a hook before each slot write and fsync (the power-cut harness throws from it). */
function hookedFs(onDurableWrite: (what: string) => void): WriterFs {
  return Object.assign({}, nodeWriterFs, {
    async open(path: string): Promise<WriterFile> {
      const f = await nodeWriterFs.open(path);
      return Object.assign({}, f, {
        pwrite(bytes: Uint8Array, offset: number) {
          onDurableWrite('slot-write');
          return f.pwrite(bytes, offset);
        },
        sync() {
          onDurableWrite('slot-fsync');
          return f.sync();
        },
      });
    },
  });
}

export class UbootAbWriter extends CoreUbootAbWriter {
  constructor(o: Omit<UbootAbOptions, 'fs' | 'bootedSlot'> & { bootedSlot?: () => Promise<Slot>; onDurableWrite?(what: string): void }) {
    const fs = o.onDurableWrite ? hookedFs(o.onDurableWrite) : nodeWriterFs;
    super(Object.assign({ bootedSlot: () => fromCmdline(nodeWriterFs) }, o, { fs }) as UbootAbOptions);
  }
}

export function bootedSlotFromCmdline(file?: string): Promise<Slot> {
  return fromCmdline(nodeWriterFs, file);
}

/** A custom installer as fumo.writer gives it: the install command, the rest optional. */
export class CommandWriter extends InstallerWriter {
  constructor(o: Partial<InstallerSpec> & { install: string[] }) {
    super({ spec: Object.assign({ name: 'custom', observe: 'facts' as const, stagedName: DEFAULT_STAGED_NAME }, o), run: nodeRunCommand });
  }
}
