// Writing one image into a slot (block device or plain file) over the writer ports: sequential writes at known
// offsets, fsync at every checkpoint, a stale plain-file tail cut off, then the whole slot read back and hashed
// (docs/update-practice.md §10 step 4: never trust a write you did not read back). Shared by uboot-ab.ts and file.ts.

import { hex } from '../../bytes.js';
import { UpdateError } from '../errors.js';
import type { ImageMeta } from '../../ports/update.js';
import type { WriterFile, WriterFs } from '../../ports/writers.js';

export class SlotSink {
  private f: WriterFile | null = null;
  private pos = 0;
  constructor(
    private readonly fs: WriterFs,
    private readonly target: string,
    private readonly meta: ImageMeta,
  ) {}

  async open(): Promise<void> {
    try {
      this.f = await this.fs.open(this.target);
    } catch (e) {
      throw new UpdateError('install-failed', `cannot open slot ${this.target}: ${(e as Error).message}`);
    }
    this.pos = 0;
  }

  private file(what: string): WriterFile {
    if (!this.f) throw new UpdateError('install-failed', `slot ${what} before begin()`);
    return this.f;
  }

  /** Continue after `offset` bytes if the slot's prefix hashes to `prefixSha256` (hex); false = start from 0. */
  async resumeAt(offset: number, prefixSha256: string): Promise<boolean> {
    this.file('resume');
    let got = '';
    try {
      got = hex(await this.fs.sha256(this.target, 0, offset));
    } catch (e) {
      return false; // shorter than the checkpoint: start over
    }
    if (got !== prefixSha256) return false;
    this.pos = offset;
    return true;
  }

  /** fsync what was written so far (an install checkpoint is journaled only after it). */
  async sync(): Promise<void> {
    const f = this.file('sync');
    await f.sync();
  }

  async write(bytes: Uint8Array): Promise<void> {
    const f = this.file('write');
    if (this.pos + bytes.length > this.meta.size)
      throw new UpdateError('install-failed', `more bytes than the announced image size ${this.meta.size}`);
    try {
      await f.pwrite(bytes, this.pos);
    } catch (e) {
      const full = (e as { code?: unknown }).code === 'ENOSPC';
      throw new UpdateError(full ? 'install-no-space' : 'install-failed', `slot write to ${this.target} failed: ${(e as Error).message}`);
    }
    this.pos += bytes.length;
  }

  /** fsync, drop a stale tail of a plain file, read back and compare the hash (UpdateError 410 on mismatch). */
  async close(): Promise<void> {
    const f = this.file('finish');
    this.f = null;
    try {
      if (this.pos !== this.meta.size) throw new UpdateError('install-failed', `slot got ${this.pos} bytes, image is ${this.meta.size}`);
      const st = await f.stat();
      if (st.regular && st.size > this.meta.size) await f.truncate(this.meta.size);
      // The read-back below must see what the medium holds, and activation follows it: the image is made durable here.
      await f.sync();
    } finally {
      await f.close();
    }
    const got = hex(await this.fs.sha256(this.target, 0, this.meta.size));
    if (got !== this.meta.sha256)
      throw new UpdateError('install-failed', `read-back of ${this.target} hashes to ${got}, expected ${this.meta.sha256}`);
  }

  async abort(): Promise<void> {
    const f = this.f;
    this.f = null;
    if (f) await f.close().catch(() => undefined);
  }
}
