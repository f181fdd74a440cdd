// Runs accepted Execs one at a time, after the 202 (docs/protocol.md §6.3: asynchronous operations answer 202, the result
// comes later as an OperationComplete alert, §6.4). Every step's Status is persisted before the step runs; the end of
// a job, its final Status and its report are one durable write of the journal, then the report is queued in the outbox
// (./outbox.ts; a cut in between is repaired at start-up by ./reconcile.ts). A job interrupted by a restart is run again
// (downloads resume, dpkg/opkg installs are idempotent); after `maxStarts` starts it is reported as 1412 instead,
// so a job that crashes the agent cannot loop forever.

import type { Log } from '../ports/runtime.js';
import {
  DeliveredState,
  DeliveredStatus,
  DeployedStatus,
  DownloadStatus,
  ScomoResult,
  isSuccessResult,
} from './codes.js';
import type { DeployedInventory } from './deployed.js';
import { ScomoError, messageOf, resultCodeOf } from './errors.js';
import type { Activator, Installer, PackageDownload, PackageFiles } from '../ports/scomo.js';
import { AlertOptions, ScomoReport, markFor } from './report.js';
import type { ScomoDoc, ScomoJob, ScomoState } from './state.js';
import type { ScomoOutbox } from './outbox.js';
import { reportIdOf, trimDone } from './reconcile.js';

/** The device services and policies the operations run with; the MO's configuration (src/scomo/mo.ts) passes them on. */
export interface OperationServices {
  download?: PackageDownload;
  files?: PackageFiles;
  installer?: Installer;
  activator?: Activator;
  log?: Log;
  alert?: AlertOptions;
  /** Accepted Download/<x>/EnvType values; undefined or empty accepts any (docs/protocol.md §6.3 1413). */
  supportedEnvTypes?: string[];
  /** Starts of one job before it is given up as 1412 (default 2: one re-run after a restart). */
  maxStarts?: number;
  /** Called after a report was stored durably (e.g. to start a session that carries it). */
  onReport?: (report: ScomoReport) => void;
}

export interface OperationDeps extends OperationServices {
  rootUri: string;
  state: ScomoState;
  outbox: ScomoOutbox;
  deployed: DeployedInventory;
}

interface Outcome {
  resultCode: number;
  identifier: string;
  targetUri?: string;
  detail?: string;
}

export class OperationRunner {
  private running: Promise<void> | null = null;

  constructor(private readonly d: OperationDeps) {}

  /** Starts working through the stored jobs unless already doing so. */
  kick(): void {
    if (this.running) return;
    this.running = this.drain().then(
      () => {
        this.running = null;
      },
      (e) => {
        this.running = null;
        if (this.d.log) this.d.log.log('error', 'SCOMO job runner stopped', { error: messageOf(e) });
      },
    );
  }

  /** Resolves when no job is running (tests, orderly shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const job = await this.d.state.update((doc) => {
        const j = doc.jobs[0];
        if (j) j.starts++;
        return j ? { ...j } : null;
      });
      if (!job) return;
      let outcome: Outcome;
      if (job.starts > (this.d.maxStarts || 2)) {
        outcome = { resultCode: ScomoResult.UndefinedError, identifier: job.node, detail: `interrupted ${job.starts - 1} times; not retried` };
        await this.d.state.update((doc) => this.markGivenUp(doc, job));
      } else {
        try {
          outcome = await this.perform(job);
        } catch (e) {
          // A bug or a storage failure inside a step: still reach a final report (docs/design.md "always reach a final report").
          outcome = { resultCode: resultCodeOf(e, ScomoResult.UndefinedError), identifier: job.node, detail: messageOf(e) };
        }
      }
      await this.finish(job, outcome);
    }
  }

  private sourceUri(job: ScomoJob): string {
    const area = job.area === 'Download' ? 'Download' : `Inventory/${job.area}`;
    return `${this.d.rootUri}/${area}/${job.node}/Operations/${job.operation}`;
  }

  private async finish(job: ScomoJob, outcome: Outcome): Promise<void> {
    let seq = 0;
    const report = await this.d.state.update((doc) => {
      const report: ScomoReport = {
        id: reportIdOf(job.id),
        sourceUri: this.sourceUri(job),
        resultCode: outcome.resultCode,
        identifier: outcome.identifier,
        format: (this.d.alert && this.d.alert.format) || 'xml',
        mark: markFor(outcome.resultCode, this.d.alert),
      };
      if (job.correlator !== undefined) report.correlator = job.correlator;
      if (outcome.targetUri !== undefined) report.targetUri = outcome.targetUri;
      if (outcome.detail !== undefined) report.detail = outcome.detail;
      doc.jobs = doc.jobs.filter((j) => j.id !== job.id);
      doc.done.push({ report, acked: false });
      trimDone(doc);
      seq = doc.seq;
      return report;
    });
    try {
      await this.d.outbox.add(report, seq);
    } catch (e) {
      // The journal holds the report: the next start puts it in the outbox (./reconcile.ts).
      if (this.d.log) this.d.log.log('error', 'could not queue the SCOMO report; it is queued at the next start', { report: report.id, error: messageOf(e) });
      throw e;
    }
    if (this.d.log)
      this.d.log.log(isSuccessResult(report.resultCode) ? 'info' : 'warn', 'SCOMO operation complete', {
        source: report.sourceUri,
        resultCode: report.resultCode,
        identifier: report.identifier,
        detail: report.detail,
      });
    if (this.d.onReport) this.d.onReport(report);
  }

  /** Marks the node's Status for a job given up after too many interrupted starts. */
  private markGivenUp(doc: ScomoDoc, job: ScomoJob): void {
    if (job.area === 'Download' && doc.downloads[job.node]) doc.downloads[job.node].status = DownloadStatus.DownloadFailed;
    if (job.area === 'Delivered' && doc.delivered[job.node]) doc.delivered[job.node].status = DeliveredStatus.InstallFailedWithData;
  }

