// FumoEngine: runs FUMO Exec jobs (docs/protocol.md §5.3) as a journaled state machine and keeps their result reports.
//
//   exec(op, request)   validate, persist the job at step Resolve, answer 202 (the session layer sends it), run async
//   resume()            after start: continue a job from the step the journal names (crash, power cut, reboot)
//   pendingReports()    reports to send as Generic Alert 1226 (stored durably before any reboot)
//   acknowledge(id)     the server answered 200 to that alert: drop it for good (never re-sent, never re-queued)
//   state()             the `<x>/State` node value (docs/protocol.md §5.2)
//
// Steps and their handlers are in steps.ts. The journal is written BEFORE each step runs, so every durable effect of a
// step is followed by a journal write naming the next step; a power cut in between re-runs the (idempotent) step.

import type { Clock, JsonStore, Log, Random } from '../ports/runtime.js';
import { hex } from '../bytes.js';
import { FumoResult, isSuccessResult } from './result-codes.js';
import { FUMO_ALERT_TYPE, FumoOperation, FumoState, isFumoOperation } from './state.js';
import type { ExecRequest, FumoDocument, JobRecord, StepName } from './journal.js';
import { PendingReport, ReportBook, Serial } from './reports.js';
import { STEPS, StepContext, StepOutcome, failure, finalStateOf, rebootSince } from './steps.js';
import type { Downloader, FlashStatus, FlashWriter, HealthCheck, Rebooter, Sha256Hasher, StagingFiles, SyncCadence } from '../ports/update.js';
import { DEFAULT_SYNC } from '../update/stream.js';
import type { UrlPolicy } from '../update/url-policy.js';
import type { VerificationPolicy } from '../update/verify.js';
import { discardDownload, type DownloadLimitKey, type DownloadOptions } from '../update/download.js';
import type { WriterFs } from '../ports/writers.js';
import { downloadBudget } from '../update/space.js';
import { UpdateError } from '../update/errors.js';
import { DeliveryError, PackageDelivery } from './delivery.js';
import type { ProgressPhase } from '../ports/progress.js';

export interface FumoEngineOptions {
  /** The FUMO `<x>` node, e.g. `./FUMO` or `./FwUpdate/Package1`. */
  fumoUri: string;
  store: JsonStore;
  downloader: Downloader;
  files: StagingFiles;
  writer: FlashWriter;
  clock: Clock;
  random: Random;
  log?: Log;
  rebooter?: Rebooter;
  health?: HealthCheck;
  /** Staging file for the package (a partial download and its sidecar live next to it). */
  stagingFile: string;
  urlPolicy: UrlPolicy;
  verification: VerificationPolicy;
  download?: Partial<Pick<DownloadOptions, DownloadLimitKey>>;
  /** Alert Source/LocURI: the Exec'd node (default, MSDOCS/VZW) or the MO root (spec text) — docs/protocol.md §9 #4. */
  reportSource?: 'exec-target' | 'mo-root';
  keepPackage?: boolean;
  /** Bytes per writer chunk (default 1 MiB). */
  chunkSize?: number;
  /** Journal an install checkpoint every this many bytes (default: sync.bytes; 0 = never). */
  checkpointBytes?: number;
  /** fsync + checkpoint cadence of the streamed install and the staged download (default 32 MiB or 2 s). */
  sync?: SyncCadence;
  /**
   * A fresh SHA-256 hasher (FumoAdapters.sha256): with it a streaming writer gets the package in one pass, and a
   * staged package is hashed while it is staged. Without it the package is staged, then hashed (tests, old ports).
   */
  sha256?: () => Sha256Hasher;
  /** Hard cap on persisted steps per job (default 64). */
  maxTransitions?: number;
  /** The kernel's boot id, read through the device port (null when unreadable); absent = reboots judged by slot only. */
  bootId?: () => Promise<string | null>;
  /** The running firmware version (DevDetail FwV as the platform reads it), fresh at each call. */
  runningVersion?: () => Promise<string | undefined>;
  /** fumo.refuseReinstall and the result code reported when the same version is not flashed again. */
  reinstall?: { refuse: boolean; resultCode: number };
  /**
   * Files with fsync (the writers' port, FumoAdapters.writerPorts.fs): a package delivered inside the DM session
   * (Replace PkgData) is written to the staging file through it. Without it such a Replace answers 406.
   */
  stagingFs?: WriterFs;
  /** A read-only command (`status`): what load() repairs stays in memory; files are left to the next locked command. */
  readOnly?: boolean;
  onEvent?(event: FumoEvent): void;
}

