// The SCOMO MO's durable state, the job journal: one JSON document, so a status change, the end of a job and the
// report it produces are written in one atomic put (no window where a job is finished but its report is lost,
// docs/protocol.md §6.4). The reports waiting for the server are also copied to the outbox (./outbox.ts), a second
// document, so that damage to either one loses no report (./reconcile.ts, docs/robustness.md "Damaged state").

import type { ComponentState } from '../inventory/component.js';
import type { JsonStore } from '../ports/scomo.js';
import type { ScomoReport } from './report.js';

export type DownloadOperation = 'Download' | 'DownloadInstall' | 'DownloadInstallInactive';
export type DeliveredOperation = 'Install' | 'InstallInactive' | 'Remove';
export type DeployedOperation = 'Activate' | 'Deactivate' | 'Remove';

/** `Download/<x>`: leaves the server set (absent = never set) plus Status. */
export interface DownloadEntry {
  leaves: Record<string, string>;
  status: number;
}

/** `Inventory/Delivered/<x>`: a package file on the device. */
export interface DeliveredEntry {
  /** '' until the server sets it (a node it Added for a package delivered through DM, ./delivery.ts). */
  pkgId: string;
  name: string;
  version?: string;
  description?: string;
  pkgType?: string;
  installParams?: string;
  envType?: string;
  path: string;
  /** SHA-256 of the package file; '' while the node has no package (its Data not delivered, or cut off). */
  sha256: string;
  /** Bytes of a package delivered through DM. */
  size?: number;
  status: number;
  state: number;
  /** Data being delivered through DM right now: journaled before its first byte (./delivery.ts). */
  delivery?: { size?: number };
  /** Why the node has no package: its delivery through DM was refused, failed or cut off (shown by `status`). */
  note?: string;
}

/** An accepted Exec (answered 202) not yet finished; persisted before the 202 so a restart still runs it. */
export interface ScomoJob {
  id: string;
  area: 'Download' | 'Delivered' | 'Deployed';
  /** Node name <x> under the area. */
  node: string;
  operation: DownloadOperation | DeliveredOperation | DeployedOperation;
  correlator?: string;
  /** How many times a run of this job has started (a restart mid-run shows up as a second start). */
  starts: number;
}

/** A finished job's report as the journal keeps it: until acknowledged, and a while after (to tell an old outbox copy). */
export interface DoneReport {
  report: ScomoReport;
  acked: boolean;
}

export interface ScomoDoc {
  version: 1;
  /** Component ID → Deployed node name (names.ts). */
  names: Record<string, string>;
  downloads: Record<string, DownloadEntry>;
  delivered: Record<string, DeliveredEntry>;
  /** Deployed/<x>/Status by component ID (absent = Idle). */
  deployedStatus: Record<string, number>;
  /** Agent-made activation overrides by component ID (absent = what the inventory source says). */
  activation: Record<string, ComponentState>;
  /** Deployed/<x>/PkgIDRef by component ID, for components this agent installed. */
  pkgIdRefs: Record<string, string>;
  jobs: ScomoJob[];
  /** Reports of finished jobs, oldest first (./outbox.ts holds the ones to send). */
  done: DoneReport[];
  /** Counter for job and report ids. */
  seq: number;
}

export class ScomoStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScomoStateError';
  }
}

function emptyDoc(): ScomoDoc {
  return { version: 1, names: {}, downloads: {}, delivered: {}, deployedStatus: {}, activation: {}, pkgIdRefs: {}, jobs: [], done: [], seq: 0 };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkDoc(v: unknown, name: string): ScomoDoc {
  if (!isRecord(v)) throw new ScomoStateError(`${name}: SCOMO state is not a JSON object`);
  if (v.version !== 1) throw new ScomoStateError(`${name}: unsupported SCOMO state version ${JSON.stringify(v.version)}`);
  const doc = emptyDoc();
  for (const key of ['names', 'downloads', 'delivered', 'deployedStatus', 'activation', 'pkgIdRefs'] as const) {
    if (v[key] === undefined) continue;
    if (!isRecord(v[key])) throw new ScomoStateError(`${name}: field ${key} must be an object`);
    (doc as unknown as Record<string, unknown>)[key] = v[key];
  }
  for (const key of ['jobs', 'done', 'reports'] as const) {
    if (v[key] === undefined) continue;
    if (!Array.isArray(v[key])) throw new ScomoStateError(`${name}: field ${key} must be an array`);
  }
  if (v.jobs !== undefined) doc.jobs = v.jobs as ScomoJob[];
  if (v.done !== undefined) doc.done = v.done as DoneReport[];
  // Before the outbox existed the journal held the pending reports as `reports`: they become unacknowledged done
  // reports, which reconcile.ts copies to the outbox.
  if (v.reports !== undefined) for (const r of v.reports as ScomoReport[]) doc.done.push({ report: r, acked: false });
  if (typeof v.seq === 'number') doc.seq = v.seq;
  return doc;
}

/** Loads once, then serialises every change: `update(fn)` runs after all earlier updates and puts the result. */
export class ScomoState {
  private doc: ScomoDoc | null = null;
  private loading: Promise<ScomoDoc> | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private revision = 0;

  /**
   * `reconcile` runs once on the loaded document before anyone sees it (./reconcile.ts: the outbox and the journal
   * are made to agree); when it changed the document, the result is stored.
   */
  constructor(
    private readonly store: JsonStore,
    readonly name = 'scomo',
    private readonly reconcile?: (doc: ScomoDoc) => Promise<void>,
  ) {}

  /** A consistent copy-free view for reading; do not mutate it (use update). */
  async read(): Promise<ScomoDoc> {
    await this.chain.catch(() => undefined);
    return this.load();
  }

  /** Applies `fn` to the document and persists it when it changed; runs after every earlier update. */
  update<T>(fn: (doc: ScomoDoc) => T): Promise<T> {
    const run = this.chain.catch(() => undefined).then(async () => {
      const doc = await this.load();
      const before = JSON.stringify(doc);
      const out = fn(doc);
      if (JSON.stringify(doc) !== before) {
        this.revision++;
        try {
          await this.store.put(this.name, doc);
        } catch (e) {
          // The change never became durable: forget the in-memory copy so the next read sees the stored truth.
          this.doc = null;
          throw e;
        }
      }
      return out;
    });
    this.chain = run;
    return run;
  }

  /** Changes whenever the document changes (in this process): lets readers reuse what they derived from it. */
  rev(): number {
    return this.revision;
  }

  nextId(doc: ScomoDoc, prefix: string): string {
    doc.seq++;
    return `${prefix}${doc.seq}`;
  }

  private load(): Promise<ScomoDoc> {
    if (this.doc !== null) return Promise.resolve(this.doc);
    if (this.loading === null) {
      const done = () => {
        this.loading = null;
      };
      this.loading = this.loadNow();
      this.loading.then(done, done);
    }
    return this.loading;
  }

  private async loadNow(): Promise<ScomoDoc> {
    const stored = await this.store.get(this.name);
    const doc = stored === null || stored === undefined ? emptyDoc() : checkDoc(stored, this.name);
    if (this.reconcile) {
      const before = JSON.stringify(doc);
      await this.reconcile(doc);
      if (JSON.stringify(doc) !== before) await this.store.put(this.name, doc);
    }
    this.doc = doc;
    this.revision++;
    return doc;
  }
}
