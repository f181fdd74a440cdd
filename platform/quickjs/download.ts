// QuickJS adapter for the update Downloader and StagingFiles ports (src/ports/update.ts). QuickJS has no sockets, so
// a package GET is one `curl` run whose body this adapter reads from a pipe (curl-transfer.ts: head, limits, timeouts,
// exit codes), in two ways:
//   fetchToFile  into the staging file, each chunk also to hooks.onBody (the hash while staging):
//                resume -C <offset> (curl sends Range and appends) + `If-Range: <validator>`; the file is first cut
//                back to <offset> with `truncate`; curl exit 33 (the server answered 200 to the ranged request, e.g.
//                If-Range mismatch) → cut to 0 and fetch the whole object
//   fetch        chunk by chunk to hooks.onBody (the one-pass install straight into the inactive slot): `Range:
//                bytes=<offset>-` sent as a header, so a 200 reaches onResponse as a 200 and the caller starts over;
//                while onBody's promise is pending the pipe is not read (curl blocks on it): memory stays flat
//   size cap     this adapter stops curl before a byte past the cap is written or handed on (--max-filesize alone
//                only refuses an announced Content-Length before curl 8.4: an endless body without one would fill
//                the disk)
// The body is written or handed on only after onResponse handled a 2xx head; a non-2xx answer's body never is. The
// staged file is made durable as on Node (StagedSink).

import * as os from 'os';
import type { Downloader, FetchHead, FetchHooks, FetchRequest, FetchResult, FetchStreamResult, FetchToFileRequest, StagingFiles, StreamHooks, SyncCadence } from '../../src/ports/update.js';
import { TransferError } from '../../src/update/errors.js';
import { utf8Decode, utf8Encode } from '../../src/bytes.js';
import { exec, makePrivateDir, randomHex8, readBytes, readText, removeFile, writeBytes, check, QjsFileError } from './files.js';
import { parseResponseHead } from './transport.js';
import type { Sha256Provider } from './hash.js';
import { Durability, commandDurability, nativeDurability } from './storage.js';
import { loadDmNative } from './native.js';
import { dirOf, writeFileAtomic } from './atomic-file.js';
import { CurlRun, type CurlRunOptions, curlGetArgs, curlKind } from './curl-transfer.js';
import { QJS_USER_AGENT } from './user-agent.js';

export interface QjsDownloaderOptions {
  curl?: string;
  /** PEM CA bundle for https (`--cacert`). */
  caFile?: string;
  /** How often the head/size are polled while curl runs (ms, default 100); the transfer never waits for it to end. */
  pollMs?: number;
  tempBase?: string;
  /** At most this many bytes between fsyncs of the staged file, whatever cadence the request names (as on Node). */
  syncEveryBytes?: number;
  /** Read size of the body pipe: one buffer of this size, reused for every chunk (default 256 KiB). */
  chunkBytes?: number;
  /** Default: dmnative when present, else the `sync` command (platform/quickjs/storage.ts). */
  durability?: Durability;
}

function fileSize(path: string): number {
  const [st, err] = os.stat(path);
  return err === 0 ? st.size : 0;
}

async function truncateTo(path: string, size: number): Promise<void> {
  const r = await exec(['truncate', '-s', String(size), path]);
  if (r.code !== 0) throw new TransferError('io', `truncate ${path} to ${size} failed: ${r.stderr.trim()}`);
}

/**
 * fsync cadence of the staged file when the request names none: a power cut loses at most this much of a download
 * (docs/update-practice.md §10 step 3), while a slow link still reaches the medium every 2 s.
 */
export const DEFAULT_SYNC: SyncCadence = { bytes: 32 << 20, ms: 2000 };

/** Read size of the body pipe (one reused buffer): few event-loop turns per MiB, a fixed 256 KiB of memory. */
const CHUNK_BYTES = 256 << 10;

