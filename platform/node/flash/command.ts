// External-installer flash writer: hands the verified file to RAUC (`rauc install`), SWUpdate (`swupdate -i`) or
// OpenWrt (`sysupgrade`) and maps the exit code to a FUMO result (digest §5.4). The tools do their own slot logic;
// commit/rollback run the tool's mark-good/mark-bad command when one exists.

import type { FlashStatus, FlashWriter, ImageMeta } from '../../../src/update/ports';
import { UpdateError } from '../../../src/update/errors';
import { FumoResult } from '../../../src/fumo/result-codes';
import { run } from './exec';

export interface CommandWriterOptions {
  /** Install command; `{file}` is replaced by the staged file path. */
  install: string[];
  /** Exit code → FUMO result code; unmapped non-zero codes give 410. */
  exitCodes?: Record<number, number>;
  commit?: string[];
  rollback?: string[];
  needsReboot?: boolean;
  timeoutMs?: number;
}

export const INSTALLERS: Record<'rauc' | 'swupdate' | 'sysupgrade', CommandWriterOptions> = {
  // rauc exits 1 on any failure (signature, compatible, write); mark-good/mark-bad act on the booted slot.
  rauc: { install: ['rauc', 'install', '{file}'], commit: ['rauc', 'status', 'mark-good'], rollback: ['rauc', 'status', 'mark-bad'], needsReboot: true },
  // swupdate exits 1 on failure; the bootloader transaction is in its `ustate`, confirmed by the project's own logic.
  swupdate: { install: ['swupdate', '-i', '{file}'], needsReboot: true },
  // sysupgrade -T checks the image first; exit 1 there means an unsuitable image (403 device mismatch).
  sysupgrade: { install: ['sysupgrade', '{file}'], exitCodes: { 1: FumoResult.DeviceMismatch }, needsReboot: true },
};

export class CommandWriter implements FlashWriter {
  readonly kind = 'command';
  readonly needsReboot: boolean;
  constructor(private readonly o: CommandWriterOptions) {
    this.needsReboot = o.needsReboot !== false;
  }

  private async exec(argv: string[], what: string, file?: string): Promise<void> {
    const args = argv.map((a) => (file !== undefined ? a.split('{file}').join(file) : a));
    let r;
    try {
      r = await run(args, undefined, this.o.timeoutMs);
    } catch (e) {
      throw new UpdateError(FumoResult.UpdateFailed, `${what}: cannot run ${args[0]}: ${(e as Error).message}`);
    }
    if (r.code !== 0) {
      const mapped = this.o.exitCodes ? this.o.exitCodes[r.code] : undefined;
      throw new UpdateError(mapped === undefined ? FumoResult.UpdateFailed : mapped, `${what}: ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().slice(0, 300)}`);
    }
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
