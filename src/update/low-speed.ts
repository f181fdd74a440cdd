// The low-speed rule of a package download (README "Configuration", `download.lowSpeedBytesPerSec` and
// `lowSpeedSeconds`), one clock-based policy for both runtimes' adapters: the body is measured in consecutive windows
// of `windowMs`; a window that ends below `bytesPerSecond` on average aborts the transfer (like curl's
// LOW_SPEED_LIMIT/LOW_SPEED_TIME, but without curl's 5-second moving average, which lets an early burst hide a stall).

export interface LowSpeedFloor {
  bytesPerSecond: number;
  windowMs: number;
}

export class LowSpeedMeter {
  private windowStart: number;
  private windowBytes = 0;
  constructor(
    private readonly floor: LowSpeedFloor,
    now: number,
  ) {
    this.windowStart = now;
  }

  add(bytes: number): void {
    this.windowBytes += bytes;
  }

  /** Call often (a few times per window): why the transfer is too slow, or null. */
  check(now: number): string | null {
    const elapsed = now - this.windowStart;
    if (elapsed < this.floor.windowMs) return null;
    const rate = (this.windowBytes * 1000) / elapsed;
    this.windowStart = now;
    this.windowBytes = 0;
    if (rate >= this.floor.bytesPerSecond) return null;
    return `${Math.floor(rate)} B/s, below ${this.floor.bytesPerSecond} B/s for ${this.floor.windowMs} ms`;
  }

  /** How often to call check(). */
  pollMs(): number {
    return Math.max(50, Math.min(1000, this.floor.windowMs / 4));
  }
}
