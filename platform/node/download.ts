// Node adapter for the update Downloader and StagingFiles ports (src/ports/update.ts): node:http/https streaming into
// a file with Range/If-Range, connect and idle timeouts, low-speed abort and an optional bandwidth cap. One chunk is
// in flight at a time (each write is awaited before the next read), so memory is flat whatever the image size.

import * as http from 'node:http';
import * as https from 'node:https';
import { open, readFile, rm, stat, statfs } from 'node:fs/promises';
import * as path from 'node:path';
import type { Downloader, FetchHead, FetchHooks, FetchResult, FetchToFileRequest, StagingFiles } from '../../src/ports/update.js';
import { TransferError } from '../../src/update/errors.js';
import { LowSpeedMeter } from '../../src/update/low-speed.js';
import { sha256File } from './hash.js';
import { syncDirOf, writeFileAtomic } from './atomic-file.js';

export interface NodeDownloaderOptions {
  /** Extra CA certificates (PEM) for https. */
  ca?: string | Buffer;
  /** Called before every durable write (chunk write, fsync); the power-cut harness throws from it. */
  onDurableWrite?(what: string): void;
  /** fsync the partial file every this many bytes (default 8 MiB) so a power cut loses little. */
  syncEveryBytes?: number;
  /** Size of the one write buffer (default 1 MiB); tests make it small to get many durable writes. */
  writeBufferBytes?: number;
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

  async fetchToFile(r: FetchToFileRequest, hooks: FetchHooks): Promise<FetchResult> {
    const headers: Record<string, string> = Object.assign({ 'user-agent': 'dm-agent' }, r.headers || {});
    if (r.offset > 0) {
      headers['range'] = `bytes=${r.offset}-`;
      if (r.ifRange) headers['if-range'] = r.ifRange;
    }
    const started = Date.now();
    const { req, res } = await this.request(r.url, 'GET', headers, r.connectTimeoutMs, r.idleTimeoutMs, undefined, r.maxTimeMs);
    const head: FetchHead = { status: res.statusCode || 0, headers: headersOf(res) };
    try {
      await hooks.onResponse(head);
    } catch (e) {
      req.destroy();
      throw e;
    }
    if (head.status !== 200 && head.status !== 206) {
      res.resume();
      let size = 0;
      try {
        size = (await stat(r.file)).size;
      } catch (e) {
        size = 0;
      }
      return { status: head.status, headers: head.headers, fileSize: size };
    }
    const start = head.status === 206 ? r.offset : 0;
    let fh;
    try {
      fh = await open(r.file, head.status === 206 ? 'r+' : 'w', 0o600); // staged firmware: the agent's alone
      if (head.status === 206) await fh.truncate(start);
      // The file may have been created just now: until its directory is synced its name is not durable, and a power
      // cut would lose every byte the fsyncs below made durable (fsync(2) NOTES; test/powercut-pagecache.test.ts,
      // "fsynced download bytes survive").
      else await syncDirOf(r.file);
    } catch (e) {
      req.destroy();
      throw transferKind(e as NodeJS.ErrnoException);
    }
    let pos = start;
    let sinceSync = 0;
    const syncEvery = this.options.syncEveryBytes || 8 << 20;
    const t0 = Date.now();
    const meter = r.lowSpeed ? new LowSpeedMeter(r.lowSpeed, t0) : undefined;
    let lastProgress = 0;
    let lowSpeedTimer: ReturnType<typeof setInterval> | undefined;
    let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
    // Why we destroyed the request ourselves: the stream then rejects with a generic 'aborted', not with our reason.
    let abortReason: TransferError | undefined;
    req.setTimeout(r.idleTimeoutMs, () => {
      // The answer came and the body stopped: a stalled transfer is the slowest one there is (0 B/s), not a
      // request time-out.
      abortReason = new TransferError('low-speed', `stalled: no data for ${r.idleTimeoutMs} ms`);
      req.destroy(abortReason);
    });
    if (r.maxTimeMs !== undefined) {
      deadlineTimer = setTimeout(() => {
        abortReason = new TransferError('timeout', 'the download deadline ended this transfer');
        req.destroy(abortReason);
      }, Math.max(0, r.maxTimeMs - (Date.now() - started)));
    }
    if (meter) {
      // Checked on a timer, so a trickle that never trips the idle timeout still ends (curl LOW_SPEED_TIME).
      lowSpeedTimer = setInterval(() => {
        const slow = meter.check(Date.now());
        if (slow !== null) {
          abortReason = new TransferError('low-speed', slow);
          req.destroy(abortReason);
        }
      }, meter.pollMs());
    }
    // Socket chunks (≤64 KiB) are gathered in one fixed buffer and written 1 MiB at a time: fewer syscalls, and
    // memory stays flat (one buffer, one chunk in flight, backpressure through for-await).
    const buf = Buffer.allocUnsafe(this.options.writeBufferBytes || 1 << 20);
    let fill = 0;
    const flush = async () => {
      if (fill === 0) return;
      if (this.options.onDurableWrite) this.options.onDurableWrite('download-chunk');
      await fh.write(buf, 0, fill, pos - fill);
      fill = 0;
    };
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        if (r.maxFileSize !== undefined && pos + chunk.length > r.maxFileSize)
          throw new TransferError('too-large', `object is larger than the ${r.maxFileSize} bytes it may take; stopped there`);
        let off = 0;
        while (off < chunk.length) {
          const n = Math.min(chunk.length - off, buf.length - fill);
          chunk.copy(buf, fill, off, off + n);
          fill += n;
          off += n;
          pos += n;
          if (fill === buf.length) await flush();
        }
        if (meter) meter.add(chunk.length);
        sinceSync += chunk.length;
        if (sinceSync >= syncEvery) {
          await flush();
          await fh.sync();
          sinceSync = 0;
        }
        const now = Date.now();
        if (hooks.onProgress && now - lastProgress >= 200) {
          lastProgress = now;
          hooks.onProgress(pos);
        }
        if (r.maxBytesPerSecond && r.maxBytesPerSecond > 0) {
          const due = t0 + ((pos - start) * 1000) / r.maxBytesPerSecond;
          if (due > now) await sleep(due - now);
        }
      }
      await flush();
      if (!res.complete) throw new TransferError('network', 'connection closed before the body was complete');
      await fh.sync();
    } catch (e) {
      req.destroy();
      const failure = abortReason || transferKind(e as NodeJS.ErrnoException);
      // Bytes received before a transport failure are good: keep them for the resume. (Not after a foreign error.)
      if (failure instanceof TransferError && failure.kind !== 'too-large') {
        try {
          await flush();
        } catch (e2) {
          throw transferKind(e2 as NodeJS.ErrnoException);
        }
      }
      throw failure;
    } finally {
      if (lowSpeedTimer) clearInterval(lowSpeedTimer);
      if (deadlineTimer) clearTimeout(deadlineTimer);
      await fh.close();
    }
    if (hooks.onProgress) hooks.onProgress(pos);
    return { status: head.status, headers: head.headers, fileSize: pos };
  }

  async get(url: string, o: { timeoutMs: number; maxBytes: number; headers?: Record<string, string> }) {
    const { req, res } = await this.request(url, 'GET', Object.assign({ 'user-agent': 'dm-agent' }, o.headers || {}), o.timeoutMs, o.timeoutMs);
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
    const headers = { 'content-type': o.contentType, 'content-length': String(body.length), 'user-agent': 'dm-agent' };
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
