// The SCOMO management object (docs/protocol.md §6.1) rooted at `./SCOMO`, as an object with the tree-plugin verbs:
// list/get/add/replace/delete/exec over paths relative to the root ('' = the root, 'Inventory/Deployed/openssl/Version').
// Full URIs under the root (`./SCOMO/...`) are accepted too. Every verb answers a DM status code (docs/protocol.md §1.6).
//
// What the server can change: Download/<x> and its leaves (PkgID, Name, PkgURL, Description, InstallParams, EnvType,
// PkgType, Reboot), and Delete on Download/<x> and Delivered/<x>. Deployed is what the package databases say; it
// changes only through Operations (Remove/Activate/Deactivate) or outside the agent. Inventory/Delivered/<x> with its
// leaves (PkgID, Name, Version, ...) and its Data can be Added too: a package delivered through DM, Data streamed to a
// staging file as a large object (./delivery.ts), then installed by Exec <x>/Operations/Install.

import { utf8Decode } from '../bytes.js';
import type { InventorySource } from '../inventory/source.js';
import { DeployedState, DmStatus, SCOMO_MO_ID } from './codes.js';
import { DeployedInventory } from './deployed.js';
import { OperationRunner, type OperationServices } from './operations.js';
import type { JsonStore, PackageFiles } from '../ports/scomo.js';
import type { ScomoReport } from './report.js';
import { DeliveredEntry, DeliveredOperation, DeployedOperation, DownloadOperation, ScomoDoc, ScomoJob, ScomoState } from './state.js';
import { OUTBOX_NAME, ScomoOutbox } from './outbox.js';
import { reconcileScomo, trimDone } from './reconcile.js';
import { DELIVERED_LEAVES, DeliveredData, type DeliveryServices, dropCutDeliveries, hasData, newDeliveredEntry } from './delivery.js';
import type { LargeObjectSink } from '../ports/large-object.js';

export interface ScomoConfig extends OperationServices {
  /** Where the MO is mounted, default `./SCOMO`. */
  rootUri?: string;
  sources: InventorySource[];
  store: JsonStore;
  /** Document name in the store, default `scomo`; the outbox is `<storeName>-reports` (default `scomo-reports`). */
  storeName?: string;
  /** Packages delivered through DM (Inventory/Delivered/<x>/Data); absent: such Data answers 406. */
  delivery?: DeliveryServices;
  /** A read-only command (`status`, no state lock): a cut delivery's partial copy is left to the next locked command. */
  readOnly?: boolean;
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
  | { kind: 'leaf'; format: 'chr' | 'int' | 'bin'; data: string }
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
  private readonly data: DeliveredData;

