// Start-up reconciliation of the SCOMO journal (./state.ts) with the SCOMO outbox (./outbox.ts). Either document may
// have come back from its previous copy or been set aside with both copies damaged (src/state/durable-store.ts,
// docs/robustness.md "Damaged state"); together they still know every report not yet acknowledged (OMA-TS-DM-SCOMO-V1_0
// OperationComplete, docs/protocol.md §6.4: the result of an accepted Exec must reach the server):
// * a finished job whose report the outbox neither holds nor acknowledged gets it back from the journal (the same id,
//   Correlator and result: a server that already has it sees a duplicate, docs/robustness.md "Delivery: at least once");
// * a report the journal knows was acknowledged is not sent again, nor one the outbox knows was;
// * a job the journal still lists but whose report the outbox already holds or acknowledged had finished (the
//   journal is an older copy): it is not run again, so one accepted Exec gives one report;
// * a journal set aside starts its id counter past every id the outbox has seen, so a new report never takes the id
//   of an acknowledged one.

import type { Log } from '../ports/runtime.js';
import { ACK_MEMORY, ScomoOutbox } from './outbox.js';
import type { ScomoDoc } from './state.js';

/** The report id of a job: one per job, the same in both documents and after any rebuild. */
export function reportIdOf(jobId: string): string {
  return `r${jobId}`;
}

function seqOf(id: string): number {
  const m = /(\d+)$/.exec(id);
  return m ? Number(m[1]) : 0;
}

export async function reconcileScomo(doc: ScomoDoc, outbox: ScomoOutbox, log?: Log): Promise<void> {
  await outbox.load();
  let seq = Math.max(doc.seq, outbox.seq());
  for (const r of outbox.list()) seq = Math.max(seq, seqOf(r.id));
  doc.seq = seq;

  const finished = doc.jobs.filter((j) => outbox.isPending(reportIdOf(j.id)) || outbox.wasAcknowledged(reportIdOf(j.id)));
  for (const j of finished) {
    const id = reportIdOf(j.id);
    doc.jobs = doc.jobs.filter((x) => x.id !== j.id);
    const report = outbox.list().filter((r) => r.id === id)[0];
    if (report && !doc.done.some((d) => d.report.id === id)) doc.done.push({ report, acked: false });
    if (log) log.log('warn', 'SCOMO journal was older than its outbox: the finished job is not run again', { job: j.id });
  }

  for (const d of doc.done) {
    const id = d.report.id;
    if (d.acked) {
      if (outbox.isPending(id)) {
        await outbox.markAcknowledged(id);
        if (log) log.log('warn', 'SCOMO outbox was older than the journal: the acknowledged report is not sent again', { report: id });
      }
    } else if (outbox.wasAcknowledged(id)) {
      d.acked = true;
    } else if (!outbox.isPending(id)) {
      await outbox.add(d.report, doc.seq);
      if (log) log.log('error', 'SCOMO report was missing from the outbox; rebuilt from the journal', { report: id, resultCode: d.report.resultCode });
    }
  }
  trimDone(doc);
}

/** Keeps every unacknowledged report and the last ACK_MEMORY acknowledged ones. */
export function trimDone(doc: ScomoDoc): void {
  const acked = doc.done.filter((d) => d.acked).length;
  let drop = Math.max(0, acked - ACK_MEMORY);
  doc.done = doc.done.filter((d) => {
    if (!d.acked || drop === 0) return true;
    drop--;
    return false;
  });
}
