// One package GET as a `curl` run, shared by both ways the QuickJS downloader hands a body on (download.ts: into the
// staging file, fetchToFile; chunk by chunk to the core, fetch). QuickJS has no sockets, so curl does the HTTP:
//   head        `-D <file>`: curl writes the answer's head there before the first body byte reaches stdout, so it is
//               read at the first body chunk (and at each watcher tick while the body is slow to come), and
//               onResponse runs once, before any body byte is handed on
//   body        `-o -`: read from the pipe by files.ts exec into one reused buffer; the consumer may pause the pipe
//   timeouts    --connect-timeout; idle-read and low-speed abort via --speed-limit/--speed-time (curl LOW_SPEED_*),
//               plus the clock-based LowSpeedMeter (src/update/low-speed.ts) checked at each tick; what is left of
//               the download deadline via --max-time
//   bandwidth   --limit-rate
// The watcher tick is a timer cleared the moment curl exits: the transfer returns as soon as curl has exited and was
// reaped, never a poll interval later. Exit codes map to TransferError kinds (curl(1) EXIT CODES).

import * as os from 'os';
import type { FetchHead, FetchRequest } from '../../src/ports/update.js';
import { TransferError, type TransferFailure } from '../../src/update/errors.js';
import { LowSpeedMeter } from '../../src/update/low-speed.js';
import { exec, readText, type ExecResult } from './files.js';
import { parseResponseHead } from './transport.js';

const KIND: Record<number, TransferFailure> = {
  5: 'connect', 6: 'connect', 7: 'connect', 35: 'connect', 51: 'connect', 58: 'connect', 60: 'connect', 77: 'connect', 90: 'connect',
  28: 'timeout', 18: 'network', 52: 'network', 55: 'network', 56: 'network', 92: 'network', 16: 'network', 8: 'network',
  63: 'too-large', 23: 'io',
};

/** `answered`: the server's head had arrived, so a curl speed-limit abort is a slow or stalled body (as on Node). */
export function curlKind(code: number, stderr: string, answered = false): TransferError {
  let kind: TransferFailure = KIND[code] || 'network';
  if (code === 23 && /no space/i.test(stderr)) kind = 'no-space';
  if (code === 28 && answered && /too slow/i.test(stderr)) kind = 'low-speed';
  return new TransferError(kind, `curl exit ${code}: ${stderr.trim().slice(0, 200)}`);
}

/**
 * The curl options of a package GET after `base` (program, -sS, CA): head to `headFile`, body to stdout, and the
 * request's limits. `resume`: '-C' lets curl send the Range and fail with exit 33 on a 200 (the staging file must not
 * get a whole object appended); 'header' sends `Range: bytes=<offset>-` itself, so a 200 arrives as a 200 (the
 * streamed GET tells the caller, who starts over).
 */
export function curlGetArgs(base: string[], r: FetchRequest, offset: number, headFile: string, resume: '-C' | 'header'): string[] {
  const args = base.concat(['-D', headFile, '-o', '-', '--connect-timeout', String(Math.max(1, Math.ceil(r.connectTimeoutMs / 1000)))]);
  // One curl speed floor serves both the idle timeout and the low-speed abort: the stricter wins.
  const low = r.lowSpeed || { bytesPerSecond: 1, windowMs: r.idleTimeoutMs };
  args.push('--speed-limit', String(Math.max(1, Math.floor(low.bytesPerSecond))), '--speed-time', String(Math.max(1, Math.ceil(Math.min(low.windowMs, r.idleTimeoutMs) / 1000))));
  if (r.maxBytesPerSecond && r.maxBytesPerSecond > 0) args.push('--limit-rate', String(Math.floor(r.maxBytesPerSecond)));
  // An announced Content-Length past the cap is refused before any byte (exit 63); the exact bound, also for a body
  // without one, is the consumer's. With a header Range a 200 may be the whole object: only the whole cap applies.
  if (r.maxFileSize !== undefined) args.push('--max-filesize', String(Math.max(1, resume === '-C' ? r.maxFileSize - offset : r.maxFileSize)));
  if (r.maxTimeMs !== undefined) args.push('--max-time', (Math.max(1, r.maxTimeMs) / 1000).toFixed(3));
  if (offset > 0) {
    if (resume === '-C') args.push('-C', String(offset));
    else args.push('-H', `Range: bytes=${offset}-`);
    if (r.ifRange) args.push('-H', `If-Range: ${r.ifRange}`);
  }
  for (const k of Object.keys(r.headers || {})) args.push('-H', `${k}: ${(r.headers as Record<string, string>)[k]}`);
  args.push('--', r.url);
  return args;
}

export interface CurlRunOptions {
  url: string;
  headFile: string;
  /** The request's clock-based low-speed floor, measured from the answer on. */
  lowSpeed?: { bytesPerSecond: number; windowMs: number };
  /** Watcher tick: the head while the body is slow, progress, the low-speed meter (ms). */
  pollMs: number;
  /** The caller's onResponse plus what its consumer does once the head is handled (a 2xx opens the file ...). */
  onHead(head: FetchHead): Promise<void>;
  /** The head was refused (onResponse threw, or it could not be read): nothing of the body may be handed on. */
  onRefused(): void;
  onTick?(): void;
  /** Read size of the body pipe (one buffer, reused). */
  chunkBytes?: number;
}

