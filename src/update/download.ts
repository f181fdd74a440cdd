// Resumable package download (docs/update-practice.md §11.6, §14 ask #1): the partial file and a sidecar `<file>.part.json`
// ({url, validator, total, complete}) survive a process restart and a reboot; the next attempt asks for
// `Range: bytes=<size>-` with `If-Range: <ETag|Last-Modified>`, so a changed object on the server restarts from 0
// instead of being spliced. Transport failures are retried with capped, jittered backoff (§11.10); every outcome ends
// in a FUMO result code (docs/protocol.md §5.4) through UpdateError.
// Bounds (README "Configuration", `download` and `fumo.maxPackageSize`): the file never grows past the descriptor's
// size or the package cap (space.ts; more is 501 and the partial file is removed), and the whole download, retries
// and backoff included, ends by `deadlineMs` (503, OMA-TS-DM_FUMO-V1_0 result codes: "Download fails due to network
// issues").

import type { Clock, Random } from '../ports/runtime.js';
import { BackoffPolicy, DEFAULT_BACKOFF, backoffDelay } from '../backoff.js';
import { TransferError, UpdateError, type UpdateFailure, failureForHttpStatus, failureForTransfer } from './errors.js';
import type { Downloader, FetchHead, StagingFiles } from '../ports/update.js';
import { UrlPolicy, checkPackageUrl, resolveUrl } from './url-policy.js';
import { InstallNotify } from './install-notify.js';
import { downloadBudget } from './space.js';

export interface DownloadProgress {
  received: number;
  total?: number;
}

export interface DownloadOptions {
  url: string;
  file: string;
  /** Size announced by the descriptor; a different Content-Length fails with 402 before any byte is written. */
  expectedSize?: number;
  /** Cap for an object of unknown size (package cap); absent: the free space of the staging file system. */
  maxSize?: number;
  /** The whole download, every retry and backoff included, ends after this long (503). Absent: no deadline. */
  deadlineMs?: number;
  policy: UrlPolicy;
  clock: Clock;
  random: Random;
  backoff?: BackoffPolicy;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  lowSpeed?: { bytesPerSecond: number; windowMs: number };
  maxBytesPerSecond?: number;
  maxRedirects?: number;
  onProgress?(progress: DownloadProgress): void;
  /** Called after every attempt that ended in a retryable failure (for logs and tests). */
  onRetry?(attempt: number, reason: string, delayMs: number): void;
}

/** The options a configuration sets once for every package download (README "Configuration", `download`). */
export type DownloadLimitKey = 'backoff' | 'connectTimeoutMs' | 'idleTimeoutMs' | 'lowSpeed' | 'maxBytesPerSecond' | 'maxSize' | 'deadlineMs';

interface Sidecar {
  url: string;
  validator?: string;
  total?: number;
  contentType?: string;
  complete?: boolean;
}

export interface DownloadOutcome {
  size: number;
  /** Content-Type of the answer (a descriptor is recognised by it, docs/protocol.md §7.1). */
  contentType?: string;
}

export function sidecarName(file: string): string {
  return file + '.part.json';
}

async function readSidecar(files: StagingFiles, file: string): Promise<Sidecar | null> {
  const text = await files.readText(sidecarName(file));
  if (text === null) return null;
  try {
    const o = JSON.parse(text) as Sidecar;
    return o && typeof o.url === 'string' ? o : null;
  } catch (e) {
    return null; // a torn sidecar cannot happen with atomic writes, but a hand-edited one must not wedge us
  }
}

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

const REDIRECT = [301, 302, 303, 307, 308];

