// QuickJS adapter for the update Downloader and StagingFiles ports (src/update/ports.ts). QuickJS has no sockets, so
// a package GET is one `curl` run writing straight into the staging file (memory stays flat: curl streams to disk):
//   resume      -C <offset> (curl sends Range and appends) + `If-Range: <validator>`; the file is first cut back to
//               <offset> with `truncate`; curl exit 33 (the server answered 200 to the ranged request, e.g. If-Range
//               mismatch) → cut to 0 and fetch the whole object.
//   timeouts    --connect-timeout; idle-read and low-speed abort via --speed-limit/--speed-time (curl LOW_SPEED_*);
//               what is left of the download deadline via --max-time
//   bandwidth   --limit-rate
//   size cap    curl writes the body to stdout and this adapter writes it to the file, stopping curl before a byte
//               past the cap would be written (--max-filesize alone only refuses an announced Content-Length before
//               curl 8.4: an endless body without one would fill the disk)
// The answer head (curl -D) is polled while curl runs, so onResponse sees it early; a non-2xx answer's body is cut
// away again (the file is truncated back to <offset>). Exit codes map to TransferError kinds (curl(1) EXIT CODES).

import * as os from 'os';
import type { Downloader, FetchHead, FetchHooks, FetchResult, FetchToFileRequest, StagingFiles } from '../../src/update/ports.js';
import { TransferError, TransferFailure } from '../../src/update/errors.js';
import { LowSpeedMeter } from '../../src/update/low-speed.js';
import { utf8Decode, utf8Encode } from '../../src/bytes.js';
import { exec, makePrivateDir, randomHex8, readBytes, readText, removeFile, writeBytes, check, QjsFileError } from './files.js';
import { parseResponseHead } from './transport.js';
import type { Sha256Provider } from './hash.js';
import { Durability, commandDurability, nativeDurability } from './storage.js';
import { loadDmNative } from './native.js';

export interface QjsDownloaderOptions {
  curl?: string;
  /** PEM CA bundle for https (`--cacert`). */
  caFile?: string;
  /** How often the head/size are polled while curl runs (ms, default 100). */
  pollMs?: number;
  tempBase?: string;
}

function fileSize(path: string): number {
  const [st, err] = os.stat(path);
  return err === 0 ? st.size : 0;
}

async function truncateTo(path: string, size: number): Promise<void> {
  const r = await exec(['truncate', '-s', String(size), path]);
  if (r.code !== 0) throw new TransferError('io', `truncate ${path} to ${size} failed: ${r.stderr.trim()}`);
}

const KIND: Record<number, TransferFailure> = {
  5: 'connect', 6: 'connect', 7: 'connect', 35: 'connect', 51: 'connect', 58: 'connect', 60: 'connect', 77: 'connect', 90: 'connect',
  28: 'timeout', 18: 'network', 52: 'network', 55: 'network', 56: 'network', 92: 'network', 16: 'network', 8: 'network',
  63: 'too-large', 23: 'io',
};

/** `answered`: the server's head had arrived, so a curl speed-limit abort is a slow or stalled body (as on Node). */
function curlKind(code: number, stderr: string, answered = false): TransferError {
  let kind: TransferFailure = KIND[code] || 'network';
  if (code === 23 && /no space/i.test(stderr)) kind = 'no-space';
  if (code === 28 && answered && /too slow/i.test(stderr)) kind = 'low-speed';
  return new TransferError(kind, `curl exit ${code}: ${stderr.trim().slice(0, 200)}`);
}

const sleep = (ms: number) => new Promise<void>((r) => os.setTimeout(r, ms));

/** The staging file, written from `offset` on, refusing (and remembering) the first chunk that would pass `cap`. */
class CappedSink {
  private readonly fd: number;
  private size: number;
  failure: TransferError | null = null;
  constructor(
    private readonly file: string,
    offset: number,
    private readonly cap?: number,
  ) {
    this.fd = check('open', file, os.open(file, os.O_WRONLY | os.O_CREAT | (offset === 0 ? os.O_TRUNC : 0), 0o600));
    this.size = offset;
    if (offset > 0) check('seek', file, os.seek(this.fd, offset, 0 /* SEEK_SET */));
  }
  /** False stops the transfer. */
  write(chunk: Uint8Array): boolean {
    if (this.failure) return false;
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
    return true;
  }
  close(): void {
    os.close(this.fd);
  }
}

export class QjsDownloader implements Downloader {
  private dir: string | null = null;
  constructor(private readonly o: QjsDownloaderOptions = {}) {}

  private temp(suffix: string): string {
    if (this.dir === null) this.dir = makePrivateDir('dm-dl', this.o.tempBase);
    return `${this.dir}/${randomHex8()}.${suffix}`;
  }

  private base(): string[] {
    const a = [this.o.curl || 'curl', '-q', '-sS', '-A', 'dm-agent'];
    if (this.o.caFile) a.push('--cacert', this.o.caFile);
    return a;
  }