/** An fsync failure as a transfer failure (dmnative throws Errors carrying `errno`); anything else passes unchanged. */
function syncFailure(e: unknown, file: string): unknown {
  const n = e && typeof (e as { errno?: unknown }).errno === 'number' ? (e as { errno: number }).errno : null;
  if (n === null) return e;
  return new TransferError(n === 28 /* ENOSPC */ || n === 122 /* EDQUOT */ ? 'no-space' : 'io', `fsync ${file}: ${(e as Error).message}`);
}

/** Most body bytes held in memory while the answer's head is handled (StagedSink.write). */
const QUEUE_MAX = 8 << 20;

/**
 * The staging file, written from `offset` on, refusing (and remembering) the first chunk that would pass `cap`.
 * curl's body reaches the disk through this sink, so this is where it is made durable, as on Node
 * (platform/node/download.ts): the file is opened only once the answer's head was handled (onResponse persisted the
 * validator, src/update/download.ts), its name is synced with its directory when it is created, its bytes after
 * `cadence` bytes or ms (whichever comes first) and before the transfer reports success (fsync(2): written data and
 * a new name survive a power cut only once synced). The resume offset after a cut is the file's size, and the "complete" marker is written
 * only after durable() returned, so neither is ever ahead of bytes that are on the medium (docs/robustness.md §7).
 */
class StagedSink {
  private fd = -1;
  private size: number;
  private sinceSync = 0;
  private lastSync = Date.now();
  private syncing: Promise<void> = Promise.resolve();
  private syncError: unknown = null;
  /** An exception from opening or writing (not a -errno return): passed on by settle(). */
  private fault: unknown = null;
  /** Body bytes that came before the head was handled and the file opened; null once they are written. */
  private queue: Uint8Array[] | null = [];
  private queued = 0;
  failure: TransferError | null = null;
  constructor(
    private readonly file: string,
    private readonly offset: number,
    private readonly d: Durability,
    private readonly cadence: SyncCadence,
    private readonly cap: number | undefined,
    /** Sees every chunk as it reaches the file, in order (FetchHooks.onBody: the hash while staging). */
    private readonly onBody?: (bytes: Uint8Array) => void,
  ) {
    this.size = offset;
  }
  /**
   * False stops the transfer. Until release() the chunks wait in memory: no body byte may reach the file before
   * onResponse has persisted the validator, or bytes could survive a cut that no resume can vouch for. What waits is
   * what curl delivers while the sidecar is written (a few ms); past QUEUE_MAX the transfer stops (and is resumed).
   */
  write(chunk: Uint8Array): boolean {
    if (this.failure || this.syncError !== null || this.fault !== null) return false;
    if (this.queue !== null) {
      this.queued += chunk.length;
      if (this.queued > QUEUE_MAX) {
        this.failure = new TransferError('network', `more than ${QUEUE_MAX} body bytes arrived before the answer's head was handled`);
        return false;
      }
      this.queue.push(new Uint8Array(chunk));
      return true;
    }
    try {
      return this.put(chunk);
    } catch (e) {
      this.fault = e;
      return false;
    }
  }
  /** The head was handled and it is a 2xx: the file is opened and what waited is written, then all that follows. */
  async release(): Promise<void> {
    try {
      this.fd = check('open', this.file, os.open(this.file, os.O_WRONLY | os.O_CREAT | (this.offset === 0 ? os.O_TRUNC : 0), 0o600));
      if (this.offset > 0) check('seek', this.file, os.seek(this.fd, this.offset, 0 /* SEEK_SET */));
      // The file may have been created just now: until its directory is synced its name is not durable, and a power
      // cut would lose every byte the fsyncs below made durable (test/powercut-qjs-pagecache.test.ts, "fsynced
      // download bytes survive").
      else {
        await this.d.syncDir(dirOf(this.file));
      }
    } catch (e) {
      this.fault = this.fault || syncFailure(e, this.file);
      return;
    }
    const q = this.queue || [];
    this.queue = null;
    for (const c of q) if (!this.write(c)) break;
  }
  /** Nothing of this answer goes to the file (an error page, or a head onResponse refused). */
  discard(): void {
    this.queue = [];
    this.failure = this.failure || new TransferError('network', 'answer not written');
  }
  private put(chunk: Uint8Array): boolean {
    if (this.cap !== undefined && this.size + chunk.length > this.cap) {
      this.failure = new TransferError('too-large', `object is larger than the ${this.cap} bytes it may take; stopped there`);
      return false;
    }
    let done = 0;
    while (done < chunk.length) {
      const n = os.write(this.fd, chunk.buffer as ArrayBuffer, chunk.byteOffset + done, chunk.length - done);
      if (n <= 0) {
        const e = new QjsFileError('write', this.file, n < 0 ? -n : 5);
        this.failure = new TransferError(n === -28 /* ENOSPC */ || n === -122 /* EDQUOT */ ? 'no-space' : 'io', e.message);
        return false;
      }
      done += n;
    }
    this.size += chunk.length;
    this.sinceSync += chunk.length;
    // A throwing onBody refuses the transfer like a failed write (fault, passed on by settle()).
    if (this.onBody) this.onBody(chunk);
    const now = Date.now();
    if (this.sinceSync >= this.cadence.bytes || now - this.lastSync >= this.cadence.ms) {
      this.sinceSync = 0;
      this.lastSync = now;
      // Started now (dmnative's fsync runs at once, before the next chunk is read); awaited by durable()/settle().
      const p = this.syncNow();
      this.syncing = this.syncing.then(() => p);
    }
    return true;
  }
  private async syncNow(): Promise<void> {
    try {
      await this.d.syncFd(this.fd, this.file);
    } catch (e) {
      if (this.syncError === null) this.syncError = e;
    }
  }
  /** The periodic fsyncs have finished; the first failure among them is thrown. */
  async settle(): Promise<void> {
    await this.syncing;
    if (this.fault !== null) throw this.fault;
    if (this.syncError !== null) throw syncFailure(this.syncError, this.file);
  }
  /** Everything written so far is on the medium. */
  async durable(): Promise<void> {
    await this.settle();
    if (this.fd < 0) return;
    try {
      await this.d.syncFd(this.fd, this.file);
    } catch (e) {
      throw syncFailure(e, this.file);
    }
    this.sinceSync = 0;
    this.lastSync = Date.now();
  }
  close(): void {
    if (this.fd >= 0) os.close(this.fd);
    this.fd = -1;
  }
}

