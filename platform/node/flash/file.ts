// Single-file flash writer (tests, demo, devices where "the firmware" is one file): writes `<target>.new`, reads it
// back, then activates with link(target → target.prev) + rename(new → target): the target path always names a
// complete image, and the previous one is kept until commit so rollback can restore it.

import { link, open, rename, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { FlashStatus, FlashWriter, ImageMeta, ResumePoint } from '../../../src/update/ports';
import { UpdateError } from '../../../src/update/errors';
import { FumoResult } from '../../../src/fumo/result-codes';
import { SlotWriter } from './slot-io';

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch (e) {
    return false;
  }
}

async function syncDir(p: string): Promise<void> {
  const d = await open(path.dirname(p), 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

export class FileWriter implements FlashWriter {
  readonly kind = 'file';
  readonly needsReboot = false;
  private slot: SlotWriter | null = null;

  constructor(private readonly target: string, private readonly onDurableWrite?: (what: string) => void) {}

  private get next() {
    return this.target + '.new';
  }
  private get prev() {
    return this.target + '.prev';
  }

  async begin(meta: ImageMeta, resume?: ResumePoint): Promise<number> {
    if (!resume) await rm(this.next, { force: true });
    this.slot = new SlotWriter(this.next, meta, this.onDurableWrite);
    await this.slot.open();
    if (resume && resume.offset > 0 && (await this.slot.resumeAt(resume.offset, resume.prefixSha256))) return resume.offset;
    return 0;
  }
  async sync(): Promise<void> {
    if (!this.slot) throw new UpdateError(FumoResult.UpdateFailed, 'sync before begin');
    await this.slot.sync();
    // `.new` was created by this write: its name is durable only once the directory is synced (fsync(2) NOTES), and
    // the checkpoint journaled next claims bytes of it (test/powercut-pagecache.test.ts, "resumed install").
    await syncDir(this.next);
  }
  async writeChunk(bytes: Uint8Array): Promise<void> {
    if (!this.slot) throw new UpdateError(FumoResult.UpdateFailed, 'writeChunk before begin');
    await this.slot.write(bytes);
  }
  async finish(): Promise<void> {
    if (!this.slot) throw new UpdateError(FumoResult.UpdateFailed, 'finish before begin');
    await this.slot.close();
    this.slot = null;
    // The verified image must survive a cut before activate(): without this directory sync its name may not (a cut
    // at the link below then found no `.new` and failed the update; test/powercut-pagecache.test.ts).
    await syncDir(this.next);
  }
  async activate(): Promise<void> {
    if (!(await exists(this.next))) {
      if (await exists(this.prev)) return; // already activated before a power cut
      throw new UpdateError(FumoResult.UpdateFailed, `nothing to activate: ${this.next} is missing`);
    }
    if (this.onDurableWrite) this.onDurableWrite('file-activate');
    await rm(this.prev, { force: true });
    if (await exists(this.target)) await link(this.target, this.prev);
    await rename(this.next, this.target);
    await syncDir(this.target);
  }
  async commit(): Promise<void> {
    if (!(await exists(this.prev))) return;
    if (this.onDurableWrite) this.onDurableWrite('file-commit');
    await rm(this.prev, { force: true });
    await syncDir(this.target);
  }
  async rollback(): Promise<void> {
    if (this.slot) await this.slot.abort();
    this.slot = null;
    if (this.onDurableWrite) this.onDurableWrite('file-rollback');
    await rm(this.next, { force: true });
    if (await exists(this.prev)) await rename(this.prev, this.target);
    await syncDir(this.target);
  }
  async status(): Promise<FlashStatus> {
    return { pendingCommit: await exists(this.prev) };
  }
}
