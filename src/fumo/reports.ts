// Pending FUMO result reports (OMA-TS-FUMO-V1_0: the result goes to the server in a Generic Alert 1226 that echoes
// the Exec's Correlator): stored durably before any reboot, kept until the server answers 200 to the Generic Alert
// (the session layer calls acknowledge), re-sent after a crash. Delivery is at least once: when the server's 200 is
// lost the report is sent again with the same Correlator and result, by which the server recognises the duplicate
// (docs/robustness.md "Delivery: at least once").

import type { FumoOperation } from './state.js';
import type { JsonStore } from '../ports/runtime.js';

export type AlertMark = 'fatal' | 'critical' | 'minor' | 'warning' | 'informational' | 'harmless' | 'indeterminate';

export interface PendingReport {
  /** Equals the job id: one job, one report. */
  id: string;
  /** The FUMO `<x>` node. */
  fumoUri: string;
  operation: FumoOperation;
  /** Echo of the Exec's Correlator, when it had one. */
  correlator?: string;
  /** FUMO result code (docs/protocol.md §5.4), sent as `Data` with Format int. */
  resultCode: number;
  /** Generic Alert Meta/Type (docs/protocol.md §5.3 table). */
  alertType: string;
  /** Item/Source/LocURI: the Exec target by default, the MO root when configured (docs/protocol.md §9 #4). */
  sourceUri: string;
  /** `informational` on success, `critical` on failure (docs/protocol.md §5.3: failures use a non-informational Mark). */
  mark: AlertMark;
  /** Human-readable cause, for logs and the UI (not sent). */
  message: string;
}

/** The document `fumo-reports` in the journal store: the reports waiting for the server's acknowledgement. */
export interface ReportDocument {
  version: 1;
  reports: PendingReport[];
  /** Ids acknowledged recently: a report with one of these ids is never queued again. */
  acked: string[];
}

const NAME = 'fumo-reports';
const ACK_MEMORY = 32;

/** Runs async read-modify-write sections one after another (an ack must not race a report being queued). */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

export class ReportBook {
  private doc: ReportDocument = { version: 1, reports: [], acked: [] };
  private readonly serial = new Serial();
  constructor(private readonly store: JsonStore) {}

  async load(): Promise<void> {
    const v = (await this.store.get(NAME)) as ReportDocument | null;
    if (v && Array.isArray(v.reports) && Array.isArray(v.acked)) this.doc = v;
  }

  list(): PendingReport[] {
    return this.doc.reports.slice();
  }

  /** Queues `r` unless a report with the same id is queued or was acknowledged. Returns whether it wrote. */
  add(r: PendingReport): Promise<boolean> {
    return this.serial.run(() => this.addNow(r));
  }

  private async addNow(r: PendingReport): Promise<boolean> {
    if (this.doc.acked.indexOf(r.id) >= 0) return false;
    for (const x of this.doc.reports) if (x.id === r.id) return false;
    const next: ReportDocument = { version: 1, reports: this.doc.reports.concat([r]), acked: this.doc.acked };
    await this.store.put(NAME, next);
    this.doc = next;
    return true;
  }

  /** Removes an acknowledged report; unknown ids are ignored (a duplicate 200 is harmless). */
  acknowledge(id: string): Promise<boolean> {
    return this.serial.run(() => this.acknowledgeNow(id));
  }

  private async acknowledgeNow(id: string): Promise<boolean> {
    const kept = this.doc.reports.filter((r) => r.id !== id);
    if (kept.length === this.doc.reports.length) return false;
    const acked = this.doc.acked.concat([id]);
    const next: ReportDocument = { version: 1, reports: kept, acked: acked.slice(Math.max(0, acked.length - ACK_MEMORY)) };
    await this.store.put(NAME, next);
    this.doc = next;
    return true;
  }

  wasAcknowledged(id: string): boolean {
    return this.doc.acked.indexOf(id) >= 0;
  }

  /** Whether a report with this id waits to be sent. */
  isPending(id: string): boolean {
    for (const r of this.doc.reports) if (r.id === id) return true;
    return false;
  }

  /**
   * Records `id` as acknowledged even when it is not queued: the journal knows the server acknowledged it, but the
   * outbox came back from an older copy (src/fumo/engine.ts reconcile). Returns whether it wrote.
   */
  markAcknowledged(id: string): Promise<boolean> {
    return this.serial.run(async () => {
      if (this.doc.acked.indexOf(id) >= 0 && !this.isPending(id)) return false;
      const acked = this.doc.acked.indexOf(id) >= 0 ? this.doc.acked : this.doc.acked.concat([id]);
      const next: ReportDocument = { version: 1, reports: this.doc.reports.filter((r) => r.id !== id), acked: acked.slice(Math.max(0, acked.length - ACK_MEMORY)) };
      await this.store.put(NAME, next);
      this.doc = next;
      return true;
    });
  }
}
