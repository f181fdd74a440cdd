// Node adapter for the update Downloader and StagingFiles ports (src/ports/update.ts): package GETs over one reused
// socket read buffer (package-get.ts) streaming into a staged file (fetchToFile, staging-sink.ts) or chunk by chunk
// to the caller (fetch: straight into the inactive slot), with Range/If-Range, connect and idle timeouts, low-speed abort, a deadline and an optional bandwidth cap,
// one request logic for both. One chunk is in flight at a time (each is awaited before the next read), so memory is
// flat whatever the image size. The small GET and POST (descriptors, install notifications) use node:http.

import * as http from 'node:http';
import * as https from 'node:https';
import { open, readFile, rm, stat, statfs } from 'node:fs/promises';
import * as path from 'node:path';
import type {
  Downloader,
  FetchHead,
  FetchHooks,
  FetchRequest,
  FetchResult,
  FetchStreamResult,
  FetchToFileRequest,
  StagingFiles,
  StreamHooks,
} from '../../src/ports/update.js';
import { TransferError } from '../../src/update/errors.js';
import { LowSpeedMeter } from '../../src/update/low-speed.js';
import { sha256File } from './hash.js';
import { writeFileAtomic } from './atomic-file.js';
import { type BodySink, DEFAULT_SYNC, StagingSink } from './staging-sink.js';
import { PackageGet } from './package-get.js';
import { NODE_USER_AGENT } from './user-agent.js';

export interface NodeDownloaderOptions {
  /** Extra CA certificates (PEM) for https. */
  ca?: string | Buffer;
  /** Called before every durable write (chunk write, fsync); the power-cut harness throws from it. */
  onDurableWrite?(what: string): void;
  /**
   * fsync the partial file at least every this many bytes, whatever the request's cadence says (FetchToFileRequest.sync,
   * default 32 MiB or 2 s): tests make it small so a power cut loses little.
   */
  syncEveryBytes?: number;
  /** Size of the one write buffer (default 1 MiB); tests make it small to get many durable writes. */
  writeBufferBytes?: number;
  /** Size of the one socket read buffer of a package GET (default 256 KiB, package-get.ts). */
  readBufferBytes?: number;
}

