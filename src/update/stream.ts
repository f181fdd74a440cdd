// The one-pass install (docs/update-practice.md §10 steps 2-4): the package GET streams straight into the inactive
// slot — marked unbootable by begin() before its first byte — while the bytes are hashed, so there is no staging
// copy and no second read of it. Verification is complete before finish() returns and long before activation: the
// stream's hash and size against the claims (402), then the slot read back from the medium (402).
// Resume (docs/update-practice.md §11.6): every `sync` interval (bytes or time, whichever first) the slot is fsynced
// and then a checkpoint is journaled {offset, validator, hash of the prefix}; after a cut or reboot the writer
// re-reads the slot's prefix into a fresh hasher and, when it hashes to the checkpoint, the GET continues with
// `Range: bytes=<offset>-` and `If-Range: <validator>` (a changed object answers 200 and the write starts over).
// Writes are gathered into two reused buffers (one being written while the other fills): few, large writes and no
// allocation per chunk.

import { hex } from '../bytes.js';
import type { Clock } from '../ports/runtime.js';
import type { Downloader, FetchHead, ImageMeta, Sha256Hasher, StreamingWriter, SyncCadence } from '../ports/update.js';
import { TransferError, UpdateError } from './errors.js';
import { type AnswerHead, type TransferOptions, runTransfer } from './transfer-loop.js';
import { InstallNotify } from './install-notify.js';

/**
 * 32 MiB or 2 s, whichever first: a cut costs at most that much of a re-download, and a 256 MiB image takes eight
 * fsyncs and journal writes instead of the thirty-two of an 8 MiB cadence (download.syncEveryMiB/syncEverySeconds).
 */
export const DEFAULT_SYNC: SyncCadence = { bytes: 32 << 20, ms: 2000 };

/** The journaled resume point of a streamed install (FUMO JobRecord.stream). */
export interface StreamCheckpoint {
  url: string;
  validator?: string;
  total?: number;
  /** Bytes written into the target and fsynced before this checkpoint was journaled. */
  written: number;
  /** SHA-256 (hex) of those bytes. */
  prefixSha256: string;
}

export interface StreamOptions extends TransferOptions {
  writer: StreamingWriter;
  hasher: () => Sha256Hasher;
  /** What is known before the first byte: the claimed hash and version (ImageMeta); the size is the answer's. */
  meta: { sha256?: string; version?: string };
  /** Cap for an object of unknown size (no descriptor size, no Content-Length): package cap or slot size. */
  cap: number;
  sync: SyncCadence;
  /** Where an earlier run stopped (the journal's), if it streamed the same URL. */
  resume?: StreamCheckpoint;
  /** Journals a resume point (after the target was synced). */
  checkpoint(c: StreamCheckpoint): Promise<void>;
  /**
   * Decides on a 2xx head: 'image' streams it into the target; a number collects at most that many bytes in memory
   * instead (an OMA DL download descriptor, docs/protocol.md §7.1), the target untouched.
   */
  classify?(head: FetchHead): 'image' | number;
  /** Write-buffer size (default 256 KiB, two of them; tests use small ones). */
  bufferBytes?: number;
  onProgress?(received: number, total?: number): void;
}

export type StreamOutcome =
  | { kind: 'image'; size: number; sha256: string; contentType?: string }
  | { kind: 'collected'; body: Uint8Array; contentType?: string };

/** Two buffers: one is written while the other fills; at most one write in flight. */
class WriteGather {
  private bufs: [Uint8Array, Uint8Array];
  private cur = 0;
  private fill = 0;
  private inFlight: Promise<void> | null = null;
  constructor(private readonly writer: StreamingWriter, size: number) {
    this.bufs = [new Uint8Array(size), new Uint8Array(size)];
  }
  async push(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.length) {
      const buf = this.bufs[this.cur];
      const n = Math.min(bytes.length - off, buf.length - this.fill);
      buf.set(n === bytes.length ? bytes : bytes.subarray(off, off + n), this.fill);
      this.fill += n;
      off += n;
      if (this.fill === buf.length) await this.rotate();
    }
  }
  /** Starts writing the current buffer (after the previous write settled) and switches to the other one. */
  private async rotate(): Promise<void> {
    if (this.inFlight) await this.inFlight;
    this.inFlight = null;
    const full = this.bufs[this.cur].subarray(0, this.fill);
    this.cur = 1 - this.cur;
    this.fill = 0;
    // Handled when awaited (next rotate or flush): a rejection is not left unhandled meanwhile.
    const p = this.writer.writeChunk(full);
    p.catch(() => undefined);
    this.inFlight = p;
  }
  /** Everything pushed so far has been handed to the writer and the writes have settled. */
  async flush(): Promise<void> {
    if (this.fill > 0) await this.rotate();
    if (this.inFlight) await this.inFlight;
    this.inFlight = null;
  }
  /** Forget what is buffered (a restart from byte 0), after any write in flight settled. */
  async reset(): Promise<void> {
    if (this.inFlight) await this.inFlight.catch(() => undefined);
    this.inFlight = null;
    this.fill = 0;
  }
}

