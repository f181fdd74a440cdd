// Resumable package download (docs/update-practice.md §11.6, §14 ask #1): the partial file and a sidecar `<file>.part.json`
// ({url, validator, total, complete}) survive a process restart and a reboot; the next attempt asks for
// `Range: bytes=<size>-` with `If-Range: <ETag|Last-Modified>`, so a changed object on the server restarts from 0
// instead of being spliced. Transport failures are retried with capped, jittered backoff (§11.10); every outcome ends
// in a FUMO result code (docs/protocol.md §5.4) through UpdateError.
// The hash is taken while staging (FetchHooks.onBody): the staged file is read again only to re-hash the prefix a
// resume keeps, never to hash the whole file once it is there; the digest is kept in the sidecar with the "complete"
// marker, so a restart in Verify does not re-read the file either.
// The retry loop (backoff, redirects, deadline) is transfer-loop.ts, shared with the streamed install (stream.ts).
// Bounds (README "Configuration", `download` and `fumo.maxPackageSize`): the file never grows past the descriptor's
// size or the package cap (space.ts; more is 501 and the partial file is removed), and the whole download, retries
// and backoff included, ends by `deadlineMs` (503, OMA-TS-DM_FUMO-V1_0 result codes: "Download fails due to network
// issues").

import { hex } from '../bytes.js';
import type { Downloader, FetchHead, Sha256Hasher, StagingFiles } from '../ports/update.js';
import { UpdateError } from './errors.js';
import { type AnswerHead, type TransferLimits, type TransferOptions, runTransfer } from './transfer-loop.js';
import { downloadBudget } from './space.js';

export interface DownloadProgress {
  received: number;
  total?: number;
}

export interface DownloadOptions extends TransferOptions {
  file: string;
  onProgress?(progress: DownloadProgress): void;
  /** Hash while staging: a fresh hasher per attempt from byte 0 (the resumed prefix is re-read into it once). */
  hasher?: () => Sha256Hasher;
}

/** The options a configuration sets once for every package download (README "Configuration", `download`). */
export type DownloadLimitKey = keyof TransferLimits;

interface Sidecar {
  url: string;
  validator?: string;
  total?: number;
  contentType?: string;
  complete?: boolean;
  /** SHA-256 (hex) of the complete file, taken while it was staged. */
  sha256?: string;
}

export interface DownloadOutcome {
  size: number;
  /** Content-Type of the answer (a descriptor is recognised by it, docs/protocol.md §7.1). */
  contentType?: string;
  /** SHA-256 (hex) taken while staging; absent when no hasher was given (or an older sidecar lacks it). */
  sha256?: string;
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

/** Bytes read per call when a resumed prefix is hashed again. */
const PREFIX_READ = 1 << 20;

/** Feeds the first `length` bytes of `file` into `h` (only on resume: what an earlier run staged). */
async function hashPrefix(files: StagingFiles, file: string, length: number, h: Sha256Hasher): Promise<void> {
  for (let at = 0; at < length; ) {
    const chunk = await files.read(file, at, Math.min(PREFIX_READ, length - at));
    if (chunk.length === 0) throw new UpdateError('local-io', `${file} ended at ${at} of the ${length} bytes to resume after`);
    h.update(chunk);
    at += chunk.length;
  }
}

/** Downloads `url` into `file`, resuming what an earlier run left. */
export async function downloadResumable(dl: Downloader, files: StagingFiles, opts: DownloadOptions): Promise<DownloadOutcome> {
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
  if (side.complete && side.total !== undefined && (await current()) === side.total) return { size: side.total, contentType: side.contentType, sha256: side.sha256 };
  // The bound is fixed before the first request: no request at all for a package that cannot fit (501).
  const limit = await downloadBudget(files, opts.file, { expectedSize: opts.expectedSize, maxSize: opts.maxSize });
  let hasher: Sha256Hasher | null = null;
  const startHash = async (offset: number) => {
    if (!opts.hasher) return;
    hasher = opts.hasher();
    if (offset > 0) await hashPrefix(files, opts.file, offset, hasher);
  };
  return runTransfer<DownloadOutcome>(
    {
      async resumePoint() {
        const s = side as Sidecar;
        return { offset: await current(), validator: s.validator };
      },
      async attempt(request, checkHead) {
        let answer: AnswerHead | null = null;
        const res = await dl.fetchToFile(
          Object.assign({ file: opts.file }, request, opts.sync ? { sync: opts.sync } : {}),
          {
            onResponse: async (head: FetchHead) => {
              answer = await checkHead(head);
              if (answer === null) return;
              // The adapter keeps the prefix on 206 and starts from byte 0 on 200: the hash follows.
              await startHash(head.status === 206 ? request.offset : 0);
              const next: Sidecar = { url: opts.url, total: answer.total };
              if (head.headers['content-type']) next.contentType = head.headers['content-type'];
              if (answer.validator !== undefined) next.validator = answer.validator;
              side = next;
              // Persisted before the first body byte, so a kill during the body can resume with If-Range.
              await files.writeTextAtomic(sidecarName(opts.file), JSON.stringify(next));
            },
            onProgress: (size) => {
              if (opts.onProgress) opts.onProgress({ received: size, total: side ? side.total : undefined });
            },
            onBody: (bytes) => {
              if (hasher) (hasher as Sha256Hasher).update(bytes);
            },
          },
        );
        return { head: res, size: res.fileSize };
      },
      async complete(size) {
        const s = side as Sidecar;
        const h = hasher as Sha256Hasher | null;
        const done: Sidecar = { url: opts.url, validator: s.validator, total: size, contentType: s.contentType, complete: true };
        if (h) done.sha256 = hex(h.digest());
        side = done;
        await files.writeTextAtomic(sidecarName(opts.file), JSON.stringify(done));
        if (opts.onProgress) opts.onProgress({ received: size, total: size });
        return { size, contentType: done.contentType, sha256: done.sha256 };
      },
      async restart() {
        await files.remove(opts.file);
        side = { url: opts.url };
        await files.writeTextAtomic(sidecarName(opts.file), JSON.stringify(side));
      },
      discard: () => discardDownload(files, opts.file),
    },
    opts,
    limit,
  );
}

/** The SHA-256 (hex) taken while `file` was staged, when the sidecar marks it complete at `size` bytes. */
export async function stagedSha256(files: StagingFiles, file: string, size: number): Promise<string | undefined> {
  const side = await readSidecar(files, file);
  return side && side.complete && side.total === size && typeof side.sha256 === 'string' && /^[0-9a-f]{64}$/.test(side.sha256) ? side.sha256 : undefined;
}

/** Removes the staged file and its sidecar. */
export async function discardDownload(files: StagingFiles, file: string): Promise<void> {
  await files.remove(file);
  await files.remove(sidecarName(file));
}
