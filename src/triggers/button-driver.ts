// Runs ButtonLogic against real time for a platform: feeds readings, keeps one timer for the logic's next deadline
// (end of a debounce lockout, long-press threshold) and turns triggers into TriggerEvents. Runtime-free: the platform
// passes its timer and wall clock, so Node and QuickJS share it.
//
// Time base: readings carry their own time (evdev time stamps, or the wall clock for polled GPIO). Between readings
// "now" is extrapolated from the last reading's time plus the wall time since it arrived, so timers stay in the
// readings' time base even when a file of old events is replayed.
import type { Timer } from '../ports/triggers.js';
export type { Timer } from '../ports/triggers.js';
import type { Log } from '../ports/runtime.js';
import { ButtonLogic, type ButtonAction, type ButtonOptions } from './button.js';
import { buttonTrigger, type TriggerEvent } from './event.js';


export class ButtonDriver {
  readonly logic: ButtonLogic;
  private cancel: (() => void) | undefined;
  private lastReadingAt = 0;
  private lastWallAt = 0;

  constructor(
    options: ButtonOptions,
    private readonly emit: (event: TriggerEvent) => void,
    private readonly log: Log,
    private readonly timer: Timer,
    private readonly wallNow: () => number,
  ) {
    this.logic = new ButtonLogic(options);
  }

  feed(pressed: boolean, at: number): void {
    this.lastReadingAt = at;
    this.lastWallAt = this.wallNow();
    this.handle(this.logic.feed(pressed, at));
  }

  private now(): number {
    return this.lastReadingAt + (this.wallNow() - this.lastWallAt);
  }

  private handle(actions: ButtonAction[]): void {
    for (const a of actions) {
      if (a.kind === 'trigger') {
        this.log.log('info', 'button pressed: user request', { at: a.at });
        this.emit(buttonTrigger(a.at));
      } else this.log.log('debug', 'button press too short; ignored', { heldMs: a.heldMs });
    }
    this.arm();
  }

  private arm(): void {
    if (this.cancel) this.cancel();
    this.cancel = undefined;
    const due = this.logic.nextDeadline();
    if (due === undefined) return;
    this.cancel = this.timer.after(Math.max(0, due - this.now()), () => {
      this.cancel = undefined;
      this.handle(this.logic.tick(this.now()));
    });
  }

  stop(): void {
    if (this.cancel) this.cancel();
    this.cancel = undefined;
  }
}
