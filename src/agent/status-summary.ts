// The operator's one-look summary for `dm-agent status` (README.md, Command line → `status --json`): firmware
// version, A/B slots, the current job and its step, pending result reports, the last session and the next scheduled
// check. Built only from the state directory and the device (no server, no lock), the same on every runtime.
import type { Storage } from '../ports/runtime.js';
import { utf8Decode } from '../bytes.js';
import { parseTriggersConfig } from '../triggers/config.js';
import { readScheduleState } from '../triggers/schedule.js';
import { SCHEDULE_STATE_FILE } from '../triggers/runner.js';
import type { LastSession } from './last-session.js';

export interface StatusSlots {
  booted: string | null;
  primary: string | null;
  pendingCommit: boolean;
}

export interface StatusJob {
  source: string;
  id: string;
  operation: string;
  step: string;
  result: number | null;
}

export interface NextCheck {
  /** ISO time of the next scheduled update check; null until the daemon has planned one. */
  at: string | null;
  /** ISO time of the last scheduled check, null when none ran yet. */
  lastRunAt: string | null;
  /** The configured interval (triggers.schedule.every), ms. */
  everyMs: number;
  window: string | null;
}

export interface StatusSummary {
  firmwareVersion: string;
  slots: StatusSlots | null;
  job: StatusJob | null;
  lastSession: LastSession | null;
  nextCheck: NextCheck | null;
}

const iso = (ms: number | undefined): string | null => (typeof ms === 'number' && isFinite(ms) ? new Date(ms).toISOString() : null);

/** The next check from the schedule configuration and the runner's stored plan (src/triggers/runner.ts). */
export async function nextCheck(triggers: Record<string, unknown>, storage: Storage): Promise<NextCheck | null> {
  const schedule = parseTriggersConfig(triggers).schedule;
  if (!schedule) return null;
  let stored = null;
  try {
    const bytes = await storage.read(SCHEDULE_STATE_FILE);
    stored = readScheduleState(bytes === null ? null : utf8Decode(bytes));
  } catch (_e) {
    stored = null; // unreadable: the daemon plans afresh at its next start (src/triggers/runner.ts), so do we here
  }
  const pad = (n: number) => (n < 10 ? '0' : '') + n;
  const hm = (min: number) => `${pad(Math.floor(min / 60))}:${pad(min % 60)}`;
  return {
    at: stored ? iso(stored.nextRunAt) : null,
    lastRunAt: stored ? iso(stored.lastRunAt) : null,
    everyMs: schedule.every,
    window: schedule.window ? `${hm(schedule.window.startMin)}-${hm(schedule.window.endMin)}` : null,
  };
}

/** The summary's human lines, aligned like the rest of `status` (a label column of 17). */
export function summaryLines(s: StatusSummary, pendingReports: number, now: number): string[] {
  const label = (l: string) => (l + ':').padEnd(17);
  const commit = (sl: StatusSlots) => (sl.pendingCommit ? 'commit pending' : 'nothing to commit');
  const slots = !s.slots
    ? '(FUMO not configured)'
    : s.slots.booted === null && s.slots.primary === null
    ? `no A/B slots (this writer has none), ${commit(s.slots)}`
    : `booted ${s.slots.booted || '?'}, primary ${s.slots.primary || '?'}, ${commit(s.slots)}`;
  const job = s.job ? `${s.job.source} ${s.job.id} ${s.job.operation} at step ${s.job.step}${s.job.result === null ? '' : ` (result ${s.job.result})`}` : 'none';
  const ls = s.lastSession;
  const last = ls ? `${ls.at} ${ls.initiator} session ${ls.sessionId} with ${ls.server}: ${ls.outcome === 'ok' ? `ok (${ls.end})` : `failed (${ls.error})`}` : 'never';
  const nc = s.nextCheck;
  let next = 'not scheduled (no triggers.schedule)';
  if (nc) {
    if (!nc.at) next = 'planned when the daemon starts';
    else next = Date.parse(nc.at) < now ? `${nc.at} (overdue: runs soon after the daemon starts)` : nc.at;
  }
  return [
    `${label('firmware')}${s.firmwareVersion}`,
    `${label('slots')}${slots}`,
    `${label('job')}${job}`,
    `${label('pending reports')}${pendingReports}`,
    `${label('last session')}${last}`,
    `${label('next check')}${next}`,
  ];
}
