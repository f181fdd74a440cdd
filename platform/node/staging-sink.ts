// The staged file a package GET writes into (Downloader.fetchToFile, src/ports/update.ts): socket chunks gathered in
// one reused buffer and written a buffer at a time, every written byte handed to onBody (the hash while staging, so
// the staged file is never read again to hash it), and fsync on a cadence of bytes OR time, whichever comes first
// (SyncCadence; docs/update-practice.md §10 step 3), so a power cut loses at most one cadence of a slow or fast link.

import { open, type FileHandle } from 'node:fs/promises';
import type { SyncCadence } from '../../src/ports/update.js';
import { TransferError } from '../../src/update/errors.js';
import { syncDirOf } from './atomic-file.js';

/** fsync cadence when the request names none: a fast link syncs every 32 MiB, a slow one every 2 s. */
export const DEFAULT_SYNC: SyncCadence = { bytes: 32 << 20, ms: 2000 };

/** Where the body of a 200/206 answer goes: a staged file (fetchToFile) or the caller's onBody (fetch). */
export interface BodySink {
  /** Before the first chunk of a 200/206; `start` is where the body begins in the object. */
  open(status: number, start: number): Promise<void>;
  /** One socket chunk, in order; the transfer reads no further until it settles. */
  write(chunk: Buffer): Promise<void>;
  /** The whole body arrived: make it durable. */
  end(): Promise<void>;
  /** The transfer failed with `failure`: keep what is good for a resume. */
  fail(failure: Error): Promise<void>;
  close(): Promise<void>;
}

export interface StagingSinkOptions {
  onBody?(bytes: Uint8Array): void;
  /** Called before every durable write (buffer write, fsync); the power-cut harness throws from it. */
  onDurableWrite?(what: string): void;
  bufferBytes: number;
  sync: SyncCadence;
  /** Maps a file-system error to the TransferError the caller sees (ENOSPC → no-space, ...). */
  mapError(e: unknown): Error;
}

export class StagingSink implements BodySink {
  private fh: FileHandle | undefined;
  private readonly buf: Buffer;
  private fill = 0;
  /** Object offset just after the last byte handed to write(). */
  private pos = 0;
  private sinceSync = 0;
  private lastSync = 0;
  /** Something (a created or truncated file, a byte) is not durable yet. */
  private dirty = false;

  constructor(
    private readonly file: string,
    private readonly o: StagingSinkOptions,
  ) {
    // One buffer for the whole transfer: memory stays flat and nothing is allocated per chunk.
    this.buf = Buffer.allocUnsafe(o.bufferBytes);
  }

  async open(status: number, start: number): Promise<void> {
    try {
      this.fh = await open(this.file, status === 206 ? 'r+' : 'w', 0o600); // staged firmware: the agent's alone
      if (status === 206) await this.fh.truncate(start);
      // The file may have been created just now: until its directory is synced its name is not durable, and a power
      // cut would lose every byte the fsyncs below made durable (fsync(2) NOTES; test/powercut-pagecache.test.ts,
      // "fsynced download bytes survive").
      else await syncDirOf(this.file);
    } catch (e) {
      throw this.o.mapError(e);
    }
    this.pos = start;
    this.lastSync = Date.now();
    this.dirty = true;
  }

  async write(chunk: Buffer): Promise<void> {
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(chunk.length - off, this.buf.length - this.fill);
      chunk.copy(this.buf, this.fill, off, off + n);
      this.fill += n;
      off += n;
      this.pos += n;
      if (this.fill === this.buf.length) await this.flush();
    }
    this.sinceSync += chunk.length;
    this.dirty = true;
    // Bytes OR time: a slow link that never fills the byte budget is still synced every `ms` (as long as bytes come).
    if (this.sinceSync >= this.o.sync.bytes || Date.now() - this.lastSync >= this.o.sync.ms) await this.sync();
  }

  async end(): Promise<void> {
    // The last chunk may have been synced by the cadence already: no second fsync for nothing new.
    if (this.dirty) await this.sync();
  }

  async fail(failure: Error): Promise<void> {
    // Bytes received before a transport failure are good: keep them for the resume. Not after 'too-large' (the object
    // is refused) nor after a foreign error (a bug, or the power-cut harness: nothing more may be written).
    if (failure instanceof TransferError && failure.kind !== 'too-large') await this.flush();
  }

  async close(): Promise<void> {
    if (this.fh) await this.fh.close();
    this.fh = undefined;
  }

  /** Object offset after the last byte received (the file size once flushed). */
  get size(): number {
    return this.pos;
  }

  private async flush(): Promise<void> {
    if (this.fill === 0 || !this.fh) return;
    if (this.o.onDurableWrite) this.o.onDurableWrite('download-chunk');
    const at = this.pos - this.fill;
    try {
      let done = 0;
      while (done < this.fill) done += (await this.fh.write(this.buf, done, this.fill - done, at + done)).bytesWritten;
    } catch (e) {
      throw this.o.mapError(e);
    }
    // After the write: onBody sees exactly the bytes the file holds, in order (a failed write is retried, never
    // hashed twice).
    if (this.o.onBody) this.o.onBody(this.fill === this.buf.length ? this.buf : this.buf.subarray(0, this.fill));
    this.fill = 0;
  }

  private async sync(): Promise<void> {
    await this.flush();
    if (!this.fh) return;
    if (this.o.onDurableWrite) this.o.onDurableWrite('download-fsync');
    try {
      await this.fh.sync();
    } catch (e) {
      throw this.o.mapError(e);
    }
    this.sinceSync = 0;
    this.lastSync = Date.now();
    this.dirty = false;
  }
}
