// External-installer flash writer on QuickJS: the shared InstallerWriter (src/update/installers/writer.ts) with
// files.ts exec (os.exec with pipes) as the way to run the installer's commands.

import { InstallerWriter } from '../../src/update/installers/writer.js';
import { CommandWriterOptions, installerSpec } from '../common/installers.js';
import { exec } from './files.js';

export class QjsCommandWriter extends InstallerWriter {
  constructor(o: CommandWriterOptions, firmwareVersion?: () => Promise<string | undefined>) {
    super({ spec: installerSpec(o), run: (argv, timeoutMs) => exec(argv, { timeoutMs }), firmwareVersion });
  }
}
