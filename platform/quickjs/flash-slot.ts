// One slot (block device or plain file) written from QuickJS: sequential writes at known offsets, fsync (dmnative, or
// the `sync FILE` command on a stock qjs), a stale plain-file tail cut off, then the whole image read back and hashed
// (docs/update-practice.md §10 step 4). Shared by flash-uboot-ab.ts and flash-file.ts.

import * as os from 'os';
import { hex } from '../../src/bytes.js';
import { UpdateError } from '../../src/update/errors.js';
import { FumoResult } from '../../src/fumo/result-codes.js';
import type { ImageMeta } from '../../src/update/ports.js';
import type { SlotSink } from '../common/uboot-ab.js';
import type { Sha256Provider } from './hash.js';
import type { Durability } from './storage.js';
import { exec } from './files.js';

const ENOENT = 2;
const ENOSPC = 28;

export class QjsSlotWriter implements SlotSink {
  private fd = -1;
  private pos = 0;
  constructor(
    private readonly target: string,
    private readonly meta: ImageMeta,
    private readonly hash: Sha256Provider,
    private readonly durability: Durability,
  ) {}

  open(): void {
    let fd = os.open(this.target, os.O_RDWR);
    if (fd === -ENOENT) fd = os.open(this.target, os.O_RDWR | os.O_CREAT, 0o644);
    if (fd < 0) throw new UpdateError(FumoResult.UpdateFailed, `cannot open slot ${this.target}: errno ${-fd}`);
    this.fd = fd;
    this.pos = 0;
  }

  async resumeAt(offset: number, prefixSha256: string): Promise<boolean> {
    if (this.fd < 0) throw new UpdateError(FumoResult.UpdateFailed, 'resume before begin()');
    let got = '';
    try {
      got = hex(this.hash.file(this.target, 0, offset));
    } catch (e) {
      return false;
    }
    if (got !== prefixSha256) return false;
    this.pos = offset;
    return true;
  }

  async sync(): Promise<void> {
    if (this.fd < 0) throw new UpdateError(FumoResult.UpdateFailed, 'sync before begin()');
    await this.durability.syncFd(this.fd, this.target);
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.fd < 0) throw new UpdateError(FumoResult.UpdateFailed, 'slot write before begin()');
    if (this.pos + bytes.length > this.meta.size)
      throw new UpdateError(FumoResult.UpdateFailed, `more bytes than the announced image size ${this.meta.size}`);
    if (os.seek(this.fd, this.pos, 0 /* SEEK_SET */) < 0) throw new UpdateError(FumoResult.UpdateFailed, `seek in ${this.target} failed`);
    let off = 0;
    while (off < bytes.length) {
      const n = os.write(this.fd, bytes.buffer as ArrayBuffer, bytes.byteOffset + off, bytes.length - off);
      if (n < 0)
        throw new UpdateError(n === -ENOSPC ? FumoResult.UpdateOutOfMemory : FumoResult.UpdateFailed, `slot write to ${this.target} failed: errno ${-n}`);
      off += n;
    }
    this.pos += bytes.length;
  }

  async close(): Promise<void> {
    if (this.fd < 0) throw new UpdateError(FumoResult.UpdateFailed, 'slot finish before begin()');
    const fd = this.fd;
    this.fd = -1;
    try {
      if (this.pos !== this.meta.size) throw new UpdateError(FumoResult.UpdateFailed, `slot got ${this.pos} bytes, image is ${this.meta.size}`);
      const [st, err] = os.stat(this.target);
      if (err === 0 && (st.mode & os.S_IFMT) === os.S_IFREG && st.size > this.meta.size) {
        const r = await exec(['truncate', '-s', String(this.meta.size), this.target]);
        if (r.code !== 0) throw new UpdateError(FumoResult.UpdateFailed, `truncate ${this.target} failed`);
      }
      await this.durability.syncFd(fd, this.target);
    } finally {
      os.close(fd);
    }
    const got = hex(this.hash.file(this.target, 0, this.meta.size));
    if (got !== this.meta.sha256)
      throw new UpdateError(FumoResult.UpdateFailed, `read-back of ${this.target} hashes to ${got}, expected ${this.meta.sha256}`);
  }

  async abort(): Promise<void> {
    if (this.fd >= 0) os.close(this.fd);
    this.fd = -1;
  }
}
