// The `download` section of the configuration: how slow, how stalled and how long a package download (FUMO and
// SCOMO alike) may be before it is given up with FUMO 503 "Download fails due to network issues" (OMA-TS-DM_FUMO-V1_0
// result codes; SCOMO 1402 "Download Failed"). Validated here, once, for both runtimes.
//
// ---- README block ------------------------------------------------------------------------------------------------
// ### `download` — package downloads (FUMO and SCOMO)
// ```jsonc
// "download": {
//   "lowSpeedBytesPerSec": 100,   // an attempt slower than this on average ...
//   "lowSpeedSeconds": 120,       // ... for this long is aborted; a stall (no byte at all) counts as slow
//   "retries": 7,                 // further attempts after a failed one (resumed with Range), with capped backoff
//   "deadlineSeconds": 21600,     // the whole download, every retry and backoff included; 0 = none
//   "syncEveryMiB": 32,           // what is written (slot or staging file) is fsynced and a resume point journaled
//   "syncEverySeconds": 2         // ... after this many MiB or this many seconds, whichever first (0 s = by size only)
// }
// ```
// ------------------------------------------------------------------------------------------------------------------
import { ConfigError } from '../config.js';
import { DEFAULT_BACKOFF } from '../backoff.js';
import type { DownloadLimitKey, DownloadOptions } from './download.js';

export interface DownloadConfig {
  lowSpeedBytesPerSec: number;
  lowSpeedSeconds: number;
  retries: number;
  deadlineSeconds: number;
  syncEveryMiB: number;
  syncEverySeconds: number;
}

/**
 * 100 B/s over 2 min: a cellular gateway in a bad cell still moves far more, a server that has stopped sending does
 * not; 6 h: an image of a few hundred MB fits many times over on a slow link, and a job never stays open for days.
 */
/**
 * Sync cadence (docs/update-practice.md §10 step 3): a power cut costs at most 32 MiB or 2 s of re-download, and the
 * fsyncs and journal writes stay few (eight for a 256 MiB image) so the write runs at the medium's speed.
 */
export const DOWNLOAD_DEFAULTS: DownloadConfig = {
  lowSpeedBytesPerSec: 100,
  lowSpeedSeconds: 120,
  retries: 7,
  deadlineSeconds: 6 * 3600,
  syncEveryMiB: 32,
  syncEverySeconds: 2,
};

const KEYS = ['lowSpeedBytesPerSec', 'lowSpeedSeconds', 'retries', 'deadlineSeconds', 'syncEveryMiB', 'syncEverySeconds', '$comment'];

function int(o: Record<string, unknown>, k: keyof DownloadConfig, min: number, max: number): number {
  const v = o[k];
  if (v === undefined) return DOWNLOAD_DEFAULTS[k];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ConfigError(`download.${k}`, `must be an integer, got ${JSON.stringify(v)}`);
  if (v < min || v > max) throw new ConfigError(`download.${k}`, `must be between ${min} and ${max}, got ${v}`);
  return v;
}

export function parseDownloadConfig(o: Record<string, unknown>): DownloadConfig {
  for (const k of Object.keys(o)) if (KEYS.indexOf(k) < 0) throw new ConfigError(`download.${k}`, `unknown key (allowed: ${KEYS.join(', ')})`);
  return {
    lowSpeedBytesPerSec: int(o, 'lowSpeedBytesPerSec', 1, 1 << 30),
    lowSpeedSeconds: int(o, 'lowSpeedSeconds', 1, 86400),
    retries: int(o, 'retries', 0, 1000),
    deadlineSeconds: int(o, 'deadlineSeconds', 0, 30 * 86400),
    syncEveryMiB: int(o, 'syncEveryMiB', 1, 4096),
    syncEverySeconds: int(o, 'syncEverySeconds', 0, 3600),
  };
}

/** The download options a DownloadConfig stands for. */
export function downloadLimits(c: DownloadConfig): Partial<Pick<DownloadOptions, DownloadLimitKey>> {
  const windowMs = c.lowSpeedSeconds * 1000;
  const out: Partial<Pick<DownloadOptions, DownloadLimitKey>> = {
    lowSpeed: { bytesPerSecond: c.lowSpeedBytesPerSec, windowMs },
    // One knob for slow and stalled: no byte for the low-speed window is the slowest transfer there is.
    idleTimeoutMs: windowMs,
    backoff: Object.assign({}, DEFAULT_BACKOFF, { maxAttempts: c.retries + 1 }),
    // 0 s = by size only: a time that never comes.
    sync: { bytes: c.syncEveryMiB * (1 << 20), ms: c.syncEverySeconds > 0 ? c.syncEverySeconds * 1000 : Number.MAX_SAFE_INTEGER },
  };
  if (c.deadlineSeconds > 0) out.deadlineMs = c.deadlineSeconds * 1000;
  return out;
}
