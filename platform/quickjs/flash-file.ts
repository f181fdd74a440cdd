// Single-file flash writer on QuickJS (same protocol as platform/node/flash/file.ts): write `<target>.new`, read it
// back, activate with a hard link target → target.prev (`ln -f`, QuickJS's os has no link()) and rename(new → target),
// so the target path always names a complete image; the previous one stays until commit for rollback.

import * as os from 'os';
import type { FlashStatus, FlashWriter, ImageMeta, ResumePoint } from '../../src/update/ports.js';
import { UpdateError } from '../../src/update/errors.js';
import { FumoResult } from '../../src/fumo/result-codes.js';
import { exec, exists, removeFile } from './files.js';
import type { Sha256Provider } from './hash.js';
import type { Durability } from './storage.js';
import { QjsSlotWriter } from './flash-slot.js';

function dirOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i > 0 ? p.substring(0, i) : '.';
}

export class QjsFileWriter implements FlashWriter {
  readonly kind = 'file';
  readonly needsReboot = false;
  private slot: QjsSlotWriter | null = null;
  constructor(private readonly target: string, private readonly hash: Sha256Provider, private readonly durability: Durability) {}

  async begin(meta: ImageMeta, resume?: ResumePoint): Promise<number> {
    if (!resume) removeFile(this.target + '.new');
    this.slot = new QjsSlotWriter(this.target + '.new', meta, this.hash, this.durability);
    this.slot.open();
    if (resume && resume.offset > 0 && (await this.slot.resumeAt(resume.offset, resume.prefixSha256))) return resume.offset;
    return 0;
  }
  async sync(): Promise<void> {
    if (!this.slot) throw new UpdateError(FumoResult.UpdateFailed, 'sync before begin');
    await this.slot.sync();
    // `.new` was created by this write: its name is durable only once the directory is synced (fsync(2) NOTES), and
    // the checkpoint journaled next claims bytes of it (test/powercut-qjs-pagecache.test.ts).
    await this.durability.syncDir(dirOf(this.target));
  }
  async writeChunk(bytes: Uint8Array): Promise<void> {
    if (!this.slot) throw new UpdateError(FumoResult.UpdateFailed, 'writeChunk before begin');
    await this.slot.write(bytes);
  }
  async finish(): Promise<void> {
    if (!this.slot) throw new UpdateError(FumoResult.UpdateFailed, 'finish before begin');
    const s = this.slot;
    this.slot = null;
    await s.close();
    // The verified image must survive a cut before activate(): without this directory sync its name may not (a cut
    // at the link then found no `.new` and failed the update; test/powercut-qjs-pagecache.test.ts).
    await this.durability.syncDir(dirOf(this.target));
  }
  async activate(): Promise<void> {
    const next = this.target + '.new';
    const prev = this.target + '.prev';
    if (!exists(next)) {
      if (exists(prev)) return; // already activated before a power cut
      throw new UpdateError(FumoResult.UpdateFailed, `nothing to activate: ${next} is missing`);
    }
    removeFile(prev);
    if (exists(this.target)) {
      const r = await exec(['ln', '-f', this.target, prev]);
      if (r.code !== 0) throw new UpdateError(FumoResult.UpdateFailed, `cannot keep the previous image: ${r.stderr.trim()}`);
    }
    if (os.rename(next, this.target) < 0) throw new UpdateError(FumoResult.UpdateFailed, `rename ${next} failed`);
    await this.durability.syncDir(dirOf(this.target));
  }
  async commit(): Promise<void> {
    if (!exists(this.target + '.prev')) return;
    removeFile(this.target + '.prev');
    await this.durability.syncDir(dirOf(this.target));
  }
  async rollback(): Promise<void> {
    if (this.slot) await this.slot.abort();
    this.slot = null;
    removeFile(this.target + '.new');
    if (exists(this.target + '.prev') && os.rename(this.target + '.prev', this.target) < 0)
      throw new UpdateError(FumoResult.UpdateFailed, 'rollback rename failed');
    await this.durability.syncDir(dirOf(this.target));
  }
  async status(): Promise<FlashStatus> {
    return { pendingCommit: exists(this.target + '.prev') };
  }
}