  private perform(job: ScomoJob): Promise<Outcome> {
    switch (job.operation) {
      case 'Download':
        return job.area === 'Download' ? this.download(job, false, true) : this.unknown(job);
      case 'DownloadInstall':
        return this.download(job, true, true);
      case 'DownloadInstallInactive':
        return this.download(job, true, false);
      case 'Install':
        return this.installDelivered(job, true);
      case 'InstallInactive':
        return this.installDelivered(job, false);
      case 'Remove':
        return job.area === 'Delivered' ? this.removeDelivered(job) : this.removeDeployed(job);
      case 'Activate':
        return this.activation(job, true);
      case 'Deactivate':
        return this.activation(job, false);
    }
    return this.unknown(job);
  }

  private async unknown(job: ScomoJob): Promise<Outcome> {
    return { resultCode: ScomoResult.NotImplemented, identifier: job.node, detail: `no operation ${job.area}/${job.operation}` };
  }

  // --- Download/<x>/Operations/Download | DownloadInstall | DownloadInstallInactive -------------------------------

  private async download(job: ScomoJob, install: boolean, activate: boolean): Promise<Outcome> {
    const doc = await this.d.state.read();
    const entry = doc.downloads[job.node];
    if (!entry) return { resultCode: ScomoResult.UndefinedError, identifier: job.node, detail: 'Download node was deleted before the operation ran' };
    const leaves = { ...entry.leaves };
    const pkgId = leaves.PkgID || job.node;
    const setStatus = (status: number) =>
      this.d.state.update((d) => {
        if (d.downloads[job.node]) d.downloads[job.node].status = status;
      });
    const envTypes = this.d.supportedEnvTypes;
    if (leaves.EnvType && envTypes && envTypes.length > 0 && envTypes.indexOf(leaves.EnvType) < 0)
      return { resultCode: ScomoResult.UnsupportedEnvType, identifier: pkgId, detail: `EnvType ${leaves.EnvType} not supported (${envTypes.join(', ')})` };
    if (!leaves.PkgURL) {
      await setStatus(DownloadStatus.DownloadFailed);
      return { resultCode: ScomoResult.DownloadFailed, identifier: pkgId, detail: 'PkgURL is not set' };
    }
    if (!this.d.download) return { resultCode: ScomoResult.NotImplemented, identifier: pkgId, detail: 'no downloader configured' };
    await setStatus(DownloadStatus.DownloadProgressing);
    let pkg;
    try {
      pkg = await this.d.download(leaves.PkgURL, { pkgId, pkgType: leaves.PkgType });
    } catch (e) {
      await setStatus(DownloadStatus.DownloadFailed);
      return { resultCode: resultCodeOf(e, ScomoResult.DownloadFailed), identifier: pkgId, detail: messageOf(e) };
    }
    if (!install) {
      // Download only: the package becomes Inventory/Delivered/<x> (same <x> as the Download node), State Delivered.
      await this.d.state.update((d) => {
        d.delivered[job.node] = {
          pkgId,
          name: leaves.Name || pkgId,
          path: pkg.path,
          sha256: pkg.sha256,
          status: DeliveredStatus.Idle,
          state: DeliveredState.Delivered,
        };
        if (leaves.Description) d.delivered[job.node].description = leaves.Description;
        if (leaves.PkgType) d.delivered[job.node].pkgType = leaves.PkgType;
        if (leaves.InstallParams) d.delivered[job.node].installParams = leaves.InstallParams;
        if (d.downloads[job.node]) d.downloads[job.node].status = DownloadStatus.DownloadComplete;
      });
      return { resultCode: ScomoResult.Successful, identifier: pkgId, targetUri: `${this.d.rootUri}/Inventory/Delivered/${job.node}` };
    }
    await setStatus(DownloadStatus.InstallProgressing);
    try {
      const done = await this.installFile(pkg.path, activate, pkgId, leaves.PkgType, leaves.InstallParams);
      await setStatus(DownloadStatus.Idle);
      return { resultCode: ScomoResult.Successful, identifier: done.id, targetUri: done.uri };
    } catch (e) {
      await setStatus(DownloadStatus.InstallFailedWithoutData);
      return { resultCode: resultCodeOf(e, ScomoResult.InstallFailed), identifier: pkgId, detail: messageOf(e) };
    } finally {
      // The package file is not kept after DownloadInstall (no Delivered node refers to it).
      await this.discard(pkg.path);
    }
  }

