// Triggers waiting for a session. One session runs at a time, so presses and timer ticks that arrive meanwhile are
// folded: at most one waiting trigger per origin (a user request and a device request ask for different alert types,
// so both are kept), the user's first because a person is waiting. A user who presses again within
// `minUserIntervalMs` of an accepted press is ignored, so button mashing cannot hammer the server.
import type { RequestOrigin, TriggerEvent } from './event.js';

export type PushResult = 'queued' | 'merged' | 'too-soon';

export class TriggerQueue {
  private readonly waiting: Partial<Record<RequestOrigin, TriggerEvent>> = {};
  private lastUserAt = -Infinity;
  private wake: (() => void) | undefined;
  /** Told after every push that queued or merged a trigger (the daemon's loop rings its doorbell). */
  onPush: (() => void) | undefined;

  constructor(private readonly minUserIntervalMs = 0) {}

  push(event: TriggerEvent): PushResult {
    if (event.request === 'user') {
      if (event.at - this.lastUserAt < this.minUserIntervalMs) return 'too-soon';
      this.lastUserAt = event.at;
    }
    const merged = this.waiting[event.request] !== undefined;
    if (!merged) this.waiting[event.request] = event; // keep the earliest: it is the one the user saw acknowledged
    if (this.wake) {
      const w = this.wake;
      this.wake = undefined;
      w();
    }
    if (this.onPush) this.onPush();
    return merged ? 'merged' : 'queued';
  }

  /** Triggers waiting now (0, 1 or 2). */
  get size(): number {
    return (this.waiting.user ? 1 : 0) + (this.waiting.device ? 1 : 0);
  }

  /** The next trigger, user first, or undefined. */
  take(): TriggerEvent | undefined {
    for (const origin of ['user', 'device'] as RequestOrigin[]) {
      const e = this.waiting[origin];
      if (e) {
        delete this.waiting[origin];
        return e;
      }
    }
    return undefined;
  }

  /** Waits for the next trigger. Only one waiter at a time (the session loop). */
  next(): Promise<TriggerEvent> {
    const e = this.take();
    if (e) return Promise.resolve(e);
    return new Promise<TriggerEvent>((resolve) => {
      this.wake = () => resolve(this.take() as TriggerEvent);
    });
  }
}
