// Everything the server saw and did, kept in arrays for tests (events) and served as JSON by GET /admin/state for
// the bash/qjs tests. Result reports are counted so that tests can assert that each result arrived and is counted once:
// the agent delivers at least once, and a repeat (same device, type, Correlator, source, target and result) is
// flagged as a duplicate and left out of `countedReports` (docs/robustness.md "Delivery: at least once").
import { base64Encode, utf8Decode } from '../../src/bytes.js';
import type { Data } from '../../src/syncml/model.js';
import type { GenericAlertRecord, ReportRecord, ServerEvents, Violation } from './types.js';

const FUMO_RESULT = /^org\.openmobilealliance\.dm\.firmwareupdate\.(download|update|downloadandupdate)$/;
const SCOMO_RESULT = 'urn:oma:at:scomo:1.0:OperationComplete';

export function emptyEvents(): ServerEvents {
  return {
    messages: [],
    genericAlerts: [],
    reports: [],
    countedReports: [],
    statuses: [],
    results: [],
    execs: [],
    sessions: [],
    violations: [],
    downloads: [],
    installNotifies: [],
    notifications: [],
    dmFaults: [],
  };
}

export function dataText(d: Data | undefined): string | undefined {
  if (d === undefined) return undefined;
  return typeof d === 'string' ? d : utf8Decode(d);
}

/** FUMO result types (docs/protocol.md §5.3) and SCOMO OperationComplete (docs/protocol.md §6.4); requests are not reports. */
export function reportKind(type: string | undefined): 'fumo' | 'scomo' | undefined {
  if (!type) return undefined;
  if (FUMO_RESULT.test(type)) return 'fumo';
  if (type === SCOMO_RESULT) return 'scomo';
  return undefined;
}

export class Recorder {
  readonly events: ServerEvents = emptyEvents();
  private seq = 0;
  private reportCounts = new Map<string, number>();

  nextSeq(): number {
    return ++this.seq;
  }

  violation(v: Omit<Violation, 'time'>): Violation {
    const rec = { time: Date.now(), ...v };
    this.events.violations.push(rec);
    return rec;
  }

  /** Records a Generic Alert item; a result report is also added to `reports` with its occurrence count. */
  genericAlert(a: GenericAlertRecord): void {
    this.events.genericAlerts.push(a);
    const kind = reportKind(a.type);
    if (!kind) return;
    const text = dataText(a.data) || '';
    const key = [a.devId, a.type, a.correlator || '', a.source || '', a.target || '', text].join('\u0000');
    const occurrence = (this.reportCounts.get(key) || 0) + 1;
    this.reportCounts.set(key, occurrence);
    const r: ReportRecord = { ...a, kind, occurrence, duplicate: occurrence > 1 };
    if (kind === 'fumo') {
      const n = parseInt(text.trim(), 10);
      if (!isNaN(n)) r.resultCode = n;
    } else {
      const m = /<ResultCode>\s*(\d+)\s*<\/ResultCode>/.exec(text);
      if (m) r.resultCode = parseInt(m[1], 10);
      const id = /<Identifier>([\s\S]*?)<\/Identifier>/.exec(text);
      if (id) r.identifier = id[1];
    }
    this.events.reports.push(r);
    if (!r.duplicate) this.events.countedReports.push(r);
  }

  /** Number of times a report with this correlator arrived (all devices). */
  reportCount(correlator: string): number {
    return this.events.reports.filter((r) => r.correlator === correlator).length;
  }

  reset(): void {
    const fresh = emptyEvents();
    for (const k of Object.keys(fresh) as Array<keyof ServerEvents>) (this.events[k] as unknown[]).length = 0;
    this.reportCounts.clear();
  }

  /** JSON text of all events; bytes become {"b64": "..."} so that bash/qjs tests can read everything. */
  toJSON(extra: Record<string, unknown> = {}): string {
    return JSON.stringify({ ...extra, ...this.events }, (_k, v) => (v instanceof Uint8Array ? { b64: base64Encode(v) } : v));
  }
}