  async fetchToFile(r: FetchToFileRequest, hooks: FetchHooks): Promise<FetchResult> {
    let offset = r.offset;
    for (let round = 0; round < 2; round++) {
      const head = this.temp('head');
      try {
        if (offset > 0) await truncateTo(r.file, offset);
        const args = this.base().concat(['-D', head, '-o', '-', '--connect-timeout', String(Math.max(1, Math.ceil(r.connectTimeoutMs / 1000)))]);
        // One curl speed floor serves both the idle timeout and the low-speed abort: the stricter wins.
        const low = r.lowSpeed || { bytesPerSecond: 1, windowMs: r.idleTimeoutMs };
        args.push('--speed-limit', String(Math.max(1, Math.floor(low.bytesPerSecond))), '--speed-time', String(Math.max(1, Math.ceil(Math.min(low.windowMs, r.idleTimeoutMs) / 1000))));
        if (r.maxBytesPerSecond && r.maxBytesPerSecond > 0) args.push('--limit-rate', String(Math.floor(r.maxBytesPerSecond)));
        if (r.maxFileSize !== undefined) args.push('--max-filesize', String(Math.max(1, r.maxFileSize - offset)));
        if (r.maxTimeMs !== undefined) args.push('--max-time', (Math.max(1, r.maxTimeMs) / 1000).toFixed(3));
        if (offset > 0) {
          args.push('-C', String(offset));
          if (r.ifRange) args.push('-H', `If-Range: ${r.ifRange}`);
        }
        for (const k of Object.keys(r.headers || {})) args.push('-H', `${k}: ${(r.headers as Record<string, string>)[k]}`);
        args.push('--', r.url);
        let finished = false;
        let told: FetchHead | null = null;
        let hookError: unknown = null;
        let meter: LowSpeedMeter | undefined;
        let slow: TransferError | null = null;
        let stopCurl: () => void = () => undefined;
        const watcher = (async () => {
          // Poll the dumped head and the file size while curl runs (progress, early onResponse, low speed).
          while (!finished) {
            await sleep(Math.min(this.o.pollMs || 100, meter ? meter.pollMs() : 100));
            if (meter && slow === null) {
              const why = meter.check(Date.now());
              if (why !== null) {
                slow = new TransferError('low-speed', why);
                stopCurl();
              }
            }
            if (told === null) {
              const text = readText(head);
              if (text !== null && /\r?\n\r?\n/.test(text) && /^HTTP\/\S+\s+(?!1\d\d)\d{3}/m.test(text)) {
                try {
                  told = parseResponseHead(text, r.url);
                  // The body is measured from the answer on, as on Node (curl's own floor covers the wait for it).
                  if (r.lowSpeed) meter = new LowSpeedMeter(r.lowSpeed, Date.now());
                  await hooks.onResponse(told);
                } catch (e) {
                  hookError = e;
                }
              }
            } else if (hooks.onProgress) hooks.onProgress(fileSize(r.file));
          }
        })();
        const sink = new CappedSink(r.file, offset, r.maxFileSize);
        let res;
        try {
          res = await exec(args, {
            onStdout: (chunk) => {
              if (meter) meter.add(chunk.length);
              return hookError === null && sink.write(chunk);
            },
            onStart: (stop) => (stopCurl = stop),
          });
        } finally {
          sink.close();
        }
        finished = true;
        await watcher;
        const headText = readText(head) || '';
        if (res.code === 33 && offset > 0) {
          offset = 0; // the server ignored the range (If-Range mismatch): start over
          await truncateTo(r.file, 0);
          continue;
        }
        let parsed: FetchHead | null = null;
        if (/^HTTP\//m.test(headText)) parsed = parseResponseHead(headText, r.url);
        if (parsed !== null && told === null) {
          told = parsed;
          try {
            await hooks.onResponse(parsed);
          } catch (e) {
            hookError = e;
          }
        }
        if (hookError !== null) {
          await truncateTo(r.file, offset);
          throw hookError;
        }
        if (parsed === null) throw curlKind(res.code === 0 ? 52 : res.code, res.stderr);
        if (parsed.status !== 200 && parsed.status !== 206) {
          await truncateTo(r.file, offset); // keep the partial object, drop an error page
          return { status: parsed.status, headers: parsed.headers, fileSize: offset };
        }
        if (sink.failure) throw sink.failure;
        if (slow !== null) throw slow;
        if (res.code !== 0) throw curlKind(res.code, res.stderr, true);
        const size = fileSize(r.file);
        if (hooks.onProgress) hooks.onProgress(size);
        return { status: parsed.status, headers: parsed.headers, fileSize: size };
      } finally {
        removeFile(head);
      }
    }
    throw new TransferError('network', `${r.url}: the server would not resume and restarting failed`);
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
    const d = await this.durability;
    const tmp = `${file}.tmp`;
    const data = utf8Encode(text);
    const fd = check('open', tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600));
    try {
      let off = 0;
      while (off < data.length) off += check('write', tmp, os.write(fd, data.buffer as ArrayBuffer, data.byteOffset + off, data.length - off));
      await d.syncFd(fd, tmp);
    } finally {
      os.close(fd);
    }
    check('rename', tmp, os.rename(tmp, file));
    const slash = file.lastIndexOf('/');
    // Makes the sidecar's rename durable (StagingFiles contract, src/update/ports.ts). scripts/mutate-durability lists
    // it as a survivor: test/powercut-qjs-pagecache.test.ts transfers with the Node downloader, whose own directory
    // sync makes the rename durable anyway. On qjs curl writes the staged file and nothing else syncs this directory,
    // so here it is what keeps the validator (the resume point) across a cut.
    await d.syncDir(slash > 0 ? file.substring(0, slash) : '.');
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