/** Streams `opts.url` into the writer's target; returns what was written (not yet activated) or a collected body. */
export async function streamToWriter(dl: Downloader, clock: Clock, opts: StreamOptions): Promise<StreamOutcome> {
  const w = opts.writer;
  // 2 × 256 KiB: writes large enough that their count does not matter (1,024 for 256 MiB), small enough for the
  // QuickJS agent's memory budget (under 8 MiB for a whole session, README "Measured").
  const gather = new WriteGather(w, opts.bufferBytes || 256 << 10);
  let hasher: Sha256Hasher = opts.hasher();
  /** Bytes the target holds from byte 0 (written or resumed), and the checkpoint they continue from. */
  let written = 0;
  let point: StreamCheckpoint | null = opts.resume && opts.resume.url === opts.url && opts.resume.validator !== undefined ? opts.resume : null;
  let opened = false;
  let validator: string | undefined;
  let total: number | undefined;
  let contentType: string | undefined;
  let collected: Uint8Array[] | null = null;
  let collectMax = 0;
  let collectedBytes = 0;
  let lastSyncAt = 0;
  let lastSyncTime = 0;

  const meta = (): ImageMeta => {
    const m: ImageMeta = { size: opts.expectedSize !== undefined ? opts.expectedSize : total !== undefined ? total : opts.cap };
    if (opts.meta.sha256 !== undefined) m.sha256 = opts.meta.sha256;
    if (opts.meta.version !== undefined) m.version = opts.meta.version;
    return m;
  };
  /** Opens the target from byte 0, or after the checkpoint when its prefix re-hashes right. */
  const open = async (resumeAt: StreamCheckpoint | null): Promise<void> => {
    await gather.reset();
    hasher = opts.hasher();
    let from = 0;
    if (resumeAt !== null && resumeAt.written > 0) {
      const r = await w.begin(meta(), { offset: resumeAt.written, prefixSha256: resumeAt.prefixSha256, hasher });
      from = typeof r === 'number' ? r : 0;
      if (from !== resumeAt.written) {
        from = 0;
        hasher = opts.hasher(); // the prefix did not match: what was fed in is not ours
      }
    } else {
      await w.begin(meta());
    }
    opened = true;
    written = from;
    lastSyncAt = from;
    lastSyncTime = clock.now();
    if (from === 0) point = null;
  };
  /** fsync the target, then journal the resume point: the checkpoint never claims bytes that are not durable. */
  const checkpoint = async (): Promise<void> => {
    await gather.flush();
    if (w.sync) await w.sync();
    lastSyncAt = written;
    lastSyncTime = clock.now();
    if (!w.sync || validator === undefined) return; // nothing a resume could vouch for
    point = { url: opts.url, validator, written, prefixSha256: hex(hasher.copy().digest()) };
    if (total !== undefined) point.total = total;
    await opts.checkpoint(point);
  };

  // An object announced larger than the target may take is refused before any request (501, install-notify 901).
  if (opts.expectedSize !== undefined && opts.expectedSize > opts.cap)
    throw new UpdateError('too-large', `the package is ${opts.expectedSize} bytes, more than the ${opts.cap} the update target may take`, InstallNotify.InsufficientMemory);
  try {
    return await runTransfer<StreamOutcome>(
      {
        async resumePoint() {
          // In this process after a failed attempt: the target holds every byte received (flushed below) and the
          // hasher their state, so the next GET continues right there.
          if (opened) return { offset: written, validator };
          // First attempt after a restart: the Range sent depends on whether the slot prefix is still ours.
          if (point !== null) await open(point);
          return point === null ? { offset: 0 } : { offset: point.written, validator: point.validator };
        },
        async attempt(request, checkHead) {
          let answer: AnswerHead | null = null;
          const fetching = dl.fetch(request, {
            onResponse: async (head) => {
              answer = await checkHead(head);
              if (answer === null) return;
              total = answer.total;
              validator = answer.validator;
              contentType = head.headers['content-type'];
              const how = head.status === 200 && opts.classify ? opts.classify(head) : 'image';
              if (how !== 'image') {
                collected = [];
                collectMax = how;
                collectedBytes = 0;
                return;
              }
              collected = null;
              // 206 continues the prefix the target holds; 200 is the whole object again: start the target over.
              if (head.status === 200 || !opened) await open(null);
            },
            onBody: async (bytes) => {
              if (collected !== null) {
                collectedBytes += bytes.length;
                if (collectedBytes > collectMax) throw new TransferError('too-large', `more than ${collectMax} bytes for a download descriptor`);
                collected.push(bytes.slice());
                return;
              }
              hasher.update(bytes);
              await gather.push(bytes);
              written += bytes.length;
              if (opts.onProgress) opts.onProgress(written, total);
              const due = written - lastSyncAt >= opts.sync.bytes || clock.now() - lastSyncTime >= opts.sync.ms;
              if (due && (total === undefined || written < total)) await checkpoint();
            },
          });
          let res;
          try {
            res = await fetching;
          } finally {
            // Every byte received is handed to the writer, also when the transfer broke: a retry continues after it.
            if (collected === null && opened) await gather.flush();
          }
          return { head: res, size: collected !== null ? collectedBytes : written };
        },
        async complete(size) {
          if (collected !== null) {
            const body = new Uint8Array(size);
            let at = 0;
            for (const c of collected as Uint8Array[]) {
              body.set(c, at);
              at += c.length;
            }
            return { kind: 'collected', body, contentType };
          }
          const out: StreamOutcome = { kind: 'image', size, sha256: hex(hasher.digest()) };
          if (contentType !== undefined) out.contentType = contentType;
          return out;
        },
        async restart() {
          point = null;
          opened = false;
          written = 0;
        },
        async discard() {
          // Too large or no space: the target is marked bad (begin) and is never activated; the caller rolls back.
          point = null;
        },
      },
      opts,
      opts.expectedSize !== undefined ? opts.expectedSize : opts.cap,
    );
  } catch (e) {
    await gather.reset();
    throw e;
  }
}

/** The size check of a streamed image (the claims' size against what arrived), before finish(). */
export function checkStreamedSize(size: number, want: number | undefined): void {
  if (want !== undefined && want !== size) throw new UpdateError('corrupt', `package is ${size} bytes, expected ${want}`);
}