export type FumoEvent =
  | { type: 'step'; jobId: string; step: StepName; state: number }
  | { type: 'progress'; jobId: string; phase: ProgressPhase; received: number; total?: number }
  | { type: 'report'; report: PendingReport };

export interface ExecAnswer {
  /** DM Status code for the Exec: 202 accepted (docs/protocol.md §5.3), or why not. */
  status: 202 | 405 | 412 | 417;
  jobId?: string;
  reason?: string;
  /** Settles when the job stops (finished, or waiting for a reboot). Tests await it; the agent need not. */
  done?: Promise<void>;
}

const DOC = 'fumo';

export class FumoEngine {
  private doc: FumoDocument = { version: 1, seq: 0, state: FumoState.Idle, job: null, package: null };
  private readonly reports: ReportBook;
  private running: Promise<void> | null = null;
  private loaded = false;
  /** Job whose reboot this engine asked for and saw return: in this process the device has not rebooted since. */
  private rebootAskedFor: string | null = null;
  /** Journal writes from the run loop and from acknowledge() never interleave (read-modify-write of one doc). */
  private readonly serial = new Serial();

  constructor(private readonly o: FumoEngineOptions) {
    this.reports = new ReportBook(o.store);
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    const v = (await this.o.store.get(DOC)) as FumoDocument | null;
    if (v && v.version === 1 && typeof v.state === 'number') this.doc = v;
    await this.reports.load();
    await this.reconcile();
    await this.dropCutDelivery();
    this.loaded = true;
  }

  /**
   * A package delivery through DM that the journal says was under way when this process started was cut off (power,
   * crash, or a session that ended): it cannot be resumed, since the session that carried it is gone. Its partial
   * copy goes and State says 20 Download Failed; `status` says why.
   */
  private async dropCutDelivery(): Promise<void> {
    if (!this.doc.delivery) return;
    if (!this.o.readOnly) await discardDownload(this.o.files, this.o.stagingFile);
    const note = 'a package delivered through DM (Replace PkgData) was cut off before its last chunk; the partial copy was removed';
    await this.persist({ delivery: null, deliveryNote: note, state: FumoState.DownloadFailed, package: null });
    if (this.o.log) this.o.log.log('warn', note, { fumo: this.o.fumoUri });
  }