  private async discard(path: string): Promise<void> {
    if (!this.d.files) return;
    try {
      await this.d.files.remove(path);
    } catch (e) {
      if (this.d.log) this.d.log.log('warn', 'could not remove package file', { path, error: messageOf(e) });
    }
  }

  /** Installs a package file and records what SCOMO knows about the result; returns the first component. */
  private async installFile(path: string, activate: boolean, pkgId: string, pkgType?: string, installParams?: string) {
    if (!this.d.installer) throw new ScomoError(ScomoResult.NotImplemented, 'no installer configured');
    let outcome;
    try {
      outcome = await this.d.installer.install({ path, activate, pkgId, pkgType, installParams });
    } finally {
      this.d.deployed.invalidate(); // even a failed install may have changed the package database
    }
    if (outcome.componentIds.length === 0) throw new ScomoError(ScomoResult.InstallFailed, 'installer reported no installed component');
    await this.d.state.update((d) => {
      for (const id of outcome.componentIds) {
        d.pkgIdRefs[id] = pkgId;
        d.activation[id] = activate ? 'active' : 'inactive';
        delete d.deployedStatus[id];
      }
    });
    const id = outcome.componentIds[0];
    const x = await this.d.deployed.nodeFor(id);
    return { id, uri: this.d.deployed.uriOf(x) };
  }

  // --- Inventory/Delivered/<x>/Operations/Install | InstallInactive | Remove -------------------------------------

  private async installDelivered(job: ScomoJob, activate: boolean): Promise<Outcome> {
    const entry = (await this.d.state.read()).delivered[job.node];
    if (!entry) return { resultCode: ScomoResult.UndefinedError, identifier: job.node, detail: 'Delivered node no longer exists' };
    if (!entry.sha256) {
      // A node the server Added whose Data never arrived whole (refused, failed, cut off: ./delivery.ts): nothing to
      // install, Status 60 Install Failed without Data (docs/protocol.md §6.2), 1405 Install Failed (§6.3).
      await this.d.state.update((d) => {
        if (d.delivered[job.node]) d.delivered[job.node].status = DeliveredStatus.InstallFailedWithoutData;
      });
      const why = entry.note ? `: ${entry.note}` : '';
      return { resultCode: ScomoResult.InstallFailed, identifier: entry.pkgId || job.node, detail: `Inventory/Delivered/${job.node} has no package (its Data was not delivered${why})` };
    }
    const setStatus = (status: number, state?: number) =>
      this.d.state.update((d) => {
        const e = d.delivered[job.node];
        if (!e) return;
        e.status = status;
        if (state !== undefined) e.state = state;
      });
    await setStatus(DeliveredStatus.InstallProgressing);
    try {
      const done = await this.installFile(entry.path, activate, entry.pkgId || job.node, entry.pkgType, entry.installParams);
      await setStatus(DeliveredStatus.Idle, DeliveredState.Installed);
      return { resultCode: ScomoResult.Successful, identifier: done.id, targetUri: done.uri };
    } catch (e) {
      await setStatus(DeliveredStatus.InstallFailedWithData);
      return { resultCode: resultCodeOf(e, ScomoResult.InstallFailed), identifier: entry.pkgId || job.node, detail: messageOf(e) };
    }
  }

