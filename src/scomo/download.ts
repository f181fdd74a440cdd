// Delivery-package download for SCOMO through the FUMO download pipeline (src/update): the same URL allow-list,
// resume across restarts (partial file + sidecar), capped backoff and typed failures, so a package is fetched exactly
// like a firmware image. Failures carry FUMO codes (UpdateError) and are mapped to SCOMO ones by errors.ts.

import { hex } from '../bytes.js';
import type { Clock, Random } from '../ports/runtime.js';
import { downloadResumable, type DownloadLimitKey, type DownloadOptions } from '../update/download.js';
import type { Downloader, Sha256Hasher, StagingFiles } from '../ports/update.js';
import type { UrlPolicy } from '../update/url-policy.js';
import { nodeNameFor } from './names.js';
import type { PackageDownload } from '../ports/scomo.js';
import type { ProgressSink } from '../ports/progress.js';

export interface ScomoDownloadOptions {
  downloader: Downloader;
  files: StagingFiles;
  /** Hash while staging (absent: the staged file is hashed once it is complete). */
  sha256?: () => Sha256Hasher;
  /** Staging directory (absolute); packages land in `<dir>/scomo-<PkgID>.pkg`. */
  stagingDir: string;
  policy: UrlPolicy;
  clock: Clock;
  random: Random;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  maxBytesPerSecond?: number;
  /**
   * The same bounds as a firmware image (README "Configuration": `download`, `scomo.maxPackageSize`): too big or no
   * space → 501 → SCOMO 1404 "Download failed – device out of memory"; too slow, stalled or past the deadline → 503 →
   * 1402 "Download Failed" (OMA-TS-DM_SCOMO-V1_0 result codes, mapped in errors.ts).
   */
  limits?: Partial<Pick<DownloadOptions, DownloadLimitKey>>;
  /**
   * Where the bytes arriving are reported (src/ports/progress.ts, phase "download"): the same sink and the same
   * events as a firmware download, so an operator sees a package download exactly like an image's (README.md
   * "Progress"); the SCOMO state meanwhile is Download Progressing (OMA-TS-DM_SCOMO-V1_0 Status values).
   */
  progress?: ProgressSink;
}

/** A PackageDownload over src/update's downloadResumable; the file name depends on PkgID so a re-run resumes. */
export function createPackageDownload(o: ScomoDownloadOptions): PackageDownload {
  return async (url, hints) => {
    const file = `${o.stagingDir.replace(/\/+$/, '')}/scomo-${nodeNameFor(hints.pkgId || 'package')}.pkg`;
    const explicit: Partial<DownloadOptions> = {};
    if (o.connectTimeoutMs !== undefined) explicit.connectTimeoutMs = o.connectTimeoutMs;
    if (o.idleTimeoutMs !== undefined) explicit.idleTimeoutMs = o.idleTimeoutMs;
    if (o.maxBytesPerSecond !== undefined) explicit.maxBytesPerSecond = o.maxBytesPerSecond;
    const progress = o.progress;
    if (progress) explicit.onProgress = (p) => progress({ phase: 'download', done: p.received, total: p.total });
    const got = await downloadResumable(
      o.downloader,
      o.files,
      Object.assign({ url, file, policy: o.policy, clock: o.clock, random: o.random, hasher: o.sha256 }, o.limits || {}, explicit),
    );
    // The hash taken while staging; a sidecar from before it was kept there means one read of the file.
    return { path: file, sha256: got.sha256 !== undefined ? got.sha256 : hex(await o.files.sha256(file)) };
  };
}
