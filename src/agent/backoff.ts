// Capped exponential backoff with jitter (a random wait between half and all of the ceiling): every retry loop of the agent waits this long (docs/update-practice.md: cap every
// retry loop, spread a fleet's retries so that a server outage does not end in a thundering herd).
import type { Random } from '../ports.js';

export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: Random): number {
  const ceiling = Math.min(maxMs, baseMs * Math.pow(2, Math.max(0, attempt - 1)));
  const b = random.bytes(4);
  const r = ((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3];
  return Math.floor((ceiling / 2) * (1 + r / 0xffffffff));
}