  private async removeDelivered(job: ScomoJob): Promise<Outcome> {
    const entry = (await this.d.state.read()).delivered[job.node];
    const targetUri = `${this.d.rootUri}/Inventory/Delivered/${job.node}`;
    if (!entry) return { resultCode: ScomoResult.RemoveFailed, identifier: job.node, targetUri, detail: 'Delivered node no longer exists' };
    await this.d.state.update((d) => {
      if (d.delivered[job.node]) d.delivered[job.node].status = DeliveredStatus.RemoveProgressing;
    });
    try {
      if (this.d.files && entry.path) await this.d.files.remove(entry.path);
    } catch (e) {
      await this.d.state.update((d) => {
        if (d.delivered[job.node]) d.delivered[job.node].status = DeliveredStatus.RemoveFailed;
      });
      return { resultCode: resultCodeOf(e, ScomoResult.RemoveFailed), identifier: entry.pkgId, targetUri, detail: messageOf(e) };
    }
    await this.d.state.update((d) => {
      delete d.delivered[job.node];
    });
    return { resultCode: ScomoResult.Successful, identifier: entry.pkgId, targetUri };
  }

  // --- Inventory/Deployed/<x>/Operations/Remove | Activate | Deactivate -------------------------------------------

  private async removeDeployed(job: ScomoJob): Promise<Outcome> {
    const entry = await this.d.deployed.byNode(job.node);
    const targetUri = this.d.deployed.uriOf(job.node);
    if (!entry) return { resultCode: ScomoResult.RemoveFailed, identifier: job.node, targetUri, detail: 'component is no longer installed' };
    const id = entry.component.id;
    if (!this.d.installer) return { resultCode: ScomoResult.NotImplemented, identifier: id, targetUri, detail: 'no installer configured' };
    await this.d.state.update((d) => {
      d.deployedStatus[id] = DeployedStatus.RemoveProgressing;
    });
    try {
      await this.d.installer.remove(entry.component);
    } catch (e) {
      this.d.deployed.invalidate();
      await this.d.state.update((d) => {
        d.deployedStatus[id] = DeployedStatus.RemoveFailed;
      });
      return { resultCode: resultCodeOf(e, ScomoResult.RemoveFailed), identifier: id, targetUri, detail: messageOf(e) };
    }
    this.d.deployed.invalidate();
    await this.d.state.update((d) => {
      delete d.deployedStatus[id];
      delete d.activation[id];
      delete d.pkgIdRefs[id];
    });
    return { resultCode: ScomoResult.Successful, identifier: id, targetUri };
  }

  private async activation(job: ScomoJob, activate: boolean): Promise<Outcome> {
    const failCode = activate ? ScomoResult.ActivateFailed : ScomoResult.DeactivateFailed;
    const entry = await this.d.deployed.byNode(job.node);
    const targetUri = this.d.deployed.uriOf(job.node);
    if (!entry) return { resultCode: failCode, identifier: job.node, targetUri, detail: 'component is no longer installed' };
    const id = entry.component.id;
    if (!this.d.activator) return { resultCode: ScomoResult.NotImplemented, identifier: id, targetUri, detail: 'no activator configured' };
    await this.d.state.update((d) => {
      d.deployedStatus[id] = activate ? DeployedStatus.ActivateProgressing : DeployedStatus.DeactivateProgressing;
    });
    try {
      if (activate) await this.d.activator.activate(entry.component);
      else await this.d.activator.deactivate(entry.component);
    } catch (e) {
      await this.d.state.update((d) => {
        d.deployedStatus[id] = activate ? DeployedStatus.ActivateFailed : DeployedStatus.DeactivateFailed;
      });
      return { resultCode: resultCodeOf(e, failCode), identifier: id, targetUri, detail: messageOf(e) };
    }
    await this.d.state.update((d) => {
      delete d.deployedStatus[id];
      d.activation[id] = activate ? 'active' : 'inactive';
    });
    return { resultCode: ScomoResult.Successful, identifier: id, targetUri };
  }
}