  /**
   * The first chunk of a package delivered inside the DM session (Replace `<x>/Update/PkgData`, src/fumo/delivery.ts):
   * a sink that writes it to the staging file, or the DM status refusing it.
   */
  async receivePackage(size?: number): Promise<number | PackageDelivery> {
    await this.load();
    const fs = this.o.stagingFs;
    if (!fs) return 406; // this runtime gave no file port for it: Optional feature not supported (docs/protocol.md §1.6)
    // 405: PkgData cannot be replaced while a firmware job runs (its package is in use).
    if (this.running || (this.doc.job && this.doc.job.step !== 'Done')) return 405;
    if (this.doc.delivery) await this.dropCutDelivery(); // a delivery of this process that was never ended
    // Our MaxObjSize bounds one object of the session; the FUMO package cap (fumo.maxPackageSize, at most the smaller
    // A/B slot) bounds the package. A package over the cap is refused like an object over MaxObjSize: 413 Request
    // entity too large (OMA-TS-DM_Protocol-V1_2 large object handling, docs/protocol.md §1.6); one that does not fit
    // the free staging space gets 420 Device full.
    const cap = this.o.download && this.o.download.maxSize !== undefined ? this.o.download.maxSize : undefined;
    if (size !== undefined && cap !== undefined && size > cap) {
      if (this.o.log) this.o.log.log('warn', `PkgData of ${size} bytes refused: the package cap is ${cap}`, { fumo: this.o.fumoUri });
      return 413;
    }
    await discardDownload(this.o.files, this.o.stagingFile);
    let budget: number | undefined;
    try {
      budget = await downloadBudget(this.o.files, this.o.stagingFile, { expectedSize: size, maxSize: cap });
    } catch (e) {
      if (this.o.log) this.o.log.log('warn', `PkgData refused: ${e instanceof Error ? e.message : String(e)}`, { fumo: this.o.fumoUri });
      return e instanceof UpdateError ? 420 : 500;
    }
    // Journaled before the first byte is written: a cut from here on is found at the next start.
    await this.persist({ delivery: size === undefined ? {} : { size }, deliveryNote: undefined, state: FumoState.DownloadProgressing, package: null });
    const ended = async (patch: Partial<FumoDocument>): Promise<void> => {
      await this.persist(Object.assign({ delivery: null }, patch));
    };
    try {
      return await PackageDelivery.open({
        fs,
        files: this.o.files,
        stagingFile: this.o.stagingFile,
        budget: budget !== undefined ? budget : Number.MAX_SAFE_INTEGER,
        hasher: this.o.sha256 ? this.o.sha256() : undefined,
        complete: async (pkg) => {
          if (this.o.log) this.o.log.log('info', `firmware package delivered through DM: ${pkg.size} bytes, SHA-256 ${pkg.sha256}`, { fumo: this.o.fumoUri });
          await ended({ state: FumoState.ReadyToUpdate, package: { sha256: pkg.sha256, size: pkg.size, delivered: true } });
        },
        fail: async (why) => {
          if (this.o.log) this.o.log.log('warn', why, { fumo: this.o.fumoUri });
          await ended({ state: FumoState.DownloadFailed, deliveryNote: why });
        },
      });
    } catch (e) {
      await discardDownload(this.o.files, this.o.stagingFile).catch(() => undefined);
      await ended({ state: FumoState.DownloadFailed, deliveryNote: `the staging file could not be opened: ${String(e)}` });
      throw new DeliveryError(500, `the staging file could not be opened: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** How the last package delivery through DM ended when it did not deliver (for `status`). */
  deliveryNote(): string | undefined {
    return this.doc.deliveryNote;
  }

  /**
   * The journal and the outbox are two documents; each may come back from its previous copy, or be set aside when
   * both copies are damaged (src/state/durable-store.ts). The journal's last job decides what the outbox must hold
   * (docs/robustness.md "Damaged state"): a finished job whose report is neither queued nor acknowledged gets it
   * rebuilt from the journal (the same id, Correlator and result, so a server that already has it sees a duplicate);
   * a report the journal knows was acknowledged is not sent again.
   */
  private async reconcile(): Promise<void> {
    const job = this.doc.job;
    if (!job || job.step !== 'Done' || !job.result) return;
    if (job.reportAcknowledged) {
      if (this.reports.isPending(job.id) || !this.reports.wasAcknowledged(job.id)) {
        await this.reports.markAcknowledged(job.id);
        if (this.o.log) this.o.log.log('warn', 'FUMO outbox was older than the journal: the acknowledged report is not sent again', { job: job.id });
      }
      return;
    }
    if (this.reports.isPending(job.id) || this.reports.wasAcknowledged(job.id)) return;
    const report = this.reportFor(job);
    await this.reports.add(report);
    if (this.o.log)
      this.o.log.log('error', 'FUMO result report was missing from the outbox; rebuilt from the journal', { job: job.id, resultCode: report.resultCode });
  }

  private persist(patch: Partial<FumoDocument>): Promise<void> {
    return this.serial.run(async () => {
      const next: FumoDocument = Object.assign({}, this.doc, patch, { seq: this.doc.seq + 1 });
      await this.o.store.put(DOC, next);
      this.doc = next;
    });
  }

  /** Reads the journal and the reports (state(), job() and pendingReports() answer from memory after this). */
  async init(): Promise<void> {
    await this.load();
  }

  state(): number {
    return this.doc.state;
  }

  /** The job in progress (or the last finished one), for diagnostics and the DM tree. */
  job(): JobRecord | null {
    return this.doc.job;
  }

  /**
   * The current job has activated its image and waits for a reboot that has not happened yet (same boot id, or this
   * process asked for it; without a boot id: the old image still runs with the switch armed).
   */
  async awaitingReboot(): Promise<boolean> {
    await this.load();
    const job = this.doc.job;
    if (!job || job.step !== 'VerifyBoot' || !this.o.writer.needsReboot) return false;
    const since = await rebootSince(this.context(), job);
    if (since !== 'unknown') return since === 'no';
    const st = await this.o.writer.status();
    return job.expectSlot !== undefined && st.bootedSlot !== job.expectSlot && st.primarySlot === job.expectSlot && st.pendingCommit;
  }

  /** The writer's view of the slots (booted, primary, pending commit), for `status`; read-only. */
  writerStatus(): Promise<FlashStatus> {
    return this.o.writer.status();
  }

  pendingReports(): PendingReport[] {
    return this.reports.list();
  }

  async acknowledge(id: string): Promise<boolean> {
    await this.load();
    const removed = await this.reports.acknowledge(id);
    const job = this.doc.job;
    if (removed && job && job.id === id && job.step === 'Done') await this.cleanUpAfterAck();
    return removed;
  }

  /**
   * VZW fumo_continue_job: after the final alert is acknowledged, clean up to Idle — except when a downloaded package
   * waits for Exec Update (40) or is kept (70/90). Also run at resume(), in case power failed between the two writes.
   * The same journal write records that the report was acknowledged (see reconcile): the outbox is written first,
   * so a cut in between leaves the outbox's own record of the acknowledgement.
   */
  private async cleanUpAfterAck(): Promise<void> {
    const s = this.doc.state;
    const job = this.doc.job;
    const patch: Partial<FumoDocument> = {};
    if (s === FumoState.DownloadFailed || s === FumoState.UpdateFailedNoData || s === FumoState.UpdateSuccessfulNoData) patch.state = FumoState.Idle;
    if (job && !job.reportAcknowledged) patch.job = Object.assign({}, job, { reportAcknowledged: true });
    if (patch.state !== undefined || patch.job !== undefined) await this.persist(patch);
  }

  /** Accepts an Exec on `<x>/Download`, `<x>/Update` or `<x>/DownloadAndUpdate`; the job then runs asynchronously. */
  async exec(operation: FumoOperation, request: ExecRequest): Promise<ExecAnswer> {
    await this.load();
    if (!isFumoOperation(operation)) return { status: 405, reason: `unknown FUMO operation ${String(operation)}` };
    if (this.running || (this.doc.job && this.doc.job.step !== 'Done'))
      return { status: 417, reason: 'another firmware job is in progress' }; // 417 Retry later
    if (operation === 'Update') {
      if (!this.doc.package) return { status: 405, reason: 'Exec Update needs a downloaded package (state 40/50)' };
    } else if (typeof request.pkgUrl !== 'string' || request.pkgUrl === '') {
      return { status: 412, reason: `Exec ${operation} needs ${operation}/PkgURL` };
    }
    const id = hex(this.o.random.bytes(8));
    const job: JobRecord = { id, operation, step: 'Resolve', request: Object.assign({}, request), transitions: 0, reboots: 0 };
    const state = operation === 'Update' ? FumoState.UpdateProgressing : FumoState.DownloadProgressing;
    // Persisted before 202 is answered: an accepted job survives a crash right after the answer.
    await this.persist({ job, state, package: operation === 'Update' ? this.doc.package : null });
    this.emit({ type: 'step', jobId: id, step: 'Resolve', state });
    const done = this.start();
    return { status: 202, jobId: id, done };
  }

  /** Continues a job left by an earlier process; resolves when it stops. Safe to call when there is none. */
  async resume(): Promise<void> {
    await this.load();
    const job = this.doc.job;
    if (job && job.step === 'Done' && this.reports.wasAcknowledged(job.id)) await this.cleanUpAfterAck();
    if (!job || job.step === 'Done') return;
    return this.start();
  }

  private start(): Promise<void> {
    if (!this.running) {
      this.running = this.run().then(
        () => {
          this.running = null;
        },
        (e) => {
          this.running = null;
          throw e;
        },
      );
    }
    return this.running;
  }

  private sync(): SyncCadence {
    return this.o.sync || (this.o.download && this.o.download.sync) || DEFAULT_SYNC;
  }

  private emit(e: FumoEvent): void {
    if (this.o.onEvent) this.o.onEvent(e);
  }

  private context(): StepContext {
    const job = this.doc.job;
    return {
      downloader: this.o.downloader,
      files: this.o.files,
      writer: this.o.writer,
      clock: this.o.clock,
      random: this.o.random,
      log: this.o.log,
      health: this.o.health,
      stagingFile: this.o.stagingFile,
      policy: this.o.urlPolicy,
      verification: this.o.verification,
      download: this.o.download,
      chunkSize: this.o.chunkSize || 1 << 20,
      keepPackage: this.o.keepPackage === true,
      storedPackage: this.doc.package,
      onProgress: (received, total, phase) => job && this.emit({ type: 'progress', jobId: job.id, phase, received, total }),
      checkpointBytes: this.o.checkpointBytes === undefined ? this.sync().bytes : this.o.checkpointBytes,
      hasher: this.o.sha256,
      sync: this.sync(),
      streamCap: this.o.download && this.o.download.maxSize !== undefined ? this.o.download.maxSize : undefined,
      checkpoint: async (patch) => {
        if (this.doc.job) await this.persist({ job: Object.assign({}, this.doc.job, patch) });
      },
      bootId: async () => {
        if (!this.o.bootId) return null;
        try {
          const id = await this.o.bootId();
          return id === null || id === '' ? null : id;
        } catch {
          return null;
        }
      },
      rebootAskedHere: job !== null && this.rebootAskedFor === job.id,
      manualReboot: !!(this.o.rebooter && this.o.rebooter.manual),
      runningVersion: this.o.runningVersion,
      reinstall: this.o.reinstall,
    };
  }

  private reportFor(job: JobRecord): PendingReport {
    const r = job.result || { code: FumoResult.UndefinedError, message: 'no result', finalState: FumoState.Idle };
    const execTarget = `${this.o.fumoUri}/${job.operation}`;
    const report: PendingReport = {
      id: job.id,
      fumoUri: this.o.fumoUri,
      operation: job.operation,
      resultCode: r.code,
      alertType: FUMO_ALERT_TYPE[job.operation],
      sourceUri: this.o.reportSource === 'mo-root' ? this.o.fumoUri : execTarget,
      mark: isSuccessResult(r.code) ? 'informational' : 'critical',
      message: r.message,
    };
    if (job.request.correlator !== undefined) report.correlator = job.request.correlator;
    return report;
  }

  /**
   * Where a failed step leads. RollBack and Report must not loop: a failed rollback still reports (the original
   * result, plus why the rollback failed), and a failed tidy-up in Report still ends the job (the report itself is
   * stored by run(), not by the handler).
   */
  private afterFailure(job: JobRecord, e: unknown, installPhase: boolean): StepOutcome {
    const why = e instanceof Error ? e.message : String(e);
    if (job.step === 'RollBack') {
      const r = job.result || { code: FumoResult.UpdateFailed, message: 'update failed', finalState: FumoState.UpdateFailedHaveData };
      return {
        job: Object.assign({}, job, { step: 'Report' as StepName, result: Object.assign({}, r, { message: `${r.message}; rollback failed: ${why}` }) }),
        state: FumoState.UpdateProgressing,
      };
    }
    if (job.step === 'Report') {
      return { job: Object.assign({}, job, { step: 'Done' as StepName, notify: undefined }), state: job.result ? job.result.finalState : this.doc.state };
    }
    return failure(job, e, installPhase, job.verified !== undefined);
  }

  private async run(): Promise<void> {
    const cap = this.o.maxTransitions || 64;
    for (;;) {
      const job = this.doc.job;
      if (!job || job.step === 'Done') return;
      const installPhase = job.step === 'Install' || job.step === 'Activate' || job.step === 'Reboot' || job.step === 'VerifyBoot' || job.step === 'Commit';
      let out: StepOutcome;
      if (job.step !== 'Report' && job.step !== 'RollBack' && job.transitions >= cap) {
        out = failure(job, new Error(`job stopped after ${job.transitions} steps (loop guard)`), installPhase, this.doc.package !== null || job.verified !== undefined);
      } else {
        try {
          out = await STEPS[job.step](this.context(), job);
        } catch (e) {
          if (this.o.log) this.o.log.log('warn', `FUMO step ${job.step} failed`, { error: String(e) });
          out = this.afterFailure(job, e, installPhase);
        }
      }
      // Waiting for a reboot: nothing to journal, and no transition counted (the loop guard must not end a job that
      // waits through any number of agent restarts).
      if (out.wait) return;
      const nextJob: JobRecord = Object.assign({}, out.job, { transitions: job.transitions + 1 });
      if (job.step === 'Report') {
        // The report is stored before the job is marked Done (and before a reboot that follows a rollback);
        // ReportBook.add is idempotent by job id, so re-running this step after a power cut queues it once.
        const report = this.reportFor(job);
        if (await this.reports.add(report)) this.emit({ type: 'report', report });
      }
      const patch: Partial<FumoDocument> = { job: nextJob, state: out.state };
      if (job.step === 'Report' && job.result) {
        const keep =
          job.result.finalState === FumoState.DownloadComplete ||
          job.result.finalState === FumoState.UpdateFailedHaveData ||
          job.result.finalState === FumoState.UpdateSuccessfulHaveData;
        patch.package = keep && job.verified && finalStateOf(job) === job.result.finalState ? job.verified : null;
      }
      await this.persist(patch);
      this.emit({ type: 'step', jobId: nextJob.id, step: nextJob.step, state: out.state });
      const rebootNow = out.after === 'reboot' || (job.step === 'Report' && job.result && job.result.rebootAfterReport);
      if (rebootNow) {
        if (!this.o.rebooter) throw new Error('FUMO job needs a reboot but no Rebooter is configured');
        await this.o.rebooter.reboot();
        this.rebootAskedFor = nextJob.id;
        return; // a real reboot never returns; a simulated one ends this run, resume() continues after "boot"
      }
      if (out.stop) return;
    }
  }
}

