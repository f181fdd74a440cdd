// In-memory update ports for unit tests of the core pipeline (src/update/stream.ts, src/fumo/steps.ts): a Downloader
// serving byte objects with Range/If-Range (and a transfer that breaks after N body bytes), a WriterFs whose files
// live in a Map (fsync counted, a read "from the medium" that can be made to differ), and a node:crypto hasher.
import { createHash } from 'node:crypto';
import type { Downloader, FetchHead, FetchRequest, FetchStreamResult, Sha256Hasher, StreamHooks } from '../../src/ports/update.js';
import type { WriterFile, WriterFs } from '../../src/ports/writers.js';
import { TransferError } from '../../src/update/errors.js';

export function nodeHasher(): Sha256Hasher {
  const wrap = (h: ReturnType<typeof createHash>): Sha256Hasher => ({
    update: (b) => void h.update(b),
    digest: () => new Uint8Array(h.digest()),
    copy: () => wrap(h.copy()),
  });
  return wrap(createHash('sha256'));
}

export interface MemObject {
  body: Uint8Array;
  etag?: string;
  contentType?: string;
  status?: number;
  /** Break the transfer after this many body bytes of the next GET (then cleared). */
  breakAfter?: number;
  /** Ignore Range (always 200). */
  noRanges?: boolean;
  /** Body chunk size handed to onBody. */
  chunk?: number;
}

export class MemoryDownloader implements Partial<Downloader> {
  readonly objects = new Map<string, MemObject>();
  readonly log: { url: string; range?: string; ifRange?: string; status: number }[] = [];

  async fetch(r: FetchRequest, hooks: StreamHooks): Promise<FetchStreamResult> {
    const o = this.objects.get(r.url);
    if (!o) {
      const head = { status: 404, headers: {} };
      this.log.push({ url: r.url, status: 404 });
      await hooks.onResponse(head);
      return Object.assign({ received: 0 }, head);
    }
    const ranged = r.offset > 0 && !o.noRanges && (r.ifRange === undefined || r.ifRange === o.etag);
    const from = ranged ? r.offset : 0;
    const status = o.status || (ranged ? 206 : 200);
    const headers: Record<string, string> = {};
    if (o.etag) headers['etag'] = o.etag;
    if (o.contentType) headers['content-type'] = o.contentType;
    headers['content-length'] = String(o.body.length - from);
    if (status === 206) headers['content-range'] = `bytes ${from}-${o.body.length - 1}/${o.body.length}`;
    const entry: { url: string; range?: string; ifRange?: string; status: number } = { url: r.url, status };
    if (r.offset > 0) entry.range = `bytes=${r.offset}-`;
    if (r.ifRange !== undefined) entry.ifRange = r.ifRange;
    this.log.push(entry);
    const head: FetchHead = { status, headers };
    await hooks.onResponse(head);
    if (status !== 200 && status !== 206) return Object.assign({ received: 0 }, head);
    const chunk = o.chunk || 4096;
    const brk = o.breakAfter;
    o.breakAfter = undefined;
    let sent = 0;
    const buf = new Uint8Array(chunk); // reused: the core must copy what it keeps
    for (let at = from; at < o.body.length; ) {
      const n = Math.min(chunk, o.body.length - at);
      if (brk !== undefined && sent + n > brk) throw new TransferError('network', `connection dropped after ${sent} bytes`);
      if (r.maxFileSize !== undefined && at + n > r.maxFileSize) throw new TransferError('too-large', 'past the cap');
      buf.set(o.body.subarray(at, at + n));
      await hooks.onBody(buf.subarray(0, n));
      at += n;
      sent += n;
    }
    return Object.assign({ received: sent }, head);
  }
}

/** Files in a Map. `syncs` counts fsyncs per path; `corruptOnMedium` makes a read from the medium differ. */
export class MemoryWriterFs implements WriterFs {
  readonly files = new Map<string, Uint8Array>();
  readonly syncs = new Map<string, number>();
  readonly writes: { path: string; offset: number; length: number }[] = [];
  readonly mediumReads: string[] = [];
  corruptOnMedium = new Set<string>();
  /** Throws from the n-th pwrite from now (a power cut in a test), then never again; `onCut` runs first. */
  failWriteAt: number | null = null;
  onCut: () => void = () => undefined;
  /** After a cut: every mutating call throws until the test sets it back (no cleanup write sneaks through). */
  dead = false;
  private alive(): void {
    if (this.dead) throw new Error('power is off');
  }

  async open(path: string): Promise<WriterFile> {
    if (!this.files.has(path)) this.files.set(path, new Uint8Array(0));
    const fs = this;
    return {
      async pwrite(bytes, offset) {
        fs.alive();
        if (fs.failWriteAt !== null && fs.failWriteAt-- <= 0) {
          fs.failWriteAt = null;
          fs.dead = true;
          fs.onCut();
          throw new Error('power cut');
        }
        let f = fs.files.get(path)!;
        if (f.length < offset + bytes.length) {
          const g = new Uint8Array(offset + bytes.length);
          g.set(f);
          f = g;
        }
        f.set(bytes, offset);
        fs.files.set(path, f);
        fs.writes.push({ path, offset, length: bytes.length });
      },
      async pread(into, offset) {
        const f = fs.files.get(path)!;
        const n = Math.max(0, Math.min(into.length, f.length - offset));
        into.set(f.subarray(offset, offset + n));
        return n;
      },
      async sync() {
        fs.syncs.set(path, (fs.syncs.get(path) || 0) + 1);
      },
      async stat() {
        return { size: fs.files.get(path)!.length, regular: true };
      },
      async truncate(length) {
        fs.files.set(path, fs.files.get(path)!.slice(0, length));
      },
      async close() {},
    };
  }
  async exists(path: string) {
    return this.files.has(path);
  }
  async rename(from: string, to: string) {
    this.alive();
    const f = this.files.get(from);
    if (!f) throw new Error(`ENOENT ${from}`);
    this.files.set(to, f);
    this.files.delete(from);
  }
  async link(from: string, to: string) {
    this.alive();
    this.files.set(to, this.files.get(from)!);
  }
  async remove(path: string) {
    this.alive();
    this.files.delete(path);
  }
  async syncDir() {}
  async readText(path: string) {
    const f = this.files.get(path);
    return f ? new TextDecoder().decode(f) : null;
  }
  async sha256(path: string, offset: number, length: number, options?: { fromMedium?: boolean }) {
    const f = this.files.get(path);
    if (!f || f.length < offset + length) throw new Error(`${path} is shorter than ${offset + length}`);
    const bytes = f.slice(offset, offset + length);
    if (options && options.fromMedium) {
      this.mediumReads.push(path);
      if (this.corruptOnMedium.has(path) && bytes.length > 0) bytes[0] ^= 1;
    }
    return new Uint8Array(createHash('sha256').update(bytes).digest());
  }
}
