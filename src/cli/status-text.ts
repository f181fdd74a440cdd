// The text form of `dm-agent status`: a few aligned lines saying what `status --json` says (README.md, Command line).
import type { StatusSlots, StatusSummary } from '../agent/status-summary.js';
import type { NextCheck } from '../triggers/next-check.js';

/** The summary's human lines, aligned like the rest of `status` (a label column of 17). */
export function summaryLines(s: StatusSummary & { nextCheck: NextCheck | null }, pendingReports: number, now: number): string[] {
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
