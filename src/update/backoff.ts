// Capped exponential backoff with full jitter (docs/update-practice.md §11.10: bounded retries, always reach a final report).
// Randomness comes from the Random port so tests are deterministic.

import type { Random } from '../ports';

export interface BackoffPolicy {
  /** First delay before jitter, ms. */
  baseMs: number;
  /** Upper bound of any delay, ms. */
  maxMs: number;
  /** Attempts in total (first try included) before giving up. */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 60000, maxAttempts: 8 };

/** Delay before retry number `retry` (1 = first retry): uniform in [cap/2, cap], cap = min(maxMs, base·2^(retry-1)). */
export function backoffDelay(policy: BackoffPolicy, retry: number, random: Random): number {
  const exp = Math.min(30, Math.max(0, retry - 1));
  const cap = Math.min(policy.maxMs, policy.baseMs * Math.pow(2, exp));
  const r = random.bytes(2);
  const unit = ((r[0] << 8) | r[1]) / 65535;
  return Math.round(cap / 2 + (cap / 2) * unit);
}
