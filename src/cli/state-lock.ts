// One agent per state directory: every command that writes state holds the exclusive lock `<stateDir>/lock`
// (the StateLock port, an OS lock the kernel drops when the process dies). Without it two agents would interleave
// their DM tree, nonces and FUMO/SCOMO jobs, and a result report would be lost: OMA-TS-DM_FUMO-V1_0 keeps one
// job and one state per FUMO node, and the nonces of OMA-TS-DM_Security-V1_2 change with every challenge, so the
// agent that saves last would bring back a stale one.
import type { Clock, StateLock } from '../ports/runtime.js';
import { BusyError } from './errors.js';

/** How often a waiting agent tries again. Short: a session that ends should be followed at once. */
export const LOCK_POLL_MS = 100;

/** How long to wait once for a new holder to write its pid. */
const PID_GRACE_MS = 50;

export interface LockWait {
  /** undefined: one try, busy at once; a number: keep trying that many seconds; Infinity: until it is free. */
  waitSeconds?: number;
  /** Give up waiting (the daemon was asked to stop). */
  cancelled?: () => boolean;
  /** Told once, when the first try finds the lock taken and the caller is going to wait. */
  onWait?: (holder: string) => void;
}

/** `busy: dm-agent pid 1234 holds /var/lib/dm-agent` — the words scripts and people look for (exit 9). */
export function busyMessage(stateDir: string, holderPid: number | null): string {
  return `busy: dm-agent ${holderPid === null ? '(pid unknown)' : `pid ${holderPid}`} holds ${stateDir}`;
}

/** Takes the state lock, waiting as `wait` says; throws BusyError (exit 9) when it stays taken. */
export async function acquireStateLock(lock: StateLock, stateDir: string, clock: Clock, wait: LockWait = {}): Promise<void> {
  const started = clock.now();
  const limitMs = wait.waitSeconds === undefined ? 0 : wait.waitSeconds * 1000;
  let told = false;
  let pidRetried = false;
  for (;;) {
    const attempt = await lock.tryAcquire();
    if (attempt.ok) return;
    const waited = clock.now() - started;
    if (waited >= limitMs || (wait.cancelled && wait.cancelled())) {
      // A holder that won the lock a moment ago may not have written its pid yet: look once more before naming none.
      if (attempt.holderPid === null && !pidRetried) {
        pidRetried = true;
        await clock.sleep(PID_GRACE_MS);
        continue;
      }
      const after = wait.waitSeconds ? ` (waited ${Math.round(waited / 100) / 10} s)` : '';
      throw new BusyError(busyMessage(stateDir, attempt.holderPid) + after);
    }
    if (!told && wait.onWait) wait.onWait(busyMessage(stateDir, attempt.holderPid));
    told = true;
    await clock.sleep(Math.min(LOCK_POLL_MS, limitMs - waited));
  }
}
