// The next scheduled update check for `dm-agent status` (README.md, Command line → `status --json`): the
// `triggers.schedule` configuration and the plan the schedule runner stored (src/triggers/runner.ts). Read only: a
// stopped daemon's plan is shown as it was left (an overdue time runs soon after the daemon starts again).
import type { Storage } from '../ports/runtime.js';
import { utf8Decode } from '../bytes.js';
import { parseTriggersConfig } from './config.js';
import { readScheduleState } from './schedule.js';
import { SCHEDULE_STATE_FILE } from './runner.js';

export interface NextCheck {
  /** ISO time of the next scheduled update check; null until the daemon has planned one. */
  at: string | null;
  /** ISO time of the last scheduled check, null when none ran yet. */
  lastRunAt: string | null;
  /** The configured interval (triggers.schedule.every), ms. */
  everyMs: number;
  window: string | null;
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

