// Capped exponential backoff with jitter, the one wait of every retry loop of the agent: DM requests (src/agent) and
// package downloads (src/update). docs/update-practice.md §11.10: cap every retry loop, spread a fleet's retries so
// that a server outage does not end in a thundering herd, always reach a final report. Randomness comes from the
// Random port so tests are deterministic.

import type { Random } from './ports/runtime.js';

export interface BackoffPolicy {
  /** First delay before jitter, ms. */
  baseMs: number;
  /** Upper bound of any delay, ms. */
  maxMs: number;
  /** Attempts in total (first try included) before giving up. */
  maxAttempts: number;
}

/** The package download's policy when its configuration names none (src/update/download-config.ts). */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 60000, maxAttempts: 8 };

/** Delay before retry number `retry` (1 = first retry): uniform in [cap/2, cap], cap = min(maxMs, base·2^(retry-1)). */
export function backoffDelay(policy: Pick<BackoffPolicy, 'baseMs' | 'maxMs'>, retry: number, random: Random): number {
  const exp = Math.min(30, Math.max(0, retry - 1));
  const cap = Math.min(policy.maxMs, policy.baseMs * Math.pow(2, exp));
  const r = random.bytes(2);
  const unit = ((r[0] << 8) | r[1]) / 65535;
  return Math.round(cap / 2 + (cap / 2) * unit);
}
