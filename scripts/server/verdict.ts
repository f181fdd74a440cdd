// Whether what the server saw went well, for the dm-server command line's exit status (scripts/dm-server.ts): a run
// failed when the server recorded a protocol violation or a result report that names a failure — FUMO result codes
// outside 200-299 (OMA-TS-DM-FUMO-V1_0 result codes, docs/protocol.md §5.3), SCOMO ResultCode outside 1200-1299
// (docs/protocol.md §6.4) — e.g. "no SHA-256 is known for the package", which reaches the server as a FUMO failure
// report. Sessions the server capped or whose authentication failed count too.
import type { ServerEvents } from './types.js';

export interface Verdict {
  ok: boolean;
  /** One line for people: counts, then each problem. */
  lines: string[];
}

export function verdictOf(e: ServerEvents): Verdict {
  const problems: string[] = [];
  for (const v of e.violations) problems.push(`violation ${v.code}${v.devId ? ` (${v.devId})` : ''}: ${v.message}`);
  for (const r of e.countedReports) {
    if (r.resultCode === undefined) continue;
    const good = r.kind === 'fumo' ? r.resultCode >= 200 && r.resultCode < 300 : r.resultCode >= 1200 && r.resultCode < 1300;
    if (!good) problems.push(`${r.kind.toUpperCase()} report from ${r.devId}: result ${r.resultCode}${r.correlator ? ` (correlator ${r.correlator})` : ''}`);
  }
  for (const s of e.sessions)
    if (s.endReason === 'capped' || s.endReason === 'auth-failed') problems.push(`session ${s.sessionId} of ${s.devId} ended ${s.endReason}`);
  const head = `dm-server: ${e.sessions.length} session(s), ${e.countedReports.length} result report(s), ${problems.length} problem(s)`;
  return { ok: problems.length === 0, lines: [head, ...problems.map((p) => `  ${p}`)] };
}