export class QjsDownloader implements Downloader {
  private dir: string | null = null;
  private readonly durability: Promise<Durability>;
  constructor(private readonly o: QjsDownloaderOptions = {}) {
    this.durability = o.durability ? Promise.resolve(o.durability) : loadDmNative().then((dm) => (dm ? nativeDurability(dm) : commandDurability()));
  }

  private temp(suffix: string): string {
    if (this.dir === null) this.dir = makePrivateDir('dm-dl', this.o.tempBase);
    return `${this.dir}/${randomHex8()}.${suffix}`;
  }

  private base(): string[] {
    const a = [this.o.curl || 'curl', '-q', '-sS', '-A', QJS_USER_AGENT];
    if (this.o.caFile) a.push('--cacert', this.o.caFile);
    return a;
  }

  /** One curl GET of `r` with this adapter's poll and read sizes; the caller says what the head and body do. */
  private curlRun(r: FetchRequest, headFile: string, how: Pick<CurlRunOptions, 'onHead' | 'onRefused' | 'onTick'>): CurlRun {
    return new CurlRun(
      Object.assign({ url: r.url, headFile, lowSpeed: r.lowSpeed, pollMs: this.o.pollMs || 100, chunkBytes: this.o.chunkBytes || CHUNK_BYTES }, how),
    );
  }

