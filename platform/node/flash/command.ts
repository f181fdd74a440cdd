// External-installer flash writer: hands the verified file to RAUC (`rauc install`), SWUpdate (`swupdate -i`) or
// OpenWrt (`sysupgrade`) and maps the exit code to a FUMO result (digest §5.4). The tools do their own slot logic;
// commit/rollback run the tool's mark-good/mark-bad command when one exists.

import type { FlashStatus, FlashWriter, ImageMeta } from '../../../src/update/ports';
import { UpdateError } from '../../../src/update/errors';
import { FumoResult } from '../../../src/fumo/result-codes';
import { run } from './exec';
import { CommandWriterOptions, INSTALLERS, commandLine, resultForExit } from '../../common/installers';

export { INSTALLERS };
export type { CommandWriterOptions };

export class CommandWriter implements FlashWriter {
  readonly kind = 'command';
  readonly needsReboot: boolean;
  constructor(private readonly o: CommandWriterOptions) {
    this.needsReboot = o.needsReboot !== false;
  }

  private async exec(argv: string[], what: string, file?: string): Promise<void> {
    const args = commandLine(argv, file);
    let r;
    try {
      r = await run(args, undefined, this.o.timeoutMs);
    } catch (e) {
      throw new UpdateError(FumoResult.UpdateFailed, `${what}: cannot run ${args[0]}: ${(e as Error).message}`);
    }
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
