// The SCOMO outbox: pending OperationComplete reports (OMA-TS-DM-SCOMO-V1_0, sent in an OMA-TS-DM_Protocol-V1_2
// Generic Alert 1226, docs/protocol.md §6.4) in a document of their own, `scomo-reports`, apart from the job journal
// (`scomo`, ./state.ts). Each keeps what the other would need after damage: the journal keeps the finished jobs'
// reports until acknowledged, the outbox keeps the reports and the ids acknowledged lately. When either document
// comes back from an older copy or is set aside (src/state/durable-store.ts, docs/robustness.md "Damaged state"),
// ./reconcile.ts rebuilds the one from the other at start-up, so no report is lost.

import type { JsonStore } from '../ports/scomo.js';
import type { ScomoReport } from './report.js';

export const OUTBOX_NAME = 'scomo-reports';
/** How many acknowledged ids are remembered (enough to recognise a report an older copy still holds as pending). */
export const ACK_MEMORY = 32;

export interface OutboxDoc {
  version: 1;
  reports: ScomoReport[];
  acked: string[];
  /** The journal's id counter when the last report was added: a journal set aside must not hand out the same ids again. */
  seq: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isReport(v: unknown): v is ScomoReport {
  return isRecord(v) && typeof v.id === 'string' && typeof v.sourceUri === 'string' && typeof v.resultCode === 'number' && typeof v.identifier === 'string';
}

export class ScomoOutbox {
  private doc: OutboxDoc = { version: 1, reports: [], acked: [], seq: 0 };
  private loaded = false;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: JsonStore,
    readonly name = OUTBOX_NAME,
  ) {}

  async load(): Promise<void> {
    if (this.loaded) return;
    const v = await this.store.get(this.name);
    if (isRecord(v) && v.version === 1 && Array.isArray(v.reports) && Array.isArray(v.acked)) {
      this.doc = {
        version: 1,
        reports: v.reports.filter(isReport),
        acked: v.acked.filter((x): x is string => typeof x === 'string'),
        seq: typeof v.seq === 'number' ? v.seq : 0,
      };
    }
    this.loaded = true;
  }

  list(): ScomoReport[] {
    return this.doc.reports.map((r) => ({ ...r }));
  }

  isPending(id: string): boolean {
    return this.doc.reports.some((r) => r.id === id);
  }

  wasAcknowledged(id: string): boolean {
    return this.doc.acked.indexOf(id) >= 0;
  }

  seq(): number {
    return this.doc.seq;
  }

  /** Queues a report unless it is queued or was acknowledged; records `seq`. Returns whether it wrote. */
  add(report: ScomoReport, seq: number): Promise<boolean> {
    return this.change((d) => {
      if (d.acked.indexOf(report.id) >= 0 || d.reports.some((r) => r.id === report.id)) return null;
      return { version: 1, reports: d.reports.concat([{ ...report }]), acked: d.acked, seq: Math.max(d.seq, seq) };
    });
  }

  /** The server acknowledged the report: drop it and remember its id. False when it was not pending. */
  acknowledge(id: string): Promise<boolean> {
    return this.change((d) => (d.reports.some((r) => r.id === id) ? this.withAcked(d, id) : null));
  }

  /** Records `id` as acknowledged though the outbox may still hold it (it came back from an older copy). */
  markAcknowledged(id: string): Promise<boolean> {
    return this.change((d) => (d.acked.indexOf(id) >= 0 && !d.reports.some((r) => r.id === id) ? null : this.withAcked(d, id)));
  }

  private withAcked(d: OutboxDoc, id: string): OutboxDoc {
    const acked = d.acked.indexOf(id) >= 0 ? d.acked : d.acked.concat([id]);
    return { version: 1, reports: d.reports.filter((r) => r.id !== id), acked: acked.slice(Math.max(0, acked.length - ACK_MEMORY)), seq: d.seq };
  }

  /** Read-modify-write, one at a time; `fn` answers the next document or null for "no change". */
  private change(fn: (d: OutboxDoc) => OutboxDoc | null): Promise<boolean> {
    const run = this.chain.catch(() => undefined).then(async () => {
      await this.load();
      const next = fn(this.doc);
      if (!next) return false;
      await this.store.put(this.name, next);
      this.doc = next;
      return true;
    });
    this.chain = run;
    return run;
  }
}
