// The one path every adapter feeds: unwrap -> parse (pkg0.ts) -> verify (verify.ts) -> dedup -> queue.
// Verification comes before dedup so that unverified bytes never occupy the dedup table. A notification that fails
// is logged and dropped; it never starts a session (docs/protocol.md §8.2: "If nothing matches, ignore the trigger").
import type { Clock, Log } from '../ports/runtime.js';
import { DedupWindow, DEFAULT_DEDUP_WINDOW_MS } from './dedup.js';
import { unwrapNotification } from './envelope.js';
import { NotificationError } from './errors.js';
import { parsePkg0, type Pkg0Limits } from './pkg0.js';
import { NotificationQueue, type NotificationVia, type QueuedNotification } from './queue.js';
import { verifyNotification, type ServerCredentials } from './verify.js';

export interface IntakeOptions {
  /** SRVCRED of each DM account; a function so that a changed nonce or secret is seen at once. */
  credentials: () => ServerCredentials[];
  queue: NotificationQueue;
  clock: Pick<Clock, 'now'>;
  log: Log;
  dedupWindowMs?: number;
  maxVendorBytes?: number;
  minVersion?: number;
}

export type IntakeResult =
  | { outcome: 'queued'; notification: QueuedNotification }
  | { outcome: 'duplicate'; notification: QueuedNotification }
  | { outcome: 'full'; notification: QueuedNotification }
  | { outcome: 'rejected'; error: NotificationError };

export class NotificationIntake {
  readonly dedup: DedupWindow;
  readonly limits: Pkg0Limits;

  constructor(private readonly options: IntakeOptions) {
    this.dedup = new DedupWindow(options.dedupWindowMs === undefined ? DEFAULT_DEDUP_WINDOW_MS : options.dedupWindowMs);
    this.limits = options.maxVendorBytes === undefined ? {} : { maxVendorBytes: options.maxVendorBytes };
  }

  /** Handles the bytes one adapter received. Never throws for bad input: the result says what happened. */
  receive(bytes: Uint8Array, via: NotificationVia, from?: string): IntakeResult {
    const log = this.options.log;
    const now = this.options.clock.now();
    let n: QueuedNotification;
    try {
      const unwrapped = unwrapNotification(bytes, this.limits);
      const parsed = parsePkg0(unwrapped.pkg0, this.limits);
      const verified = verifyNotification(parsed, this.options.credentials(), { log, minVersion: this.options.minVersion });
      n = { ...verified, via, receivedAt: now, layers: unwrapped.layers };
      if (from !== undefined) n.from = from;
    } catch (e) {
      if (!(e instanceof NotificationError)) throw e;
      log.log('warn', 'notification dropped', { via, from, field: e.field, code: e.code, reason: e.message, bytes: bytes.length });
      return { outcome: 'rejected', error: e };
    }
    const fields = { via, from, serverId: n.serverId, sessionId: n.sessionIdHex, uiMode: n.uiMode, resync: n.resync };
    const key = DedupWindow.key(n.digest, n.sessionId);
    if (this.dedup.isDuplicate(key, now)) {
      log.log('info', 'duplicate notification ignored', fields);
      return { outcome: 'duplicate', notification: n };
    }
    if (this.options.queue.push(n) === 'full') {
      // Not recorded as seen: a resend (or the spool's next poll) may get in once the daemon has caught up.
      log.log('warn', 'notification queue full; notification refused', { ...fields, capacity: this.options.queue.capacity });
      return { outcome: 'full', notification: n };
    }
    this.dedup.record(key, now);
    log.log('info', 'notification queued', fields);
    return { outcome: 'queued', notification: n };
  }
}
