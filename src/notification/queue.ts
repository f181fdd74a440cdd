// One bounded queue between every notification adapter (UDP, HTTP, spool) and the daemon, which runs one session at a
// time: a notification that arrives during a session waits here. Bounded, because each entry may become a session
// and a flood of valid notifications must not pile up work; when full, new ones are refused (the spool adapter keeps
// its file and retries, HTTP answers 503), never silently dropped.
import type { EnvelopeLayer } from './envelope.js';
import type { VerifiedNotification } from './verify.js';

export type { NotificationVia } from '../ports/notification.js';
import type { NotificationVia } from '../ports/notification.js';

export interface QueuedNotification extends VerifiedNotification {
  via: NotificationVia;
  /** Sender address or file name, for the log. */
  from?: string;
  receivedAt: number;
  layers: EnvelopeLayer[];
}

export const DEFAULT_QUEUE_CAPACITY = 8;

export class NotificationQueue {
  private readonly items: QueuedNotification[] = [];
  private waiter: ((n: QueuedNotification | null) => void) | undefined;
  private closed = false;

  constructor(readonly capacity = DEFAULT_QUEUE_CAPACITY) {
    if (!(capacity >= 1)) throw new RangeError(`notification queue capacity ${capacity} must be >= 1`);
  }

  /** Adds a notification; 'full' when capacity entries are waiting (or the queue is closed). */
  push(n: QueuedNotification): 'queued' | 'full' {
    if (this.closed) return 'full';
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(n);
      return 'queued';
    }
    if (this.items.length >= this.capacity) return 'full';
    this.items.push(n);
    return 'queued';
  }

  get size(): number {
    return this.items.length;
  }

  /** The oldest waiting notification, or undefined. */
  take(): QueuedNotification | undefined {
    return this.items.shift();
  }

  /** Waits for the next notification (one waiter at a time: the daemon loop); null once the queue is closed. */
  next(): Promise<QueuedNotification | null> {
    const n = this.items.shift();
    if (n) return Promise.resolve(n);
    if (this.closed) return Promise.resolve(null);
    if (this.waiter) return Promise.reject(new Error('NotificationQueue.next: another caller is already waiting'));
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Stops accepting; a waiting next() gets null. Entries already queued can still be taken. */
  close(): void {
    this.closed = true;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(null);
    }
  }
}
