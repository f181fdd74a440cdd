// The daemon side of the queue: take one notification at a time, decide with planNotifiedSession, run the session,
// repeat until the queue is closed. A notification that arrives during a session waits in the queue (one session at a
// time, project issue 11). A failing session is logged and the loop goes on: one bad session must not stop the
// device from answering the next notification.
import type { Clock, Log, UserInterface } from '../ports/runtime.js';
import { planNotifiedSession, type PlanOptions } from './plan.js';
import type { NotificationQueue, QueuedNotification } from './queue.js';

export interface ServeOptions {
  queue: NotificationQueue;
  ui: UserInterface;
  log: Log;
  clock: Pick<Clock, 'now'>;
  /**
   * Runs the server-initiated session: Alert 1200 with this SessionID (docs/protocol.md §8.3), i.e. the agent's
   * `session('server', [], sessionId)`. `n.resync` tells it the server signed with the resync nonce (docs/protocol.md §8.2).
   */
  runSession: (sessionId: string, n: QueuedNotification) => Promise<void>;
  plan?: Omit<PlanOptions, 'display' | 'log'>;
  /** Notifications that waited longer than this are dropped (a server gives up on a session id); default: no limit. */
  maxAgeMs?: number;
}

export interface ServeSummary {
  started: number;
  declined: number;
  stale: number;
  failed: number;
}

export async function serveNotifications(o: ServeOptions): Promise<ServeSummary> {
  const summary: ServeSummary = { started: 0, declined: 0, stale: 0, failed: 0 };
  for (;;) {
    const n = await o.queue.next();
    if (n === null) return summary;
    const fields = { serverId: n.serverId, sessionId: n.sessionIdHex, uiMode: n.uiMode, via: n.via };
    if (o.maxAgeMs !== undefined && o.clock.now() - n.receivedAt > o.maxAgeMs) {
      summary.stale++;
      o.log.log('warn', 'notification waited too long; dropped', { ...fields, waitedMs: o.clock.now() - n.receivedAt });
      continue;
    }
    const plan = await planNotifiedSession(n, o.ui, { ...(o.plan || {}), log: o.log });
    if (!plan.start) {
      summary.declined++;
      o.log.log('info', 'no session for this notification', { ...fields, reason: plan.reason });
      continue;
    }
    if (plan.showInfo !== undefined) {
      // Informative mode: tell the user while the session runs, not before it.
      o.ui.ask({ kind: 'display', text: plan.showInfo }).catch((e) => o.log.log('warn', 'could not display the notification text', { error: String(e) }));
    }
    o.log.log('info', 'starting server-initiated session', { ...fields, resync: n.resync, reason: plan.reason });
    try {
      await o.runSession(plan.sessionId, n);
      summary.started++;
    } catch (e) {
      summary.failed++;
      o.log.log('error', 'server-initiated session failed', { ...fields, error: e instanceof Error ? e.message : String(e) });
    }
  }
}
