// The HTTP answer to a package 0 POSTed to the agent (docs/protocol.md §8): the same on every runtime that listens
// for HTTP notifications, so it is decided here and the listener only sends it.
import type { NotificationReceipt } from '../ports/notification.js';

/** 202 queued, 200 a duplicate already queued, 503 queue full, 403 not from a known server, 400 malformed. */
export function httpStatusFor(r: NotificationReceipt): number {
  switch (r.outcome) {
    case 'queued':
      return 202;
    case 'duplicate':
      return 200;
    case 'full':
      return 503;
    case 'rejected':
      return r.error.code === 'bad-digest' || r.error.code === 'unknown-server' ? 403 : 400;
  }
}
