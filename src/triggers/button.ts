// A push button as a trigger: debounce, optional long press, at most one trigger per press.
//
// Debounce (lockout): the first edge is taken at once (a press feels instant), then edges are ignored for
// `debounceMs`; if the contact settled in the other state meanwhile, that state is taken when the lockout ends.
// Long press: with `longPressMs` set, only a press held that long triggers (protects against a brush of the hand);
// shorter presses are reported as `short` so the platform can log them. Without it, every press triggers.
// Times are in one time base chosen by the caller (evdev event time, or a monotonic clock for GPIO polling).

export interface ButtonOptions {
  debounceMs: number;
  longPressMs?: number;
}

export type ButtonAction = { kind: 'trigger'; at: number } | { kind: 'short'; at: number; heldMs: number };

export class ButtonLogic {
  private raw = false;
  private stable = false;
  private lastEdgeAt = -Infinity;
  private pressedAt = 0;
  private fired = false;

  constructor(private readonly options: ButtonOptions) {
    if (!(options.debounceMs >= 0)) throw new RangeError(`debounceMs must be >= 0, got ${options.debounceMs}`);
    if (options.longPressMs !== undefined && !(options.longPressMs > 0))
      throw new RangeError(`longPressMs must be > 0 when set, got ${options.longPressMs}`);
  }

  /** Whether the debounced button is down. */
  get pressed(): boolean {
    return this.stable;
  }

  /** A raw reading: `pressed` true/false (evdev value 1/0; an autorepeat, value 2, is `true`). */
  feed(pressed: boolean, at: number): ButtonAction[] {
    const out = this.tick(at);
    this.raw = pressed;
    if (pressed !== this.stable && at - this.lastEdgeAt >= this.options.debounceMs) this.accept(pressed, at, out);
    this.checkLong(at, out);
    return out;
  }

  /** Lets time pass without a reading: ends a lockout, notices a long press still held. */
  tick(at: number): ButtonAction[] {
    const out: ButtonAction[] = [];
    if (this.raw !== this.stable && at - this.lastEdgeAt >= this.options.debounceMs) {
      // The lockout ended with the contact in the other state: that edge happened when the lockout ended.
      this.accept(this.raw, Math.max(at, this.lastEdgeAt + this.options.debounceMs), out);
    }
    this.checkLong(at, out);
    return out;
  }

  /** When `tick` should next be called (end of a lockout or of a long-press hold), or undefined. */
  nextDeadline(): number | undefined {
    if (this.raw !== this.stable) return this.lastEdgeAt + this.options.debounceMs;
    if (this.stable && !this.fired && this.options.longPressMs !== undefined) return this.pressedAt + this.options.longPressMs;
    return undefined;
  }

  private accept(pressed: boolean, at: number, out: ButtonAction[]): void {
    this.stable = pressed;
    this.lastEdgeAt = at;
    if (pressed) {
      this.pressedAt = at;
      this.fired = false;
      if (this.options.longPressMs === undefined) {
        this.fired = true;
        out.push({ kind: 'trigger', at });
      }
    } else if (!this.fired) {
      const long = this.options.longPressMs;
      if (long !== undefined && at - this.pressedAt >= long) {
        this.fired = true;
        out.push({ kind: 'trigger', at: this.pressedAt + long });
      } else out.push({ kind: 'short', at, heldMs: at - this.pressedAt });
    }
  }

  private checkLong(at: number, out: ButtonAction[]): void {
    const long = this.options.longPressMs;
    if (long === undefined || !this.stable || this.fired) return;
    if (at - this.pressedAt >= long) {
      this.fired = true;
      out.push({ kind: 'trigger', at: this.pressedAt + long });
    }
  }
}
