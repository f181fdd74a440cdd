// The retry loop every package GET runs, whether its body goes to a staging file (download.ts) or straight into the
// inactive slot (stream.ts): the URL policy before any request, resume offsets with If-Range, checks on the answer's
// head before any body byte is kept, redirects re-checked against the policy, transport failures retried with capped,
// jittered backoff (docs/update-practice.md §11.10), and the download deadline over all of it (503,
// OMA-TS-DM_FUMO-V1_0 result codes: "Download fails due to network issues"). The two callers differ only in where the
// bytes go and how a resume point is kept: that is the Destination below.

import type { Clock, Random } from '../ports/runtime.js';
import type { FetchHead, FetchRequest, SyncCadence } from '../ports/update.js';
import { BackoffPolicy, DEFAULT_BACKOFF, backoffDelay } from '../backoff.js';
import { TransferError, UpdateError, type UpdateFailure, failureForHttpStatus, failureForTransfer } from './errors.js';
import { UrlPolicy, checkPackageUrl, resolveUrl } from './url-policy.js';
import { InstallNotify } from './install-notify.js';

/** The options a configuration sets once for every package download (README "Configuration", `download`). */
export interface TransferLimits {
  backoff?: BackoffPolicy;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  lowSpeed?: { bytesPerSecond: number; windowMs: number };
  maxBytesPerSecond?: number;
  /** Cap for an object of unknown size (package cap). */
  maxSize?: number;
  /** The whole download, every retry and backoff included, ends after this long (503). Absent: no deadline. */
  deadlineMs?: number;
  /** fsync (and checkpoint) cadence of what the download writes (download.syncEveryMiB / syncEverySeconds). */
  sync?: SyncCadence;
}

export interface TransferOptions extends TransferLimits {
  url: string;
  /** Size announced by the descriptor; a different Content-Length fails with 402 before any byte is kept. */
  expectedSize?: number;
  policy: UrlPolicy;
  clock: Clock;
  random: Random;
  maxRedirects?: number;
  /** Called after every attempt that ended in a retryable failure (for logs and tests). */
  onRetry?(attempt: number, reason: string, delayMs: number): void;
}

/** What one attempt's caller learnt from the answer's head (after the loop's own checks). */
export interface AnswerHead extends FetchHead {
  /** Size of the whole object, from Content-Range or Content-Length, when the server said. */
  total?: number;
  /** Strong validator for a later If-Range (RFC 9110 §13.1.5: never a weak ETag). */
  validator?: string;
}

/** Where the bytes go: a staging file or a slot. */
export interface Destination<T> {
  /** Where the next attempt starts, and the validator that vouches for the bytes before it (none: start at 0). */
  resumePoint(): Promise<{ offset: number; validator?: string }>;
  /**
   * One GET through the downloader. It must call `checkHead` from its onResponse, before any body byte is kept;
   * returns the status, headers and the object size reached (offset + body).
   */
  attempt(request: FetchRequest, checkHead: (head: FetchHead) => Promise<AnswerHead | null>): Promise<{ head: FetchHead; size: number }>;
  /** A 200/206 answer whose body ended at `size` (= its total when one was announced): finish and return the result. */
  complete(size: number): Promise<T>;
  /** 416: our offset is past the object's end (it changed, or our bytes are stale): forget the resume point. */
  restart(): Promise<void>;
  /** Too large or no space: drop what was kept, so nothing stays full. */
  discard(): Promise<void>;
}

const REDIRECT = [301, 302, 303, 307, 308];

/** Strong validator for If-Range (RFC 9110 §13.1.5: weak ETags must not be used). */
function validatorOf(headers: Record<string, string>): string | undefined {
  const etag = headers['etag'];
  if (etag && etag.indexOf('W/') !== 0) return etag;
  const lm = headers['last-modified'];
  return lm ? lm : undefined;
}

/** Total object size from Content-Range (`bytes 100-199/1000`) or Content-Length. */
function totalOf(head: FetchHead, offset: number): number | undefined {
  if (head.status === 206) {
    const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec((head.headers['content-range'] || '').trim());
    if (m && m[3] !== '*') return Number(m[3]);
    const len = head.headers['content-length'];
    return len !== undefined ? offset + Number(len) : undefined;
  }
  const len = head.headers['content-length'];
  return len !== undefined && /^\d+$/.test(len) ? Number(len) : undefined;
}

