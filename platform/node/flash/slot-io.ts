// Writing one image into a slot (block device or plain file): sequential chunk writes at known offsets, fsync, then a
// full read-back hash (docs/update-practice.md §10 step 4, RAUC #459: never trust a write you did not read back).

import { open, FileHandle } from 'node:fs/promises';
import { hex } from '../../../src/bytes';
import { UpdateError } from '../../../src/update/errors';
import { FumoResult } from '../../../src/fumo/result-codes';
import type { ImageMeta } from '../../../src/update/ports';
import { sha256File } from '../hash';

export class SlotWriter {
  private fh: FileHandle | null = null;
  private pos = 0;
  constructor(
    private readonly target: string,
    private readonly meta: ImageMeta,
    private readonly onDurableWrite?: (what: string) => void,
  ) {}

  async open(): Promise<void> {
    try {
      // r+ keeps a block device usable (it cannot be created or truncated); a plain file is created when missing.
      this.fh = await open(this.target, 'r+').catch(async (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return open(this.target, 'w+');
        throw e;
      });
    } catch (e) {
      throw new UpdateError(FumoResult.UpdateFailed, `cannot open slot ${this.target}: ${(e as Error).message}`);
    }
    this.pos = 0;
  }

  async resumeAt(offset: number, prefixSha256: string): Promise<boolean> {
    if (!this.fh) throw new UpdateError(FumoResult.UpdateFailed, 'resume before begin()');
    let got = '';
    try {
      got = hex(await sha256File(this.target, 0, offset));
    } catch (e) {
      return false; // shorter than the checkpoint: start over
    }
    if (got !== prefixSha256) return false;
    this.pos = offset;
    return true;
  }

  async sync(): Promise<void> {
    if (!this.fh) throw new UpdateError(FumoResult.UpdateFailed, 'sync before begin()');
    if (this.onDurableWrite) this.onDurableWrite('slot-fsync');
    await this.fh.sync();
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!this.fh) throw new UpdateError(FumoResult.UpdateFailed, 'slot write before begin()');
    if (this.pos + bytes.length > this.meta.size)
      throw new UpdateError(FumoResult.UpdateFailed, `more bytes than the announced image size ${this.meta.size}`);
    if (this.onDurableWrite) this.onDurableWrite('slot-write');
    try {
      await this.fh.write(bytes, 0, bytes.length, this.pos);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UpdateError(code === 'ENOSPC' ? FumoResult.UpdateOutOfMemory : FumoResult.UpdateFailed, `slot write failed: ${(e as Error).message}`);
    }
    this.pos += bytes.length;
  }

  /** fsync, drop a stale tail of a plain file, read back and compare the hash. */
  async close(): Promise<void> {
    if (!this.fh) throw new UpdateError(FumoResult.UpdateFailed, 'slot finish before begin()');
    const fh = this.fh;
    this.fh = null;
    try {
      if (this.pos !== this.meta.size)
        throw new UpdateError(FumoResult.UpdateFailed, `slot got ${this.pos} bytes, image is ${this.meta.size}`);
      const st = await fh.stat();
      if (st.isFile() && st.size > this.meta.size) await fh.truncate(this.meta.size);
      if (this.onDurableWrite) this.onDurableWrite('slot-fsync');
      await fh.sync();
    } finally {
      await fh.close();
    }
    const got = hex(await sha256File(this.target, 0, this.meta.size));
    if (got !== this.meta.sha256)
      throw new UpdateError(FumoResult.UpdateFailed, `read-back of ${this.target} hashes to ${got}, expected ${this.meta.sha256}`);
  }

  async abort(): Promise<void> {
    if (this.fh) await this.fh.close().catch(() => undefined);
    this.fh = null;
  }
}