/** One curl run: the head handled once, the body to `onChunk` (false stops curl, a promise pauses the pipe). */
export class CurlRun {
  /** The head handed to onHead, once it was. */
  told: FetchHead | null = null;
  /** What stopped the transfer from this side (onResponse or the consumer threw). */
  hookError: unknown = null;
  slow: TransferError | null = null;
  private responding: Promise<void> | null = null;
  private meter: LowSpeedMeter | undefined;
  private stopCurl: () => void = () => undefined;
  constructor(private readonly o: CurlRunOptions) {}

  /** onHead once; every later call gets the same promise. */
  respond(h: FetchHead): Promise<void> {
    if (this.responding === null) {
      this.told = h;
      // The body is measured from the answer on, as on Node (curl's own floor covers the wait for it).
      if (this.o.lowSpeed) this.meter = new LowSpeedMeter(this.o.lowSpeed, Date.now());
      this.responding = this.o.onHead(h).catch((e) => this.fail(e));
    }
    return this.responding;
  }

  /** Stops the transfer with `e` (rethrown by verdict()); nothing more is handed on. */
  fail(e: unknown): void {
    if (this.hookError === null) this.hookError = e;
    this.o.onRefused();
    this.stopCurl();
  }

  /** The head, once curl has written all of it (a final, non-1xx status), else null. */
  private headOf(): FetchHead | null {
    const text = readText(this.o.headFile);
    return text !== null && /\r?\n\r?\n/.test(text) && /^HTTP\/\S+\s+(?!1\d\d)\d{3}/m.test(text) ? parseResponseHead(text, this.o.url) : null;
  }

  /** At a body chunk: is the head handled? Starts onHead at the first chunk (curl has flushed the head by then). */
  seeHead(): Promise<void> | null {
    if (this.told === null) {
      try {
        const h = this.headOf();
        if (h !== null) void this.respond(h);
      } catch (e) {
        this.fail(e);
      }
    }
    return this.responding;
  }

  /**
   * At a body chunk of a consumer that must not see it before the head is handled: the handled head. curl flushes
   * the `-D` file after every header line, so the head is there at the first body byte; should it not be yet, it is
   * looked for again for up to a second before the answer is refused.
   */
  async awaitHead(): Promise<void> {
    for (let i = 0; this.seeHead() === null && this.hookError === null; i++) {
      if (i === 100) {
        this.fail(new TransferError('network', `${this.o.url}: body bytes came without a readable answer head`));
        return;
      }
      await new Promise<void>((r) => os.setTimeout(r, 10));
    }
    await this.responding;
  }

  async run(args: string[], onChunk: (chunk: Uint8Array) => boolean | Promise<boolean>): Promise<{ res: ExecResult; head: FetchHead | null }> {
    let finished = false;
    let timer: unknown = null;
    // A throwing tick (onProgress) ends the ticking and is thrown once curl has exited, before anything else.
    let tickError: { e: unknown } | null = null;
    const tick = () => {
      timer = null;
      if (finished) return;
      try {
        if (this.meter && this.slow === null) {
          const why = this.meter.check(Date.now());
          if (why !== null) {
            this.slow = new TransferError('low-speed', why);
            this.stopCurl();
          }
        }
        if (this.told === null) this.seeHead();
        else if (this.o.onTick) this.o.onTick();
      } catch (e) {
        tickError = { e };
        return;
      }
      arm();
    };
    const arm = () => {
      if (!finished) timer = os.setTimeout(tick, Math.min(this.o.pollMs, this.meter ? this.meter.pollMs() : this.o.pollMs));
    };
    arm();
    let res: ExecResult;
    try {
      res = await exec(args, {
        stdoutChunkBytes: this.o.chunkBytes,
        onStdout: (chunk) => {
          if (this.meter) this.meter.add(chunk.length);
          if (this.hookError !== null) return false;
          this.seeHead();
          if (this.hookError !== null) return false;
          return onChunk(chunk);
        },
        onStart: (stop) => (this.stopCurl = stop),
      });
    } finally {
      // curl has exited: no tick is left waiting, so the transfer returns now, not at the next poll.
      finished = true;
      if (timer !== null) os.clearTimeout(timer);
    }
    if (tickError !== null) throw (tickError as { e: unknown }).e;
    const headText = readText(this.o.headFile) || '';
    let head: FetchHead | null = null;
    try {
      if (/^HTTP\//m.test(headText)) head = parseResponseHead(headText, this.o.url);
    } catch (e) {
      this.fail(e);
    }
    return { res, head };
  }

  /** The head handed on (for an answer without a body byte, handed on now) and handled. */
  async answered(head: FetchHead | null): Promise<void> {
    if (head !== null && this.hookError === null) await this.respond(this.told || head);
    else if (this.responding !== null) await this.responding;
  }

  /**
   * How the transfer ended: the head of any status (a non-2xx is returned, not thrown), else the first failure in
   * order: this side's error, no answer at all, the consumer's refusal (`failure`, e.g. too-large), low speed, curl.
   */
  verdict(res: ExecResult, head: FetchHead | null, failure: TransferError | null): FetchHead {
    if (this.hookError !== null) throw this.hookError;
    if (head === null) throw curlKind(res.code === 0 ? 52 : res.code, res.stderr);
    if (head.status !== 200 && head.status !== 206) return head;
    if (failure) throw failure;
    if (this.slow !== null) throw this.slow;
    if (res.code !== 0) throw curlKind(res.code, res.stderr, true);
    return head;
  }
}