/** Runs attempts into `dest` until one completes, a failure is final, the retries are spent or the deadline passed. */
export async function runTransfer<T>(dest: Destination<T>, opts: TransferOptions, limit: number | undefined): Promise<T> {
  checkPackageUrl(opts.url, opts.policy); // 411 before any request
  const backoff = opts.backoff || DEFAULT_BACKOFF;
  const deadline = opts.deadlineMs !== undefined && opts.deadlineMs > 0 ? opts.clock.now() + opts.deadlineMs : undefined;
  const pastDeadline = (attempts: number, reason: string) =>
    new UpdateError(
      'network',
      `download deadline of ${Math.round((opts.deadlineMs || 0) / 1000)} s passed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`,
      InstallNotify.LossOfService,
    );

  let url = opts.url;
  let redirects = 0;
  let attempt = 0;
  let lastFailure: { kind: UpdateFailure; reason: string } = { kind: 'network', reason: 'no attempt' };
  for (;;) {
    if (deadline !== undefined && opts.clock.now() >= deadline) throw pastDeadline(attempt, lastFailure.reason);
    attempt++;
    // Resume only with a validator: without one we cannot prove the bytes kept belong to the same object.
    const at = await dest.resumePoint();
    const offset = at.validator !== undefined && at.offset > 0 ? at.offset : 0;
    let total: number | undefined;
    const checkHead = async (head: FetchHead): Promise<AnswerHead | null> => {
      if (head.status === 206) {
        const m = /^bytes\s+(\d+)-/i.exec(head.headers['content-range'] || '');
        if (!m || Number(m[1]) !== offset) throw new TransferError('network', `server resumed at ${m ? m[1] : '?'} instead of ${offset}`);
      }
      if (head.status !== 200 && head.status !== 206) return null;
      total = totalOf(head, offset);
      if (opts.expectedSize !== undefined && total !== undefined && total !== opts.expectedSize)
        throw new UpdateError('corrupt', `server offers ${total} bytes, the descriptor announced ${opts.expectedSize}`, InstallNotify.AttributeMismatch);
      if (opts.expectedSize === undefined && limit !== undefined && total !== undefined && total > limit)
        throw new UpdateError('too-large', `server offers ${total} bytes, more than the ${limit} this package may take`, InstallNotify.InsufficientMemory);
      const out: AnswerHead = { status: head.status, headers: head.headers };
      if (total !== undefined) out.total = total;
      const v = validatorOf(head.headers);
      if (v !== undefined) out.validator = v;
      return out;
    };
    try {
      const { head, size } = await dest.attempt(
        {
          url,
          offset,
          ifRange: offset > 0 ? at.validator : undefined,
          connectTimeoutMs: opts.connectTimeoutMs || 15000,
          idleTimeoutMs: opts.idleTimeoutMs || 30000,
          lowSpeed: opts.lowSpeed,
          maxBytesPerSecond: opts.maxBytesPerSecond,
          maxFileSize: limit,
          maxTimeMs: deadline !== undefined ? Math.max(1, deadline - opts.clock.now()) : undefined,
        },
        checkHead,
      );
      const status = head.status;
      if (status === 200 || status === 206) {
        if (total !== undefined && size !== total) lastFailure = { kind: 'network', reason: `transfer ended at ${size} of ${total} bytes` };
        else return await dest.complete(size);
      } else if (REDIRECT.indexOf(status) >= 0 && head.headers['location']) {
        if (++redirects > (opts.maxRedirects === undefined ? 5 : opts.maxRedirects))
          throw new UpdateError('bad-url', `too many redirects from ${opts.url}`, InstallNotify.LoaderError);
        url = resolveUrl(url, head.headers['location']);
        checkPackageUrl(url, opts.policy); // a redirect must not lead off the allow-list
        attempt--; // a redirect is not a failed attempt
        continue;
      } else if (status === 416) {
        await dest.restart();
        lastFailure = { kind: 'server-error', reason: 'range not satisfiable' };
      } else if (status >= 500 || status === 408 || status === 429) {
        lastFailure = { kind: failureForHttpStatus(status), reason: `HTTP ${status}` };
      } else {
        throw new UpdateError(failureForHttpStatus(status), `package GET ${url} answered HTTP ${status}`, InstallNotify.LoaderError);
      }
    } catch (e) {
      if (e instanceof UpdateError && (e.kind === 'no-space' || e.kind === 'too-large')) {
        await dest.discard();
        throw e;
      }
      if (!(e instanceof TransferError)) throw e;
      if (e.kind === 'no-space' || e.kind === 'too-large') {
        // Too big or the disk is full: drop what was written, so the staging file system is not left full.
        await dest.discard();
        throw new UpdateError(failureForTransfer(e.kind), `download failed: ${e.message}`, InstallNotify.InsufficientMemory);
      }
      if (e.kind === 'io') throw new UpdateError(failureForTransfer(e.kind), `download failed: ${e.message}`, InstallNotify.LoaderError);
      lastFailure = { kind: failureForTransfer(e.kind), reason: `${e.kind}: ${e.message}` };
    }
    if (attempt >= backoff.maxAttempts)
      throw new UpdateError(lastFailure.kind, `download gave up after ${attempt} attempts: ${lastFailure.reason}`, InstallNotify.LossOfService);
    let delay = backoffDelay(backoff, attempt, opts.random);
    // Retries and backoff count against the deadline: a backoff that would end past it ends at it, and the check at
    // the top of the loop gives up there (the report comes at the deadline, not before or long after).
    if (deadline !== undefined) delay = Math.max(0, Math.min(delay, deadline - opts.clock.now()));
    if (opts.onRetry) opts.onRetry(attempt, lastFailure.reason, delay);
    await opts.clock.sleep(delay);
  }
}
