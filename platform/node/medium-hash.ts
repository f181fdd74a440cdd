// SHA-256 of a file range as the medium holds it (WriterFs.sha256 with fromMedium, src/ports/writers.ts): the
// read-back that proves what an update wrote (docs/update-practice.md §10 step 4). Node has no posix_fadvise, so the
// page cache is bypassed with O_DIRECT reads (open(2) NOTES: the kernel writes back dirty pages of the range, then
// reads from the device). O_DIRECT needs the buffer address, the file offset and the length aligned to the logical
// block size (512 or 4096); positions and lengths here are multiples of 4096, which suits both.

import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { sha256File } from './hash.js';

/** Alignment of every direct read's position and length: a multiple of any logical block size. */
const BLOCK = 4096;
const DIRECT_CHUNK = 1 << 20;

/**
 * Finds a view of `raw` whose address suits O_DIRECT. JS cannot see the address, so reads of one block at `at` are
 * tried from view offsets 0, 8, 16, …: the kernel refuses a misaligned buffer with EINVAL. (Probing only 0, 512, …
 * would not do: a large malloc'd buffer sits 16 bytes past a page boundary, so no multiple of 512 is aligned.)
 * Null when no offset is accepted (a file system that opens with O_DIRECT but refuses direct reads).
 */
async function alignedView(fh: FileHandle, raw: Buffer, at: number): Promise<Buffer | null> {
  for (let k = 0; k < BLOCK; k += 8) {
    const view = raw.subarray(k, k + DIRECT_CHUNK);
    try {
      await fh.read(view, 0, BLOCK, at);
      return view;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
    }
  }
  return null;
}

/** SHA-256 of `length` bytes of `file` from `offset`, read from the device; rejects when the file is shorter. */
export async function sha256FromMedium(file: string, offset: number, length: number, onProgress?: (done: number) => void): Promise<Uint8Array> {
  let fh: FileHandle;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_DIRECT);
  } catch (e) {
    // A file system without a medium refuses O_DIRECT at open (tmpfs before Linux 6.6: EINVAL): its pages are all
    // there is, so a normal read is the read-back (src/ports/writers.ts WriterFs.sha256).
    if ((e as NodeJS.ErrnoException).code === 'EINVAL') return sha256File(file, offset, length);
    throw e;
  }
  try {
    const end = offset + length;
    const start = offset - (offset % BLOCK);
    if (length === 0) return new Uint8Array(createHash('sha256').digest());
    // Two buffers: the next direct read is in flight while the last one is hashed (a direct read has no readahead:
    // one at a time leaves the device idle while we hash).
    const views: Buffer[] = [];
    for (let i = 0; i < 2; i++) {
      const v = await alignedView(fh, Buffer.allocUnsafeSlow(DIRECT_CHUNK + BLOCK), start);
      if (!v) return await sha256File(file, offset, length);
      views.push(v);
    }
    const h = createHash('sha256');
    let next = start;
    const issue = (view: Buffer) => {
      const at = next;
      const want = Math.min(DIRECT_CHUNK, Math.ceil((end - at) / BLOCK) * BLOCK);
      next += want;
      return fh.read(view, 0, want, at).then((r) => ({ at, want, got: r.bytesRead, view }));
    };
    let pending = issue(views[0]);
    for (let i = 0; ; i = 1 - i) {
      const r = await pending;
      const more = r.got === r.want && next < end;
      if (more) pending = issue(views[1 - i]);
      const from = Math.max(offset, r.at) - r.at;
      const to = Math.min(end, r.at + r.got) - r.at;
      // Only the asked-for range is hashed; a whole aligned chunk goes in without a view.
      if (to > from) h.update(from === 0 && to === r.view.length ? r.view : r.view.subarray(from, to));
      // Bytes of the range hashed so far, for the read-back's progress (WriterFs.sha256 in src/ports/writers.ts).
      if (onProgress && to > from) onProgress(r.at + to - offset);
      if (!more) {
        // A read short of what was asked ended at the end of the file.
        if (r.at + r.got < end) throw new Error(`${file} ended at ${r.at + r.got}, expected ${end} bytes`);
        break;
      }
    }
    return new Uint8Array(h.digest());
  } finally {
    await fh.close();
  }
}