/** Downloads `url` into `file`, resuming what an earlier run left. */
export async function downloadResumable(dl: Downloader, files: StagingFiles, opts: DownloadOptions): Promise<DownloadOutcome> {
  checkPackageUrl(opts.url, opts.policy); // 411 before any request
  const backoff = opts.backoff || DEFAULT_BACKOFF;
  let side = await readSidecar(files, opts.file);
  if (!side || side.url !== opts.url) {
    // A different URL (or no sidecar): whatever is in `file` is not ours to resume.
    await files.remove(opts.file);
    side = { url: opts.url };
    await files.writeTextAtomic(sidecarName(opts.file), JSON.stringify(side));
  }
  const current = async () => {
    const s = await files.size(opts.file);
    return s === null ? 0 : s;
  };
  if (side.complete && side.total !== undefined && (await current()) === side.total) return { size: side.total, contentType: side.contentType };
  // The bound is fixed before the first request: no request at all for a package that cannot fit (501).
  const limit = await downloadBudget(files, opts.file, { expectedSize: opts.expectedSize, maxSize: opts.maxSize });
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
    // Resume only with a validator: without one we cannot prove the bytes on disk belong to the same object.
    const have = await current();
    const offset = side.validator !== undefined && have > 0 ? have : 0;
    const sideNow: Sidecar = side;
    let status = 0;
    try {
      const res = await dl.fetchToFile(
        {
          url,
          file: opts.file,
          offset,
          ifRange: offset > 0 ? sideNow.validator : undefined,
          connectTimeoutMs: opts.connectTimeoutMs || 15000,
          idleTimeoutMs: opts.idleTimeoutMs || 30000,
          lowSpeed: opts.lowSpeed,
          maxBytesPerSecond: opts.maxBytesPerSecond,
          maxFileSize: limit,
          maxTimeMs: deadline !== undefined ? Math.max(1, deadline - opts.clock.now()) : undefined,
        },
        {
          onResponse: async (head) => {
            if (head.status === 206) {
              const m = /^bytes\s+(\d+)-/i.exec(head.headers['content-range'] || '');
              if (!m || Number(m[1]) !== offset)
                throw new TransferError('network', `server resumed at ${m ? m[1] : '?'} instead of ${offset}`);
            }
            if (head.status !== 200 && head.status !== 206) return;
            const total = totalOf(head, offset);
            if (opts.expectedSize !== undefined && total !== undefined && total !== opts.expectedSize)
              throw new UpdateError(
                'corrupt',
                `server offers ${total} bytes, the descriptor announced ${opts.expectedSize}`,
                InstallNotify.AttributeMismatch,
              );
            if (opts.expectedSize === undefined && limit !== undefined && total !== undefined && total > limit)
              throw new UpdateError(
                'too-large',
                `server offers ${total} bytes, more than the ${limit} this package may take`,
                InstallNotify.InsufficientMemory,
              );
            const next: Sidecar = { url: opts.url, total };
            if (head.headers['content-type']) next.contentType = head.headers['content-type'];
            const v = validatorOf(head.headers);
            if (v !== undefined) next.validator = v;
            side = next;
            // Persisted before the first body byte, so a kill during the body can resume with If-Range.
            await files.writeTextAtomic(sidecarName(opts.file), JSON.stringify(next));
          },
          onProgress: (size) => {
            if (opts.onProgress) opts.onProgress({ received: size, total: side ? side.total : undefined });
          },
        },
      );
      status = res.status;
      if (status === 200 || status === 206) {
        const total = side.total;
        if (total !== undefined && res.fileSize !== total) {
          lastFailure = { kind: 'network', reason: `transfer ended at ${res.fileSize} of ${total} bytes` };
        } else {
          side = { url: opts.url, validator: side.validator, total: res.fileSize, contentType: side.contentType, complete: true };
          await files.writeTextAtomic(sidecarName(opts.file), JSON.stringify(side));
          if (opts.onProgress) opts.onProgress({ received: res.fileSize, total: res.fileSize });
          return { size: res.fileSize, contentType: side.contentType };
        }
      } else if (REDIRECT.indexOf(status) >= 0 && res.headers['location']) {
        if (++redirects > (opts.maxRedirects === undefined ? 5 : opts.maxRedirects))
          throw new UpdateError('bad-url', `too many redirects from ${opts.url}`, InstallNotify.LoaderError);
        url = resolveUrl(url, res.headers['location']);
        checkPackageUrl(url, opts.policy); // a redirect must not lead off the allow-list
        attempt--; // a redirect is not a failed attempt
        continue;
      } else if (status === 416) {
        // Our offset is past the object's end: the object changed or our bytes are stale. Start over.
        await files.remove(opts.file);
        side = { url: opts.url };
        await files.writeTextAtomic(sidecarName(opts.file), JSON.stringify(side));
        lastFailure = { kind: 'server-error', reason: 'range not satisfiable' };
      } else if (status >= 500 || status === 408 || status === 429) {
        lastFailure = { kind: failureForHttpStatus(status), reason: `HTTP ${status}` };
      } else {
        throw new UpdateError(failureForHttpStatus(status), `package GET ${url} answered HTTP ${status}`, InstallNotify.LoaderError);
      }
    } catch (e) {
      if (e instanceof UpdateError && (e.kind === 'no-space' || e.kind === 'too-large')) {
        await discardDownload(files, opts.file);
        throw e;
      }
      if (!(e instanceof TransferError)) throw e;
      if (e.kind === 'no-space' || e.kind === 'too-large') {
        // Too big or the disk is full: drop what was written, so the staging file system is not left full.
        await discardDownload(files, opts.file);
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

/** Removes the staged file and its sidecar. */
export async function discardDownload(files: StagingFiles, file: string): Promise<void> {
  await files.remove(file);
  await files.remove(sidecarName(file));
}
