// How the daemon's loop waits for its next piece of work: a trigger, a handed-over request, a stop or a reload
// signal ring the bell; the loop sleeps until a ring or until the next look at the request spool is due. A ring while
// nobody waits is kept, so no wake-up is lost between the loop's last look and its next wait. One promise per wait
// (never one per daemon life): a long-lived promise raced every half second would collect reactions until the stop.
import type { Clock } from '../ports/runtime.js';

export class Doorbell {
  private pending = false;
  private wakeWaiter: (() => void) | undefined;

  ring(): void {
    if (this.wakeWaiter) {
      const w = this.wakeWaiter;
      this.wakeWaiter = undefined;
      w();
    } else this.pending = true;
  }

  /** Resolves at the next ring (at once after an unheard one) or after `ms`; the sleep's timer is cleared on a ring. */
  async wait(clock: Clock, ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return;
    }
    const rung = new Promise<void>((resolve) => (this.wakeWaiter = resolve));
    await Promise.race([rung, clock.sleep(ms, rung)]);
    this.wakeWaiter = undefined;
  }
}