function headersOf(res: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * Maps a Node system error to a TransferError. Errors without an errno-style code are not transport failures (a bug,
 * or the power-cut harness): they are passed through unchanged so they are not mistaken for a flaky network.
 */
function transferKind(err: NodeJS.ErrnoException): Error {
  if (err instanceof TransferError) return err;
  if (!err || typeof err.code !== 'string') return err;
  const code = err.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new TransferError('no-space', err.message);
  if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EADDRNOTAVAIL'].indexOf(code) >= 0)
    return new TransferError('connect', `${code}: ${err.message}`);
  if (code === 'ETIMEDOUT') return new TransferError('timeout', err.message);
  if (code.indexOf('ERR_TLS') === 0 || code.indexOf('CERT') >= 0 || code === 'DEPTH_ZERO_SELF_SIGNED_CERT')
    return new TransferError('connect', `TLS: ${code}`);
  if (code === 'EACCES' || code === 'EISDIR' || code === 'EROFS' || code === 'EIO') return new TransferError('io', err.message);
  return new TransferError('network', `${code || 'error'}: ${err.message}`);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class NodeDownloader implements Downloader {
  constructor(private readonly options: NodeDownloaderOptions = {}) {}

  /** Opens a request and resolves with the response once headers arrive; enforces the connect timeout. */
  private request(
    url: string,
    method: string,
    headers: Record<string, string>,
    connectTimeoutMs: number,
    idleTimeoutMs: number,
    body?: Uint8Array,
    maxTimeMs?: number,
  ): Promise<{ req: http.ClientRequest; res: http.IncomingMessage }> {
    return new Promise((resolve, reject) => {
      let u: URL;
      try {
        u = new URL(url);
      } catch (e) {
        reject(new TransferError('connect', `invalid URL ${url}`));
        return;
      }
      const mod = u.protocol === 'https:' ? https : http;
      const opts: https.RequestOptions = { method, headers, agent: false };
      if (this.options.ca) opts.ca = this.options.ca;
      const req = mod.request(u, opts);
      let connected = false;
      const connectTimer = setTimeout(() => {
        if (!connected) req.destroy(new TransferError('timeout', `no connection to ${u.host} within ${connectTimeoutMs} ms`));
      }, connectTimeoutMs);
      req.on('socket', (s) => {
        const done = () => {
          connected = true;
          clearTimeout(connectTimer);
        };
        if (!s.connecting) done();
        else s.once(u.protocol === 'https:' ? 'secureConnect' : 'connect', done);
      });
      req.setTimeout(idleTimeoutMs, () => req.destroy(new TransferError('timeout', `no data for ${idleTimeoutMs} ms`)));
      // What is left of the download deadline bounds the wait for the answer too.
      const maxTimer =
        maxTimeMs !== undefined ? setTimeout(() => req.destroy(new TransferError('timeout', `no answer within the ${maxTimeMs} ms left before the deadline`)), maxTimeMs) : undefined;
      req.on('error', (e) => {
        clearTimeout(connectTimer);
        clearTimeout(maxTimer);
        reject(transferKind(e as NodeJS.ErrnoException));
      });
      req.on('response', (res) => {
        clearTimeout(connectTimer);
        clearTimeout(maxTimer);
        resolve({ req, res });
      });
      req.end(body ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : undefined);
    });
  }

  /**
   * One package GET, shared by fetch and fetchToFile: Range/If-Range, the answer's head to `onResponse`, then the body
   * of a 200/206 chunk by chunk into `sink` (each awaited before the next socket read: backpressure), bounded by the
   * idle timeout, the low-speed meter, the deadline, the bandwidth cap and maxFileSize. Another status leaves the sink
   * unopened and its body discarded. What the sink throws is rethrown as it is; a transport failure as TransferError.
   */
  private async transfer(
    r: FetchRequest,
    onResponse: (head: FetchHead) => Promise<void>,
    sink: BodySink,
    onProgress?: (end: number) => void,
  ): Promise<{ head: FetchHead; body: boolean; received: number }> {
    const headers: Record<string, string> = Object.assign({ 'user-agent': NODE_USER_AGENT }, r.headers || {});
    if (r.offset > 0) {
      headers['range'] = `bytes=${r.offset}-`;
      if (r.ifRange) headers['if-range'] = r.ifRange;
    }
    const started = Date.now();
    const get = await PackageGet.open({
      url: r.url,
      headers,
      ca: this.options.ca,
      connectTimeoutMs: r.connectTimeoutMs,
      idleTimeoutMs: r.idleTimeoutMs,
      maxTimeMs: r.maxTimeMs,
      readBufferBytes: this.options.readBufferBytes,
      mapError: (e) => transferKind(e as NodeJS.ErrnoException),
    });
    const head: FetchHead = { status: get.status, headers: get.headers };
    try {
      await onResponse(head);
    } catch (e) {
      get.destroy();
      throw e;
    }
    if (head.status !== 200 && head.status !== 206) {
      // Its body is not wanted: the connection is closed rather than read (the request said Connection: close).
      get.destroy();
      return { head, body: false, received: 0 };
    }
    // A 206 continues at the offset asked for; a 200 is the whole object from byte 0 (RFC 9110 §14.2, §15.3.7).
    const start = head.status === 206 ? r.offset : 0;
    try {
      await sink.open(head.status, start);
    } catch (e) {
      get.destroy();
      throw e;
    }
    let received = 0;
    const t0 = Date.now();
    const meter = r.lowSpeed ? new LowSpeedMeter(r.lowSpeed, t0) : undefined;
    let lastProgress = 0;
    let lowSpeedTimer: ReturnType<typeof setInterval> | undefined;
    let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
    // The sink's own failure (a file write, the caller's onBody): rethrown unchanged, never taken for the network's.
    let sinkFailed = false;
    get.onIdle(() => {
      // The answer came and the body stopped: a stalled transfer is the slowest one there is (0 B/s), not a
      // request time-out.
      get.destroy(new TransferError('low-speed', `stalled: no data for ${r.idleTimeoutMs} ms`));
    });
    if (r.maxTimeMs !== undefined) {
      deadlineTimer = setTimeout(() => {
        get.destroy(new TransferError('timeout', 'the download deadline ended this transfer'));
      }, Math.max(0, r.maxTimeMs - (Date.now() - started)));
    }
    if (meter) {
      // Checked on a timer, so a trickle that never trips the idle timeout still ends (curl LOW_SPEED_TIME).
      lowSpeedTimer = setInterval(() => {
        const slow = meter.check(Date.now());
        if (slow !== null) get.destroy(new TransferError('low-speed', slow));
      }, meter.pollMs());
    }
    try {
      // The next socket read waits until the body of this callback settled: one chunk in flight, memory flat whatever
      // the object size. The chunk is a view of the one read buffer, handed on without a copy.
      await get.body(async (chunk) => {
        if (r.maxFileSize !== undefined && start + received + chunk.length > r.maxFileSize)
          throw new TransferError('too-large', `object is larger than the ${r.maxFileSize} bytes it may take; stopped there`);
        try {
          await sink.write(chunk);
        } catch (e) {
          sinkFailed = true;
          throw e;
        }
        received += chunk.length;
        if (meter) meter.add(chunk.length);
        const now = Date.now();
        if (onProgress && now - lastProgress >= 200) {
          lastProgress = now;
          onProgress(start + received);
        }
        if (r.maxBytesPerSecond && r.maxBytesPerSecond > 0) {
          const due = t0 + (received * 1000) / r.maxBytesPerSecond;
          if (due > now) await sleep(due - now);
        }
      });
      try {
        await sink.end();
      } catch (e) {
        sinkFailed = true;
        throw e;
      }
    } catch (e) {
      get.destroy();
      const failure = sinkFailed ? (e as Error) : transferKind(e as NodeJS.ErrnoException);
      await sink.fail(failure);
      throw failure;
    } finally {
      if (lowSpeedTimer) clearInterval(lowSpeedTimer);
      if (deadlineTimer) clearTimeout(deadlineTimer);
      await sink.close();
    }
    return { head, body: true, received };
  }

  async fetch(r: FetchRequest, hooks: StreamHooks): Promise<FetchStreamResult> {
    let handed = 0;
    const sink: BodySink = {
      open: async () => undefined,
      // The socket's chunk itself: no copy of ours (the core copies what must outlive the call, StreamHooks.onBody).
      write: async (chunk) => {
        await hooks.onBody(chunk);
        handed += chunk.length;
      },
      end: async () => undefined,
      fail: async () => undefined,
      close: async () => undefined,
    };
    const { head } = await this.transfer(r, (h) => hooks.onResponse(h), sink);
    return { status: head.status, headers: head.headers, received: handed };
  }

  async fetchToFile(r: FetchToFileRequest, hooks: FetchHooks): Promise<FetchResult> {
    const cadence = r.sync || DEFAULT_SYNC;
    if (!(cadence.bytes > 0) || !(cadence.ms > 0))
      throw new TypeError(`sync cadence needs bytes > 0 and ms > 0, got bytes=${cadence.bytes} ms=${cadence.ms}`);
    const sink = new StagingSink(r.file, {
      onBody: hooks.onBody ? (b) => (hooks.onBody as (bytes: Uint8Array) => void)(b) : undefined,
      onDurableWrite: this.options.onDurableWrite,
      bufferBytes: this.options.writeBufferBytes || 1 << 20,
      // The adapter's own byte budget (a device or test setting) only ever makes syncs more frequent.
      sync: { bytes: Math.min(cadence.bytes, this.options.syncEveryBytes || Infinity), ms: cadence.ms },
      mapError: (e) => transferKind(e as NodeJS.ErrnoException),
    });
    const { head, body } = await this.transfer(r, (h) => hooks.onResponse(h), sink, hooks.onProgress);
    if (!body) {
      let size = 0;
      try {
        size = (await stat(r.file)).size;
      } catch (e) {
        size = 0;
      }
      return { status: head.status, headers: head.headers, fileSize: size };
    }
    if (hooks.onProgress) hooks.onProgress(sink.size);
    return { status: head.status, headers: head.headers, fileSize: sink.size };
  }

  async get(url: string, o: { timeoutMs: number; maxBytes: number; headers?: Record<string, string> }) {
    const { req, res } = await this.request(url, 'GET', Object.assign({ 'user-agent': NODE_USER_AGENT }, o.headers || {}), o.timeoutMs, o.timeoutMs);
    const parts: Buffer[] = [];
    let n = 0;
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        n += chunk.length;
        if (n > o.maxBytes) throw new TransferError('too-large', `response larger than ${o.maxBytes} bytes`);
        parts.push(chunk);
      }
    } catch (e) {
      req.destroy();
      throw transferKind(e as NodeJS.ErrnoException);
    }
    const body = new Uint8Array(Buffer.concat(parts));
    return { status: res.statusCode || 0, headers: headersOf(res), fileSize: body.length, body };
  }

  async post(url: string, body: Uint8Array, o: { contentType: string; timeoutMs: number }): Promise<FetchHead> {
    const headers = { 'content-type': o.contentType, 'content-length': String(body.length), 'user-agent': NODE_USER_AGENT };
    const { res } = await this.request(url, 'POST', headers, o.timeoutMs, o.timeoutMs, body);
    res.resume();
    return { status: res.statusCode || 0, headers: headersOf(res) };
  }
}

/** StagingFiles over a directory on a real file system. */
export class NodeStagingFiles implements StagingFiles {
  constructor(private readonly options: { onDurableWrite?(what: string): void } = {}) {}

  async size(file: string): Promise<number | null> {
    try {
      return (await stat(file)).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }
  sha256(file: string, length?: number): Promise<Uint8Array> {
    return sha256File(file, 0, length);
  }
  async read(file: string, offset: number, length: number): Promise<Uint8Array> {
    const fh = await open(file, 'r');
    try {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return new Uint8Array(buf.buffer, buf.byteOffset, got);
    } finally {
      await fh.close();
    }
  }
  async readText(file: string): Promise<string | null> {
    try {
      return await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }
  async writeTextAtomic(file: string, text: string): Promise<void> {
    if (this.options.onDurableWrite) this.options.onDurableWrite('staging-meta');
    await writeFileAtomic(file, text);
  }
  async remove(file: string): Promise<void> {
    await rm(file, { force: true });
  }
  async freeBytes(file: string): Promise<number> {
    const s = await statfs(path.dirname(file));
    return s.bavail * s.bsize;
  }
}