  constructor(config: ScomoConfig) {
    this.rootUri = config.rootUri || './SCOMO';
    this.files = config.files;
    this.outbox = new ScomoOutbox(config.store, config.storeName ? `${config.storeName}-reports` : OUTBOX_NAME);
    const removeFile = (path: string) => (config.files ? config.files.remove(path) : config.delivery ? config.delivery.files.remove(path) : Promise.resolve());
    this.state = new ScomoState(config.store, config.storeName || 'scomo', async (doc) => {
      await reconcileScomo(doc, this.outbox, config.log);
      await dropCutDeliveries(doc, config.readOnly ? null : removeFile, config.log);
    });
    this.data = new DeliveredData(this.state, config.delivery, config.log);
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
    if (s[0] === 'Inventory' && s[1] === 'Delivered' && (s.length === 3 || s.length === 4)) return this.addDelivered(s.slice(2), value);
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
    if (s[0] === 'Inventory' && s[1] === 'Delivered' && s.length === 4) return this.replaceDelivered(s[2], s[3], value);
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
        if (this.files && entry.path) await this.files.remove(entry.path);
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
   * The first chunk of `Inventory/Delivered/<x>/Data` as a large object (docs/protocol.md §1.10): a sink streaming it
   * to staging (./delivery.ts), a status refusing it, or null for any other node (kept in memory as usual).
   */
  async openLargeObject(path: string, size?: number): Promise<number | LargeObjectSink | null> {
    const s = this.segments(path);
    if (s.length !== 4 || s[0] !== 'Inventory' || s[1] !== 'Delivered' || s[3] !== 'Data') return null;
    return this.data.open(s[2], size);
  }

  /** Why Delivered nodes have no package (a DM delivery refused, failed or cut off), one line each, for `status`. */
  async deliveryNotes(): Promise<string[]> {
    const doc = await this.state.read();
    return Object.keys(doc.delivered)
      .filter((x) => doc.delivered[x].note !== undefined)
      .map((x) => `${this.rootUri}/Inventory/Delivered/${x}: ${doc.delivered[x].note}`);
  }

  /** Add of `Delivered/<x>`, one of its leaves or its Data (a missing <x> is created, as a DM tree does for parents). */
  private async addDelivered(s: string[], value: MoValue): Promise<number> {
    const x = s[0];
    if (s.length === 2 && s[1] === 'Data') return this.data.whole(x, value);
    const key = s.length === 2 && has(DELIVERED_LEAVES, s[1]) ? DELIVERED_LEAVES[s[1]] : undefined;
    if (s.length === 2 && !key) return (await this.resolve(['Inventory', 'Delivered'].concat(s))) ? DmStatus.AlreadyExists : DmStatus.NotAllowed;
    return this.state.update((doc) => {
      const entry = has(doc.delivered, x) ? doc.delivered[x] : undefined;
      if (!key) {
        if (entry) return DmStatus.AlreadyExists;
        doc.delivered[x] = newDeliveredEntry();
        return DmStatus.OK;
      }
      if (entry && leafSet(entry, key)) return DmStatus.AlreadyExists;
      if (this.busy(doc, 'Delivered', x)) return DmStatus.NotAllowed;
      const e = entry || (doc.delivered[x] = newDeliveredEntry());
      (e as unknown as Record<string, string>)[key] = text(value);
      return DmStatus.OK;
    });
  }

  private async replaceDelivered(x: string, leaf: string, value: MoValue): Promise<number> {
    if (leaf === 'Data') {
      const doc = await this.state.read();
      if (!has(doc.delivered, x)) return DmStatus.NotFound;
      return this.data.whole(x, value);
    }
    const key = has(DELIVERED_LEAVES, leaf) ? DELIVERED_LEAVES[leaf] : undefined;
    if (!key) return (await this.resolve(['Inventory', 'Delivered', x, leaf])) ? DmStatus.NotAllowed : DmStatus.NotFound;
    return this.state.update((doc) => {
      const entry = has(doc.delivered, x) ? doc.delivered[x] : undefined;
      if (!entry) return DmStatus.NotFound;
      if (this.busy(doc, 'Delivered', x)) return DmStatus.NotAllowed;
      (entry as unknown as Record<string, string>)[key] = text(value);
      return DmStatus.OK;
    });
  }

  /**
   * Exec of an Operations node: the job is stored durably, then 202 is answered and the job runs in the background
   * (docs/protocol.md §6.3); its OperationComplete report appears in pendingReports() when done.
   */
  async exec(path: string, args: { correlator?: string; data?: string | Uint8Array } = {}): Promise<number> {
    const r = await this.resolve(this.segments(path));
    if (!r) return DmStatus.NotFound;
    if (r.kind !== 'operation') return DmStatus.NotAllowed;
    if (r.job.area === 'Delivered' && r.job.operation !== 'Remove') {
      // Install of a node whose package never arrived whole (Data refused, failed or cut off): nothing to install.
      const e = (await this.state.read()).delivered[r.job.node];
      if (e && !e.sha256) return DmStatus.NotAllowed;
    }
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
      PkgID: chr(e.pkgId || undefined),
      Name: chr(e.name || undefined),
      Version: chr(e.version),
      Description: chr(e.description),
      PkgType: chr(e.pkgType),
      InstallParams: chr(e.installParams),
      EnvType: chr(e.envType),
      // The package itself (bin, Add/Replace only: docs/protocol.md §6.1); it is never read back through Get.
      Data: hasData(e) ? { kind: 'leaf', format: 'bin', data: '' } : null,
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

function leafSet(e: DeliveredEntry, key: keyof DeliveredEntry): boolean {
  const v = e[key];
  return v !== undefined && v !== '';
}

function text(value: MoValue): string {
  const d = value.data;
  if (d === undefined) return '';
  return typeof d === 'string' ? d : utf8Decode(d);
}
