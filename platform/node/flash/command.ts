// External-installer flash writer on Node: the shared InstallerWriter (src/update/installers/writer.ts) with
// child_process as the way to run the installer's commands.

import { InstallerWriter } from '../../../src/update/installers/writer';
import { run } from './exec';
import { CommandWriterOptions, INSTALLERS, installerSpec } from '../../common/installers';

export { INSTALLERS };
export type { CommandWriterOptions };

export class CommandWriter extends InstallerWriter {
  constructor(o: CommandWriterOptions, firmwareVersion?: () => Promise<string | undefined>) {
    super({ spec: installerSpec(o), run: (argv, timeoutMs) => run(argv, undefined, timeoutMs), firmwareVersion });
  }
}
