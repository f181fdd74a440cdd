// External-installer flash writer on QuickJS (same contract as platform/node/flash/command.ts): the verified file is
// handed to `rauc install`, `swupdate -i` or `sysupgrade`; exit codes map to FUMO results (platform/common/installers).

import type { FlashStatus, FlashWriter, ImageMeta } from '../../src/update/ports.js';
import { UpdateError } from '../../src/update/errors.js';
import { FumoResult } from '../../src/fumo/result-codes.js';
import { CommandWriterOptions, commandLine, resultForExit } from '../common/installers.js';
import { exec } from './files.js';

export class QjsCommandWriter implements FlashWriter {
  readonly kind = 'command';
  readonly needsReboot: boolean;
  constructor(private readonly o: CommandWriterOptions) {
    this.needsReboot = o.needsReboot !== false;
  }

  private async exec(argv: string[], what: string, file?: string): Promise<void> {
    const args = commandLine(argv, file);
    const r = await exec(args, this.o.timeoutMs === undefined ? {} : { timeoutMs: this.o.timeoutMs });
    if (r.code === 127 && r.stdout === '' && r.stderr === '')
      throw new UpdateError(FumoResult.UpdateFailed, `${what}: cannot run ${args[0]}`);
    if (r.code !== 0)
      throw new UpdateError(resultForExit(this.o, r.code), `${what}: ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().slice(0, 300)}`);
  }

  async installFile(file: string, _meta: ImageMeta): Promise<void> {
    await this.exec(this.o.install, 'install', file);
  }
  async begin(): Promise<void> {
    throw new UpdateError(FumoResult.NotImplemented, 'the command writer installs whole files (installFile), not chunks');
  }
  async writeChunk(): Promise<void> {
    throw new UpdateError(FumoResult.NotImplemented, 'the command writer installs whole files');
  }
  async finish(): Promise<void> {
    throw new UpdateError(FumoResult.NotImplemented, 'the command writer installs whole files');
  }
  async activate(): Promise<void> {
    // The installer switched slots itself.
  }
  async commit(): Promise<void> {
    if (this.o.commit) await this.exec(this.o.commit, 'commit');
  }
  async rollback(): Promise<void> {
    if (this.o.rollback) await this.exec(this.o.rollback, 'rollback');
  }
  async status(): Promise<FlashStatus> {
    return { pendingCommit: false };
  }
}
