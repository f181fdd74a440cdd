// The core's writers (src/update/writers/, src/update/installers/) bound to the Node writer ports, for tests and
// scripts that build a writer by hand instead of through the factory.
import { FileWriter as CoreFileWriter } from '../../src/update/writers/file';
import { UbootAbWriter as CoreUbootAbWriter, type UbootAbOptions } from '../../src/update/writers/uboot-ab';
import { bootedSlotFromCmdline as fromCmdline, type Slot } from '../../src/update/writers/boot';
import { InstallerWriter } from '../../src/update/installers/writer';
import { DEFAULT_STAGED_NAME, type InstallerSpec } from '../../src/update/installers/spec';
import { nodeRun, nodeWriterFs } from '../../platform/node/writer-ports';

export type { Slot };

export class FileWriter extends CoreFileWriter {
  constructor(target: string) {
    super(nodeWriterFs, target);
  }
}

export class UbootAbWriter extends CoreUbootAbWriter {
  constructor(o: Omit<UbootAbOptions, 'fs' | 'bootedSlot'> & { bootedSlot?: () => Promise<Slot> }) {
    super(Object.assign({ fs: nodeWriterFs, bootedSlot: () => fromCmdline(nodeWriterFs) }, o) as UbootAbOptions);
  }
}

export function bootedSlotFromCmdline(file?: string): Promise<Slot> {
  return fromCmdline(nodeWriterFs, file);
}

/** A custom installer as fumo.writer gives it: the install command, the rest optional. */
export class CommandWriter extends InstallerWriter {
  constructor(o: Partial<InstallerSpec> & { install: string[] }) {
    super({ spec: Object.assign({ name: 'custom', observe: 'facts' as const, stagedName: DEFAULT_STAGED_NAME }, o), run: nodeRun });
  }
}
