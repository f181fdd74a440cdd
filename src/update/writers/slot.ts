// Writing one image into a slot (block device or plain file) over the writer ports: sequential writes at known
// offsets through one open file, fsync at every checkpoint, a stale plain-file tail cut off, then the whole slot read
// back from the medium and hashed (docs/update-practice.md §10 step 4: never trust a write you did not read back; a
// read served from the page cache would prove nothing about the medium). Shared by uboot-ab.ts and file.ts.

import { hex } from '../../bytes.js';
import { UpdateError } from '../errors.js';
import type { ImageMeta, ResumePoint, Sha256Hasher, WrittenImage } from '../../ports/update.js';
import type { WriterFile, WriterFs } from '../../ports/writers.js';

/** Bytes read per call when the slot prefix is re-hashed on resume (one buffer, reused). */
const PREFIX_READ = 1 << 20;

/**
 * The read-back (docs/update-practice.md §10 step 4): `path` hashes to `image` as the medium holds it. A mismatch is a
 * corrupted package as far as the server is concerned (FUMO 402, OMA-TS-DM_FUMO-V1_0 result codes): the bytes that
 * would boot are not the verified ones, and the target stays unbootable.
 */
export async function readBack(fs: WriterFs, path: string, image: WrittenImage): Promise<void> {
  const got = hex(await fs.sha256(path, 0, image.size, { fromMedium: true }));
  if (got !== image.sha256) throw new UpdateError('corrupt', `read-back of ${path} hashes to ${got}, expected ${image.sha256}`);
}

/** True when `path` holds `image` (read from the medium); false when it is shorter, unreadable or different. */
export async function holdsImage(fs: WriterFs, path: string, image: WrittenImage): Promise<boolean> {
  try {
    return hex(await fs.sha256(path, 0, image.size, { fromMedium: true })) === image.sha256;
  } catch (e) {
    return false;
  }
}

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

  /**
   * Continue after `offset` bytes if the slot's prefix hashes to `prefixSha256` (hex); false = start from 0. With a
   * hasher the prefix is read through the open file into it (the streamed install goes on hashing from there).
   */
  async resumeAt(offset: number, prefixSha256: string, hasher?: Sha256Hasher): Promise<boolean> {
    const f = this.file('resume');
    let got = '';
    try {
      if (hasher) {
        const buf = new Uint8Array(Math.min(PREFIX_READ, offset));
        for (let at = 0; at < offset; ) {
          const n = await f.pread(buf.length <= offset - at ? buf : buf.subarray(0, offset - at), at);
          if (n === 0) return false; // shorter than the checkpoint: start over
          hasher.update(n === buf.length ? buf : buf.subarray(0, n));
          at += n;
        }
        got = hex(hasher.copy().digest());
      } else {
        got = hex(await this.fs.sha256(this.target, 0, offset));
      }
    } catch (e) {
      return false; // shorter than the checkpoint, or unreadable: start over
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

  /**
   * fsync, drop a stale tail of a plain file, read back from the medium and compare the hash with `image` (the
   * stream's), else with the announced one (UpdateError 402 on mismatch).
   */
  async close(image?: WrittenImage): Promise<void> {
    const f = this.file('finish');
    this.f = null;
    const want: WrittenImage | null = image ? image : this.meta.sha256 !== undefined ? { size: this.meta.size, sha256: this.meta.sha256 } : null;
    try {
      if (want === null) throw new UpdateError('install-failed', `no SHA-256 to check slot ${this.target} against`);
      if (this.pos !== want.size) throw new UpdateError('install-failed', `slot got ${this.pos} bytes, image is ${want.size}`);
      const st = await f.stat();
      if (st.regular && st.size > want.size) await f.truncate(want.size);
      // The read-back below must see what the medium holds, and activation follows it: the image is made durable here.
      await f.sync();
    } finally {
      await f.close();
    }
    await readBack(this.fs, this.target, want);
  }

  async abort(): Promise<void> {
    const f = this.f;
    this.f = null;
    if (f) await f.close().catch(() => undefined);
  }
}

/**
 * The one slot write a writer has open between begin() and finish() (uboot-ab.ts, file.ts): begin again starts over,
 * a resume continues after a prefix that re-hashes right, abort closes without finishing.
 */
export class OpenSlot {
  private slot: SlotSink | null = null;

  /** Opens `target` for `meta` (closing a write begun before); returns the offset writing continues from. */
  async start(fs: WriterFs, target: string, meta: ImageMeta, resume?: ResumePoint): Promise<number> {
    await this.abort(); // begin again = start over (a 200 answer to a resumed GET)
    const s = new SlotSink(fs, target, meta);
    await s.open();
    this.slot = s;
    if (resume && resume.offset > 0 && resume.offset <= meta.size && (await s.resumeAt(resume.offset, resume.prefixSha256, resume.hasher)))
      return resume.offset;
    return 0;
  }

  private sink(): SlotSink {
    if (!this.slot) throw new UpdateError('install-failed', 'slot write before begin()');
    return this.slot;
  }

  write(bytes: Uint8Array): Promise<void> {
    return this.sink().write(bytes);
  }

  sync(): Promise<void> {
    return this.sink().sync();
  }

  /** fsync, read back from the medium and compare (SlotSink.close); the write is over either way. */
  async finish(image?: WrittenImage): Promise<void> {
    const s = this.sink();
    this.slot = null;
    await s.close(image);
  }

  async abort(): Promise<void> {
    const s = this.slot;
    this.slot = null;
    if (s) await s.abort();
  }
}
