// The same notification often arrives more than once: servers resend package 0 when no session follows quickly, an
// SMS gateway may deliver twice, and a server may push by UDP and SMS at once. Within a window, a second copy (same
// digest and session id) is ignored (project issue 11). The table is bounded so a flood cannot grow it.
import { hex } from '../bytes.js';

export const DEFAULT_DEDUP_WINDOW_MS = 5 * 60 * 1000;

export class DedupWindow {
  /** key -> time first seen; Map keeps insertion order, so the oldest entry is first. */
  private readonly seenAt = new Map<string, number>();

  constructor(
    readonly windowMs = DEFAULT_DEDUP_WINDOW_MS,
    readonly maxEntries = 256,
  ) {
    if (!(windowMs >= 0)) throw new RangeError(`dedup window ${windowMs} ms must be >= 0`);
    if (!(maxEntries >= 1)) throw new RangeError(`dedup table size ${maxEntries} must be >= 1`);
  }

  static key(digest: Uint8Array, sessionId: number): string {
    return `${hex(digest)}:${sessionId}`;
  }

  /** True when the key was recorded less than windowMs before `now`. Does not record. */
  isDuplicate(key: string, now: number): boolean {
    this.prune(now);
    const at = this.seenAt.get(key);
    return at !== undefined && now - at < this.windowMs;
  }

  /** Records the key as seen at `now` (first sighting wins: a resend does not extend the window). */
  record(key: string, now: number): void {
    this.prune(now);
    if (this.seenAt.has(key)) return;
    this.seenAt.set(key, now);
    while (this.seenAt.size > this.maxEntries) {
      const oldest = this.seenAt.keys().next().value as string;
      this.seenAt.delete(oldest);
    }
  }

  get size(): number {
    return this.seenAt.size;
  }

  private prune(now: number): void {
    for (const [k, at] of this.seenAt) {
      if (now - at < this.windowMs) break; // insertion order = time order
      this.seenAt.delete(k);
    }
  }
}
