// Single-file flash writer (tests, demo, devices where "the firmware" is one file), over the writer ports: writes
// `<target>.new`, reads it back, then activates with link(target → target.prev) + rename(new → target), so the target
// path always names a complete image, and the previous one is kept until commit so rollback can restore it.

import { UpdateError } from '../errors.js';
import type { FlashStatus, ImageMeta, ResumePoint, StreamingWriter, WrittenImage } from '../../ports/update.js';
import type { WriterFs } from '../../ports/writers.js';
import { OpenSlot, holdsImage } from './slot.js';

export class FileWriter implements StreamingWriter {
  readonly kind = 'file';
  readonly needsReboot = false;
  private readonly slot = new OpenSlot();
  private readonly next: string;
  private readonly prev: string;
  private readonly dir: string;

  constructor(private readonly fs: WriterFs, private readonly target: string) {
    this.next = target + '.new';
    this.prev = target + '.prev';
    this.dir = target.substring(0, target.lastIndexOf('/')) || '/'; // paths are absolute (writer-ports.ts)
  }

  /** The write grows `<target>.new`: its file system's free space bounds a streamed package. */
  get targetFile(): string {
    return this.next;
  }

  async begin(meta: ImageMeta, resume?: ResumePoint): Promise<number> {
    await this.slot.abort();
    if (!resume) await this.fs.remove(this.next);
    return this.slot.start(this.fs, this.next, meta, resume);
  }
  /** A failed job's partial `.new` is removed: it is never activated, and a new job starts it afresh anyway. */
  async abandon(): Promise<void> {
    await this.slot.abort();
    await this.fs.remove(this.next);
  }
  /** `.new` (written, not activated) still holds `image`. */
  async holds(image: WrittenImage): Promise<boolean> {
    return holdsImage(this.fs, this.next, image);
  }
  async sync(): Promise<void> {
    await this.slot.sync();
    // `.new` was created by this write: its name is durable only once the directory is synced (fsync(2) NOTES), and
    // the checkpoint journaled next claims bytes of it (test/powercut-pagecache.test.ts, "resumed install").
    await this.fs.syncDir(this.dir);
  }
  async writeChunk(bytes: Uint8Array): Promise<void> {
    await this.slot.write(bytes);
  }
  async finish(image?: WrittenImage): Promise<void> {
    await this.slot.finish(image);
    // The verified image must survive a cut before activate(): without this directory sync its name may not (a cut
    // at the link below then found no `.new` and failed the update; test/powercut-pagecache.test.ts).
    await this.fs.syncDir(this.dir);
  }
  async activate(): Promise<void> {
    if (!(await this.fs.exists(this.next))) {
      if (await this.fs.exists(this.prev)) return; // already activated before a power cut
      throw new UpdateError('install-failed', `nothing to activate: ${this.next} is missing`);
    }
    await this.fs.remove(this.prev);
    if (await this.fs.exists(this.target)) await this.fs.link(this.target, this.prev);
    await this.fs.rename(this.next, this.target);
    // The switch is the activation: durable before the engine journals it (a cut after would otherwise find the old
    // image under the target name and `.new` gone).
    await this.fs.syncDir(this.dir);
  }
  async commit(): Promise<void> {
    if (!(await this.fs.exists(this.prev))) return;
    await this.fs.remove(this.prev);
    // The backup is gone for good only once its removal is durable; until then a rollback could still restore it.
    await this.fs.syncDir(this.dir);
  }
  async rollback(): Promise<void> {
    await this.slot.abort();
    await this.fs.remove(this.next);
    if (await this.fs.exists(this.prev)) await this.fs.rename(this.prev, this.target);
    // The old image is back under the target name only once the rename is durable (the report says 410 next).
    await this.fs.syncDir(this.dir);
  }
  async status(): Promise<FlashStatus> {
    return { pendingCommit: await this.fs.exists(this.prev) };
  }
}