  async fetchToFile(r: FetchToFileRequest, hooks: FetchHooks): Promise<FetchResult> {
    let offset = r.offset;
    const durability = await this.durability;
    // The adapter's own syncEveryBytes caps the request's cadence (as on Node): a device set up to sync more often
    // than the configuration asks keeps doing so.
    const asked = r.sync || DEFAULT_SYNC;
    const cadence = { bytes: Math.min(asked.bytes, this.o.syncEveryBytes || Infinity), ms: asked.ms };
    for (let round = 0; round < 2; round++) {
      const head = this.temp('head');
      let sink: StagedSink | null = null;
      try {
        if (offset > 0) await truncateTo(r.file, offset);
        const staged = new StagedSink(r.file, offset, durability, cadence, r.maxFileSize, hooks.onBody && ((b) => (hooks.onBody as (b: Uint8Array) => void)(b)));
        sink = staged;
        // onResponse once; the body waiting in the sink is written only after it resolved.
        const run = this.curlRun(r, head, {
          onHead: (h) => hooks.onResponse(h).then(() => (h.status === 200 || h.status === 206 ? staged.release() : staged.discard())),
          onRefused: () => staged.discard(),
          onTick: hooks.onProgress && (() => (hooks.onProgress as (n: number) => void)(fileSize(r.file))),
        });
        // The sink takes chunks synchronously (queued in memory until the head is handled, then written at once).
        const { res, head: parsed } = await run.run(curlGetArgs(this.base(), r, offset, head, '-C'), (chunk) => staged.write(chunk));
        if (res.code === 33 && offset > 0) {
          offset = 0; // the server ignored the range (If-Range mismatch): start over
          await truncateTo(r.file, 0);
          continue;
        }
        await run.answered(parsed);
        await staged.settle();
        // A refused head or an error page was never written (the sink waits for a handled 2xx head): the file still
        // ends at `offset`.
        const answer = run.verdict(res, parsed, staged.failure);
        if (answer.status !== 200 && answer.status !== 206) return { status: answer.status, headers: answer.headers, fileSize: offset };
        // Durable before success is reported: the caller marks the download complete next.
        await staged.durable();
        const size = fileSize(r.file);
        if (hooks.onProgress) hooks.onProgress(size);
        return { status: answer.status, headers: answer.headers, fileSize: size };
      } finally {
        if (sink) sink.close();
        removeFile(head);
      }
    }
    throw new TransferError('network', `${r.url}: the server would not resume and restarting failed`);
  }

  /**
   * The streamed GET (Downloader.fetch): curl's body goes chunk by chunk to hooks.onBody, no file in between. The
   * pipe is read into one reused buffer and not read again while onBody's promise is pending, so a slow consumer (a
   * flash writer) holds curl back instead of memory growing; the chunk is a view of that buffer, valid until the
   * promise settles (StreamHooks.onBody says the core copies what it keeps).
   */
  async fetch(r: FetchRequest, hooks: StreamHooks): Promise<FetchStreamResult> {
    const head = this.temp('head');
    try {
      let received = 0;
      let base = r.offset;
      let pass = false;
      let failure: TransferError | null = null;
      const run = this.curlRun(r, head, {
        onHead: async (h) => {
          await hooks.onResponse(h);
          // A 206 continues at the offset; a 200 is the whole object from byte 0 (the caller started over).
          base = h.status === 206 ? r.offset : 0;
          pass = h.status === 200 || h.status === 206;
        },
        onRefused: () => (pass = false),
      });
      const deliver = async (chunk: Uint8Array): Promise<boolean> => {
        // No body chunk before onResponse resolved (curl waits on the unread pipe meanwhile).
        await run.awaitHead();
        if (!pass || run.hookError !== null) return false;
        if (r.maxFileSize !== undefined && base + received + chunk.length > r.maxFileSize) {
          failure = new TransferError('too-large', `object is larger than the ${r.maxFileSize} bytes it may take; stopped there`);
          return false;
        }
        try {
          await hooks.onBody(chunk);
        } catch (e) {
          run.fail(e);
          return false;
        }
        received += chunk.length;
        return true;
      };
      const { res, head: parsed } = await run.run(curlGetArgs(this.base(), r, r.offset, head, 'header'), deliver);
      await run.answered(parsed);
      const answer = run.verdict(res, parsed, failure);
      return { status: answer.status, headers: answer.headers, received: answer.status === 200 || answer.status === 206 ? received : 0 };
    } finally {
      removeFile(head);
    }
  }

