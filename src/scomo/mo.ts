// The SCOMO management object (docs/protocol.md §6.1) rooted at `./SCOMO`, as an object with the tree-plugin verbs:
// list/get/add/replace/delete/exec over paths relative to the root ('' = the root, 'Inventory/Deployed/openssl/Version').
// Full URIs under the root (`./SCOMO/...`) are accepted too. Every verb answers a DM status code (docs/protocol.md §1.6).
//
// What the server can change: Download/<x> and its leaves (PkgID, Name, PkgURL, Description, InstallParams, EnvType,
// PkgType, Reboot), and Delete on Download/<x> and Delivered/<x>. Deployed is what the package databases say; it
// changes only through Operations (Remove/Activate/Deactivate) or outside the agent. Delivery through DM (Add
// Delivered/<x>/Data as a large object) is not supported: such an Add answers 405.

import { utf8Decode } from '../bytes.js';
import type { InventorySource } from '../inventory/source.js';
import { DeployedState, DmStatus, SCOMO_MO_ID } from './codes.js';
import { DeployedInventory } from './deployed.js';
import { OperationRunner, type OperationServices } from './operations.js';
import type { JsonStore, PackageFiles } from '../ports/scomo.js';
import type { ScomoReport } from './report.js';
import { DeliveredOperation, DeployedOperation, DownloadOperation, ScomoDoc, ScomoJob, ScomoState } from './state.js';
import { OUTBOX_NAME, ScomoOutbox } from './outbox.js';
import { reconcileScomo, trimDone } from './reconcile.js';

export interface ScomoConfig extends OperationServices {
  /** Where the MO is mounted, default `./SCOMO`. */
  rootUri?: string;
  sources: InventorySource[];
  store: JsonStore;
  /** Document name in the store, default `scomo`; the outbox is `<storeName>-reports` (default `scomo-reports`). */
  storeName?: string;
}

export interface MoValue {
  format?: string;
  type?: string;
  data?: string | Uint8Array;
}

export interface MoGetResult {
  status: number;
  /** `node` for interior nodes, `chr`/`int` for leaves. */
  format?: string;
  type?: string;
  /** Leaf value; for interior nodes the child names joined by `/`. */
  data?: string;
}

export const DOWNLOAD_LEAVES = ['PkgID', 'Name', 'PkgURL', 'Description', 'InstallParams', 'Reboot', 'EnvType', 'PkgType'];
const DOWNLOAD_OPS: DownloadOperation[] = ['Download', 'DownloadInstall', 'DownloadInstallInactive'];
const DELIVERED_OPS: DeliveredOperation[] = ['Install', 'InstallInactive', 'Remove'];
const DEPLOYED_OPS: DeployedOperation[] = ['Activate', 'Deactivate', 'Remove'];

type Resolved =
  | { kind: 'interior'; children: string[]; type?: string }
  | { kind: 'leaf'; format: 'chr' | 'int'; data: string }
  | { kind: 'operation'; job: Pick<ScomoJob, 'area' | 'node' | 'operation'> };

