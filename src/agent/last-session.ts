// The last DM session's outcome, kept in the state directory (document `last-session`, written through the journaled
// DurableStore like every other state document: atomic replace, previous copy kept; docs/robustness.md §6) so that
// `dm-agent status` can say when the device last reached its server and how that went, after a restart too.
// One record per session (packages 1 to the server's last message, docs/protocol.md §1.9), client- or
// server-initiated, written when it ends, whether it succeeded or not.
import type { JsonStore } from '../ports/runtime.js';

export const LAST_SESSION_DOC = 'last-session';

export interface LastSession {
  /** ISO time the session ended. */
  at: string;
  /** The server URL the session started with (server.url). */
  server: string;
  serverId: string;
  initiator: 'client' | 'server';
  sessionId: string;
  outcome: 'ok' | 'failed';
  /** How an ok session ended (src/dm/session.ts SessionOutcome.end). */
  end?: string;
  /** Why a failed session failed (the error's message). */
  error?: string;
}

export async function readLastSession(store: JsonStore): Promise<LastSession | null> {
  const v = (await store.get(LAST_SESSION_DOC)) as LastSession | null;
  return v && typeof v === 'object' && typeof v.at === 'string' && (v.outcome === 'ok' || v.outcome === 'failed') ? v : null;
}