  async get(url: string, o: { timeoutMs: number; maxBytes: number; headers?: Record<string, string> }) {
    const head = this.temp('head');
    const body = this.temp('body');
    try {
      const args = this.base().concat(['-D', head, '-o', body, '--max-time', String(Math.max(1, Math.ceil(o.timeoutMs / 1000))), '--max-filesize', String(o.maxBytes)]);
      for (const k of Object.keys(o.headers || {})) args.push('-H', `${k}: ${(o.headers as Record<string, string>)[k]}`);
      args.push('--', url);
      const res = await exec(args);
      if (res.code !== 0) throw curlKind(res.code, res.stderr);
      const parsed = parseResponseHead(readText(head) || '', url);
      const bytes = readBytes(body) || new Uint8Array(0);
      return { status: parsed.status, headers: parsed.headers, fileSize: bytes.length, body: bytes };
    } finally {
      removeFile(head);
      removeFile(body);
    }
  }

  async post(url: string, data: Uint8Array, o: { contentType: string; timeoutMs: number }): Promise<FetchHead> {
    const head = this.temp('head');
    const body = this.temp('post');
    try {
      writeBytes(body, data, 0o600);
      const args = this.base().concat(['-D', head, '-o', '/dev/null', '--max-time', String(Math.max(1, Math.ceil(o.timeoutMs / 1000))), '-H', `Content-Type: ${o.contentType}`, '--data-binary', `@${body}`, '--', url]);
      const res = await exec(args);
      if (res.code !== 0) throw curlKind(res.code, res.stderr);
      return parseResponseHead(readText(head) || '', url);
    } finally {
      removeFile(head);
      removeFile(body);
    }
  }
}

/** StagingFiles on QuickJS: os calls, SHA-256 from the Sha256Provider (native when dmnative is loaded). */
export class QjsStagingFiles implements StagingFiles {
  private durability: Promise<Durability>;
  constructor(private readonly hash: Sha256Provider, durability?: Durability) {
    this.durability = durability ? Promise.resolve(durability) : loadDmNative().then((dm) => (dm ? nativeDurability(dm) : commandDurability()));
  }
  async size(file: string): Promise<number | null> {
    const [st, err] = os.stat(file);
    return err === 0 ? st.size : null;
  }
  async sha256(file: string, length?: number): Promise<Uint8Array> {
    return length === undefined ? this.hash.file(file) : this.hash.file(file, 0, length);
  }
  async read(file: string, offset: number, length: number): Promise<Uint8Array> {
    const fd = check('open', file, os.open(file, os.O_RDONLY));
    try {
      if (offset > 0) check('seek', file, os.seek(fd, offset, 0 /* SEEK_SET */));
      const buf = new ArrayBuffer(length);
      let got = 0;
      while (got < length) {
        const n = check('read', file, os.read(fd, buf, got, length - got));
        if (n === 0) break;
        got += n;
      }
      return new Uint8Array(buf, 0, got);
    } finally {
      os.close(fd);
    }
  }
  async readText(file: string): Promise<string | null> {
    const b = readBytes(file);
    return b === null ? null : utf8Decode(b);
  }
  async writeTextAtomic(file: string, text: string): Promise<void> {
    await writeFileAtomic(await this.durability, file, utf8Encode(text));
  }
  async remove(file: string): Promise<void> {
    removeFile(file);
  }
  async freeBytes(file: string): Promise<number> {
    const dm = await loadDmNative();
    const slash = file.lastIndexOf('/');
    const dir = slash > 0 ? file.substring(0, slash) : '.';
    if (dm) return dm.statvfsFree(dir);
    // Stock qjs: POSIX df, 1024-byte blocks, "Available" column.
    const r = await exec(['df', '-Pk', dir]);
    const m = /\n\S+\s+\d+\s+\d+\s+(\d+)/.exec(r.stdout);
    if (r.code !== 0 || !m) throw new TransferError('io', `cannot tell the free space of ${dir}: ${r.stderr.trim()}`);
    return Number(m[1]) * 1024;
  }
}