function interior(children: string[], type?: string): Resolved {
  return type === undefined ? { kind: 'interior', children } : { kind: 'interior', children, type };
}
function chr(data: string | undefined): Resolved | null {
  return data === undefined ? null : { kind: 'leaf', format: 'chr', data };
}
function int(n: number): Resolved {
  return { kind: 'leaf', format: 'int', data: String(n) };
}
function has(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

export class ScomoMo {
  readonly rootUri: string;
  readonly deployed: DeployedInventory;
  private readonly state: ScomoState;
  private readonly outbox: ScomoOutbox;
  private readonly runner: OperationRunner;
  private readonly files?: PackageFiles;

  constructor(config: ScomoConfig) {
    this.rootUri = config.rootUri || './SCOMO';
    this.files = config.files;
    this.outbox = new ScomoOutbox(config.store, config.storeName ? `${config.storeName}-reports` : OUTBOX_NAME);
    this.state = new ScomoState(config.store, config.storeName || 'scomo', (doc) => reconcileScomo(doc, this.outbox, config.log));
    this.deployed = new DeployedInventory(config.sources, this.state, this.rootUri, config.log);
    this.runner = new OperationRunner({
      rootUri: this.rootUri,
      state: this.state,
      outbox: this.outbox,
      deployed: this.deployed,
      download: config.download,
      files: config.files,
      installer: config.installer,
      activator: config.activator,
      log: config.log,
      alert: config.alert,
      supportedEnvTypes: config.supportedEnvTypes,
      maxStarts: config.maxStarts,
      onReport: config.onReport,
    });
  }

  // --- reading ---------------------------------------------------------------------------------------------------

  async list(path: string): Promise<{ status: number; children?: string[] }> {
    const r = await this.resolve(this.segments(path));
    if (!r) return { status: DmStatus.NotFound };
    if (r.kind === 'leaf') return { status: DmStatus.OK, children: [] };
    return { status: DmStatus.OK, children: r.kind === 'interior' ? r.children : [] };
  }

  async get(path: string): Promise<MoGetResult> {
    const r = await this.resolve(this.segments(path));
    if (!r) return { status: DmStatus.NotFound };
    if (r.kind === 'leaf') return { status: DmStatus.OK, format: r.format, data: r.data };
    const out: MoGetResult = { status: DmStatus.OK, format: 'node', data: r.kind === 'interior' ? r.children.join('/') : '' };
    if (r.kind === 'interior' && r.type !== undefined) out.type = r.type;
    return out;
  }

  /** What kind of node `path` is, without listing children (cheap: the tree asks this for every ACL check). */
  async stat(path: string): Promise<{ status: number; format?: string; type?: string }> {
    const r = await this.resolve(this.segments(path));
    if (!r) return { status: DmStatus.NotFound };
    if (r.kind === 'leaf') return { status: DmStatus.OK, format: r.format };
    const out: { status: number; format?: string; type?: string } = { status: DmStatus.OK, format: 'node' };
    if (r.kind === 'interior' && r.type !== undefined) out.type = r.type;
    return out;
  }

  /** Inventory/Deployed lookup by ID or Name (client-initiated request, docs/protocol.md §6.5). */
  findDeployed(idOrName: string) {
    return this.deployed.findDeployed(idOrName);
  }

  // --- changing --------------------------------------------------------------------------------------------------

  async add(path: string, value: MoValue): Promise<number> {
    const s = this.segments(path);
    if (s[0] !== 'Download' || s.length < 2 || s.length > 3) return (await this.resolve(s)) ? DmStatus.AlreadyExists : DmStatus.NotAllowed;
    const x = s[1];
    if (s.length === 3 && DOWNLOAD_LEAVES.indexOf(s[2]) < 0) return (await this.resolve(s)) ? DmStatus.AlreadyExists : DmStatus.NotAllowed;
    return this.state.update((doc) => {
      const entry = doc.downloads[x];
      if (s.length === 2) {
        if (entry) return DmStatus.AlreadyExists;
        doc.downloads[x] = { leaves: {}, status: 10 };
        return DmStatus.OK;
      }
      if (entry && has(entry.leaves, s[2])) return DmStatus.AlreadyExists;
      if (this.busy(doc, 'Download', x)) return DmStatus.NotAllowed;
      // Adding a leaf under a missing Download/<x> creates <x> implicitly, as a DM tree does for missing parents.
      const e = entry || (doc.downloads[x] = { leaves: {}, status: 10 });
      e.leaves[s[2]] = text(value);
      return DmStatus.OK;
    });
  }

  /** Replace on Download/<x> leaves; an unset known leaf is created (servers often Replace PkgURL straight away). */
  async replace(path: string, value: MoValue): Promise<number> {
    const s = this.segments(path);
    if (s[0] === 'Download' && s.length === 3 && DOWNLOAD_LEAVES.indexOf(s[2]) >= 0) {
      return this.state.update((doc) => {
        const entry = doc.downloads[s[1]];
        if (!entry) return DmStatus.NotFound;
        if (this.busy(doc, 'Download', s[1])) return DmStatus.NotAllowed;
        entry.leaves[s[2]] = text(value);
        return DmStatus.OK;
      });
    }
    return (await this.resolve(s)) ? DmStatus.NotAllowed : DmStatus.NotFound;
  }

  async delete(path: string): Promise<number> {
    const s = this.segments(path);
    if (s[0] === 'Download' && (s.length === 2 || (s.length === 3 && DOWNLOAD_LEAVES.indexOf(s[2]) >= 0))) {
      return this.state.update((doc) => {
        const entry = doc.downloads[s[1]];
        if (!entry || (s.length === 3 && !has(entry.leaves, s[2]))) return DmStatus.NotFound;
        if (this.busy(doc, 'Download', s[1])) return DmStatus.NotAllowed;
        if (s.length === 2) delete doc.downloads[s[1]];
        else delete entry.leaves[s[2]];
        return DmStatus.OK;
      });
    }
    if (s[0] === 'Inventory' && s[1] === 'Delivered' && s.length === 3) {
      // Delete is synchronous in DM (no report): drop the package file, then the node. A node in use by a job stays.
      const doc = await this.state.read();
      const entry = has(doc.delivered, s[2]) ? doc.delivered[s[2]] : undefined;
      if (!entry) return DmStatus.NotFound;
      if (this.busy(doc, 'Delivered', s[2])) return DmStatus.NotAllowed;
      try {
        if (this.files) await this.files.remove(entry.path);
      } catch {
        return DmStatus.CommandFailed;
      }
      return this.state.update((d) => {
        delete d.delivered[s[2]];
        return DmStatus.OK;
      });
    }
    return (await this.resolve(s)) ? DmStatus.NotAllowed : DmStatus.NotFound;
  }

  /**
   * Exec of an Operations node: the job is stored durably, then 202 is answered and the job runs in the background
   * (docs/protocol.md §6.3); its OperationComplete report appears in pendingReports() when done.
   */
  async exec(path: string, args: { correlator?: string; data?: string | Uint8Array } = {}): Promise<number> {
    const r = await this.resolve(this.segments(path));
    if (!r) return DmStatus.NotFound;
    if (r.kind !== 'operation') return DmStatus.NotAllowed;
    await this.state.update((doc) => {
      const job: ScomoJob = { id: this.state.nextId(doc, 'j'), ...r.job, starts: 0 };
      if (args.correlator !== undefined && args.correlator !== '') job.correlator = args.correlator;
      doc.jobs.push(job);
    });
    this.runner.kick();
    return DmStatus.Accepted;
  }

  // --- jobs and reports ------------------------------------------------------------------------------------------

  /** Call once after start: runs jobs a restart interrupted (their 202 was already sent). */
  resume(): void {
    this.runner.kick();
  }

  /** Resolves when no job is running. */
  idle(): Promise<void> {
    return this.runner.idle();
  }

  /** Reports not yet acknowledged, oldest first: send each as an OperationComplete alert (report.ts). */
  async pendingReports(): Promise<ScomoReport[]> {
    await this.state.read(); // loading the journal reconciles it with the outbox first (./reconcile.ts)
    return this.outbox.list();
  }

  /**
   * The server answered 200/202 to the alert carrying this report: it is never sent again. False if unknown. The
   * outbox records it first, then the journal: a cut in between leaves the outbox's record, which wins (./reconcile.ts).
   */
  async acknowledge(reportId: string): Promise<boolean> {
    await this.state.read();
    const removed = await this.outbox.acknowledge(reportId);
    const marked = await this.state.update((doc) => {
      let changed = false;
      for (const d of doc.done) {
        if (d.report.id === reportId && !d.acked) {
          d.acked = true;
          changed = true;
        }
      }
      trimDone(doc);
      return changed;
    });
    return removed || marked;
  }

  /** Jobs accepted and not yet finished (for status displays). */
  async pendingJobs(): Promise<ScomoJob[]> {
    return (await this.state.read()).jobs.map((j) => ({ ...j }));
  }

  // --- tree resolution -------------------------------------------------------------------------------------------

  private segments(path: string): string[] {
    let p = path;
    if (p === this.rootUri) p = '';
    else if (p.indexOf(this.rootUri + '/') === 0) p = p.slice(this.rootUri.length + 1);
    return p === '' ? [] : p.split('/');
  }

  private busy(doc: ScomoDoc, area: ScomoJob['area'], node: string): boolean {
    return doc.jobs.some((j) => j.area === area && j.node === node);
  }

  private async resolve(s: string[]): Promise<Resolved | null> {
    if (s.length === 0) return interior(['Download', 'Inventory'], SCOMO_MO_ID);
    if (s[0] === 'Download') return this.resolveDownload(s.slice(1), await this.state.read());
    if (s[0] !== 'Inventory') return null;
    if (s.length === 1) return interior(['Delivered', 'Deployed']);
    if (s[1] === 'Delivered') return this.resolveDelivered(s.slice(2), await this.state.read());
    if (s[1] === 'Deployed') return this.resolveDeployed(s.slice(2));
    return null;
  }

  private resolveDownload(s: string[], doc: ScomoDoc): Resolved | null {
    if (s.length === 0) return interior(Object.keys(doc.downloads));
    const x = s[0];
    const entry = has(doc.downloads, x) ? doc.downloads[x] : undefined;
    if (!entry) return null;
    if (s.length === 1) return interior(DOWNLOAD_LEAVES.filter((l) => has(entry.leaves, l)).concat(['Status', 'Operations']));
    if (s.length === 2) {
      if (s[1] === 'Status') return int(entry.status);
      if (s[1] === 'Operations') return interior(DOWNLOAD_OPS.slice());
      return DOWNLOAD_LEAVES.indexOf(s[1]) >= 0 && has(entry.leaves, s[1]) ? chr(entry.leaves[s[1]]) : null;
    }
    if (s.length === 3 && s[1] === 'Operations' && (DOWNLOAD_OPS as string[]).indexOf(s[2]) >= 0)
      return { kind: 'operation', job: { area: 'Download', node: x, operation: s[2] as DownloadOperation } };
    return null;
  }

  private resolveDelivered(s: string[], doc: ScomoDoc): Resolved | null {
    if (s.length === 0) return interior(Object.keys(doc.delivered));
    const e = has(doc.delivered, s[0]) ? doc.delivered[s[0]] : undefined;
    if (!e) return null;
    const leaves: Record<string, Resolved | null> = {
      PkgID: chr(e.pkgId),
      Name: chr(e.name),
      Description: chr(e.description),
      PkgType: chr(e.pkgType),
      Status: int(e.status),
      State: int(e.state),
    };
    if (s.length === 1) return interior(Object.keys(leaves).filter((k) => leaves[k] !== null).concat(['Operations']));
    if (s.length === 2) return s[1] === 'Operations' ? interior(DELIVERED_OPS.slice()) : has(leaves, s[1]) ? leaves[s[1]] : null;
    if (s.length === 3 && s[1] === 'Operations' && (DELIVERED_OPS as string[]).indexOf(s[2]) >= 0)
      return { kind: 'operation', job: { area: 'Delivered', node: s[0], operation: s[2] as DeliveredOperation } };
    return null;
  }

  private async resolveDeployed(s: string[]): Promise<Resolved | null> {
    if (s.length === 0) return interior(await this.deployed.nodeNames());
    const entry = await this.deployed.byNode(s[0]);
    if (!entry) return null;
    const c = entry.component;
    const leaves: Record<string, Resolved | null> = {
      ID: chr(c.id),
      PkgIDRef: chr(c.pkgIdRef),
      Name: chr(c.name),
      Version: chr(c.version),
      Description: chr(c.description),
      State: int(c.state === 'active' ? DeployedState.Active : DeployedState.Inactive),
      Status: int(entry.status),
    };
    if (s.length === 1) return interior(Object.keys(leaves).filter((k) => leaves[k] !== null).concat(['Operations']));
    if (s.length === 2) return s[1] === 'Operations' ? interior(DEPLOYED_OPS.slice()) : has(leaves, s[1]) ? leaves[s[1]] : null;
    if (s.length === 3 && s[1] === 'Operations' && (DEPLOYED_OPS as string[]).indexOf(s[2]) >= 0)
      return { kind: 'operation', job: { area: 'Deployed', node: s[0], operation: s[2] as DeployedOperation } };
    return null;
  }
}

function text(value: MoValue): string {
  const d = value.data;
  if (d === undefined) return '';
  return typeof d === 'string' ? d : utf8Decode(d);
}
