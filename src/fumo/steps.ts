// One handler per step, each returning its explicit next step (ARCHITECTURE.md style anchor: Mender's state machine).
// The engine persists the returned record BEFORE the next handler runs; handlers must therefore be re-runnable: a
// power cut can stop any of them half-way and the same handler runs again after the restart.

import type { Clock, Log, Random } from '../ports';
import { FumoResult } from './result-codes';
import { FumoState } from './state';
import type { JobRecord, StepName, VerifiedInfo } from './journal';
import type { BootExpectation, Downloader, FlashWriter, HealthCheck, StagingFiles } from '../update/ports';
import { UpdateError } from '../update/errors';
import { DownloadLimitKey, DownloadOptions, discardDownload, downloadResumable } from '../update/download';
import { DescriptorError, looksLikeDescriptor, parseDescriptor } from '../update/descriptor';
import { checkPackageUrl, resolveUrl, UrlPolicy } from '../update/url-policy';
import { PackageClaims, VerificationPolicy, checkClaims, verifyDigest } from '../update/verify';
import { InstallNotify, installNotifyBody, notifyCodeForResult } from '../update/install-notify';
import { hex, utf8Encode } from '../bytes';

export interface StepContext {
  downloader: Downloader;
  files: StagingFiles;
  writer: FlashWriter;
  clock: Clock;
  random: Random;
  log?: Log;
  health?: HealthCheck;
  stagingFile: string;
  policy: UrlPolicy;
  verification: VerificationPolicy;
  download?: Partial<Pick<DownloadOptions, DownloadLimitKey>>;
  chunkSize: number;
  /** Keep the package after a successful update (state 90 instead of 100). */
  keepPackage: boolean;
  /** A package already verified by an earlier Download job (for Exec Update). */
  storedPackage: VerifiedInfo | null;
  onProgress?(received: number, total?: number): void;
  /** Journal an install checkpoint every this many bytes (0 = never; default in the engine: 8 MiB). */
  checkpointBytes: number;
  /** Persists `patch` into the current job without moving to another step. */
  checkpoint(patch: Partial<JobRecord>): Promise<void>;
}

export interface StepOutcome {
  job: JobRecord;
  /** FUMO State node value while the next step runs. */
  state: number;
  /** Runs after the outcome is persisted (the reboot). */
  after?: 'reboot';
  /** Ends the run loop after persisting (waiting for a reboot that has not happened). */
  stop?: boolean;
}

const MAX_DESCRIPTOR_BYTES = 64 * 1024;
/** Reboots one job may ask for before it gives up (the switch is not taking effect). */
const MAX_REBOOTS = 3;

function next(job: JobRecord, step: StepName, patch: Partial<JobRecord> = {}): JobRecord {
  return Object.assign({}, job, patch, { step });
}

function claimsOf(job: JobRecord): PackageClaims {
  const p = job.pkg;
  const c: PackageClaims = {};
  const sha = (p && p.sha256) || job.request.sha256;
  if (sha !== undefined) c.sha256 = sha;
  const size = p && p.size !== undefined ? p.size : job.request.size;
  if (size !== undefined) c.size = size;
  const manifest = (p && p.manifest) || job.request.manifest;
  if (manifest !== undefined) c.manifestB64 = manifest;
  const sig = (p && p.signature) || job.request.signature;
  if (sig !== undefined) c.signatureB64 = sig;
  return c;
}

/** Terminal failure: go to Report with a code. The state tells the server whether the package is still here. */
export function failure(job: JobRecord, e: unknown, installPhase: boolean, haveData: boolean): StepOutcome {
  const code = e instanceof UpdateError ? e.resultCode : installPhase ? FumoResult.UpdateFailed : FumoResult.UndefinedError;
  const message = e instanceof Error ? e.message : String(e);
  const finalState = installPhase
    ? haveData
      ? FumoState.UpdateFailedHaveData
      : FumoState.UpdateFailedNoData
    : FumoState.DownloadFailed;
  const patch: Partial<JobRecord> = { result: { code, message, finalState } };
  if (!installPhase && job.pkg && job.pkg.installNotifyUri) {
    patch.notify = e instanceof UpdateError && e.notifyCode !== undefined ? e.notifyCode : notifyCodeForResult(code);
  }
  if (installPhase && job.expectSlot !== undefined) {
    // Something went wrong after the writer was opened: make sure the old image stays (or becomes) the boot target.
    return { job: next(job, 'RollBack', patch), state: FumoState.UpdateProgressing };
  }
  return { job: next(job, 'Report', patch), state: installPhase ? FumoState.UpdateProgressing : FumoState.DownloadProgressing };
}

/** What the journal says the update should bring: checked by writers that can see it (external installers). */
function bootExpectation(job: JobRecord): BootExpectation {
  const e: BootExpectation = {};
  if (job.expectSlot !== undefined) e.slot = job.expectSlot;
  const version = (job.verified && job.verified.version) || job.request.pkgVersion;
  if (version) e.version = version;
  if (job.from && job.from.slot !== undefined) e.fromSlot = job.from.slot;
  if (job.from && job.from.version !== undefined) e.fromVersion = job.from.version;
  return e;
}

export type StepHandler = (ctx: StepContext, job: JobRecord) => Promise<StepOutcome>;

export const STEPS: Record<Exclude<StepName, 'Done'>, StepHandler> = {
  async Resolve(ctx, job) {
    if (job.operation === 'Update') {
      if (!ctx.storedPackage) throw new UpdateError(FumoResult.NotAcceptable, 'no downloaded package to update with');
      return { job: next(job, 'Install', { verified: ctx.storedPackage }), state: FumoState.UpdateProgressing };
    }
    const url = job.request.pkgUrl || '';
    checkPackageUrl(url, ctx.policy); // 411 and no request for file:, ftp:, credentials, foreign hosts
    checkClaims(claimsOf(job), Object.assign({}, ctx.verification, { requireHash: false }));
    const pkg = job.pkg || { url };
    return { job: next(job, 'Download', { pkg }), state: FumoState.DownloadProgressing };
  },

  async Download(ctx, job) {
    const pkg = job.pkg || { url: job.request.pkgUrl || '' };
    // downloadResumable refuses, before any request, an object that cannot fit (501, install-notify 901: the
    // descriptor's size, else the package cap, against the free staging space) and cuts the body at that bound.
    const outcome = await downloadResumable(
      ctx.downloader,
      ctx.files,
      Object.assign(
        {
          url: pkg.url,
          file: ctx.stagingFile,
          policy: ctx.policy,
          clock: ctx.clock,
          random: ctx.random,
          onProgress: (p: { received: number; total?: number }) => ctx.onProgress && ctx.onProgress(p.received, p.total),
        },
        pkg.size !== undefined ? { expectedSize: pkg.size } : {},
        ctx.download || {},
      ),
    );
    if (!pkg.viaDescriptor && looksLikeDescriptor(outcome.contentType, pkg.url) && outcome.size <= MAX_DESCRIPTOR_BYTES) {
      // PkgURL named an OMA DL descriptor (digest §5.1): follow its objectURI with its size and claims.
      const dd = parseDescriptor(await ctx.files.read(ctx.stagingFile, 0, outcome.size));
      const objectUrl = resolveUrl(pkg.url, dd.objectUri);
      const followed: JobRecord['pkg'] = { url: objectUrl, size: dd.size, viaDescriptor: true };
      if (dd.installNotifyUri) followed.installNotifyUri = resolveUrl(pkg.url, dd.installNotifyUri);
      if (dd.params.sha256) followed.sha256 = dd.params.sha256;
      if (dd.params.manifest) followed.manifest = dd.params.manifest;
      if (dd.params.signature) followed.signature = dd.params.signature;
      const withPkg = next(job, 'Download', { pkg: followed });
      try {
        checkPackageUrl(objectUrl, ctx.policy);
        checkClaims(claimsOf(withPkg), Object.assign({}, ctx.verification, { requireHash: false }));
      } catch (e) {
        if (e instanceof UpdateError && e.notifyCode === undefined)
          throw new UpdateError(e.resultCode, e.message, e.resultCode === FumoResult.BadUrl ? InstallNotify.InvalidDescriptor : InstallNotify.NonAcceptableContent);
        throw e;
      }
      await discardDownload(ctx.files, ctx.stagingFile);
      return { job: withPkg, state: FumoState.DownloadProgressing };
    }
    if (pkg.viaDescriptor && looksLikeDescriptor(outcome.contentType, ''))
      throw new DescriptorError(InstallNotify.InvalidDescriptor, 'descriptor points at another descriptor');
    return { job: next(job, 'Verify', { pkg }), state: FumoState.DownloadProgressing };
  },

  async Verify(ctx, job) {
    const size = await ctx.files.size(ctx.stagingFile);
    if (size === null) throw new UpdateError(FumoResult.CorruptedPackage, 'the downloaded package disappeared');
    const claims = claimsOf(job);
    const manifest = checkClaims(claims, ctx.verification);
    let verified;
    try {
      verified = verifyDigest(await ctx.files.sha256(ctx.stagingFile), size, claims, manifest);
    } catch (e) {
      // A corrupt file must not be resumed into: drop it so a new Exec starts clean.
      await discardDownload(ctx.files, ctx.stagingFile);
      if (e instanceof UpdateError) throw new UpdateError(e.resultCode, e.message, InstallNotify.AttributeMismatch);
      throw e;
    }
    const info: VerifiedInfo = { sha256: verified.sha256, size: verified.size };
    if (verified.version !== undefined) info.version = verified.version;
    const notify = job.pkg && job.pkg.installNotifyUri ? InstallNotify.Success : undefined;
    if (job.operation === 'Download') {
      return {
        job: next(job, 'Report', {
          verified: info,
          notify,
          result: { code: FumoResult.Successful, message: 'downloaded and verified', finalState: FumoState.DownloadComplete },
        }),
        state: FumoState.DownloadComplete,
      };
    }
    return { job: next(job, 'Install', { verified: info, notify }), state: FumoState.UpdateProgressing };
  },

  async Install(ctx, job) {
    const v = job.verified;
    if (!v) throw new UpdateError(FumoResult.UpdateFailed, 'install without a verified package');
    const before = await ctx.writer.status();
    const meta = { size: v.size, sha256: v.sha256, version: v.version, stagedFile: ctx.stagingFile };
    if (ctx.writer.installFile) {
      // Re-check the staged file right before handing it over (it sat on disk since Verify).
      if (hex(await ctx.files.sha256(ctx.stagingFile)) !== v.sha256)
        throw new UpdateError(FumoResult.CorruptedPackage, 'staged package changed after verification');
      await ctx.writer.installFile(ctx.stagingFile, meta);
    } else {
      // Resume an interrupted slot write from its last checkpoint (ota-anchors §10 step 3): the writer re-hashes the
      // slot prefix against the verified image's prefix and continues only when they match.
      let from = 0;
      if (job.installed !== undefined && job.installed > 0 && job.installed < v.size) {
        const prefix = hex(await ctx.files.sha256(ctx.stagingFile, job.installed));
        const r = await ctx.writer.begin(meta, { offset: job.installed, prefixSha256: prefix });
        from = typeof r === 'number' ? r : 0;
      } else {
        await ctx.writer.begin(meta);
      }
      let sinceCheckpoint = 0;
      for (let off = from; off < v.size; ) {
        const chunk = await ctx.files.read(ctx.stagingFile, off, Math.min(ctx.chunkSize, v.size - off));
        if (chunk.length === 0) throw new UpdateError(FumoResult.UpdateFailed, `staged package ended at ${off}`);
        await ctx.writer.writeChunk(chunk);
        off += chunk.length;
        sinceCheckpoint += chunk.length;
        if (ctx.writer.sync && ctx.checkpointBytes > 0 && sinceCheckpoint >= ctx.checkpointBytes && off < v.size) {
          await ctx.writer.sync(); // durable first, then journaled: the checkpoint never claims unsynced bytes
          await ctx.checkpoint({ installed: off });
          sinceCheckpoint = 0;
        }
      }
      await ctx.writer.finish(); // read-back hash: the slot holds exactly the verified image
    }
    const patch: Partial<JobRecord> = { installed: undefined };
    if (before.targetSlot !== undefined) patch.expectSlot = before.targetSlot;
    if (ctx.writer.checkBoot) {
      // Journaled: after the reboot, "still the slot/version we started from" tells a pending reboot from a new image.
      const from: NonNullable<JobRecord['from']> = {};
      if (before.bootedSlot !== undefined) from.slot = before.bootedSlot;
      if (before.runningVersion !== undefined) from.version = before.runningVersion;
      patch.from = from;
    }
    return { job: next(job, 'Activate', patch), state: FumoState.UpdateProgressing };
  },

  async Activate(ctx, job) {
    // Re-run after a power cut that came after the switch: the journal's target wins over "the other slot".
    await ctx.writer.activate(job.expectSlot);
    return { job: next(job, ctx.writer.needsReboot ? 'Reboot' : 'VerifyBoot'), state: FumoState.UpdateProgressing };
  },

  async Reboot(ctx, job) {
    const st = await ctx.writer.status();
    if (job.expectSlot !== undefined && st.bootedSlot === job.expectSlot)
      return { job: next(job, 'VerifyBoot'), state: FumoState.UpdateProgressing }; // a power cycle already did it
    if (job.reboots >= MAX_REBOOTS)
      throw new UpdateError(FumoResult.UpdateFailed, `still not running ${job.expectSlot !== undefined ? `slot ${job.expectSlot}` : 'the new image'} after ${job.reboots} reboots`);
    // Persist "VerifyBoot" first, then reboot: after the restart the journal knows what to check.
    return { job: next(job, 'VerifyBoot', { reboots: job.reboots + 1 }), state: FumoState.UpdateProgressing, after: 'reboot' };
  },

  async VerifyBoot(ctx, job) {
    if (ctx.writer.checkBoot) {
      // External installers: what the installer itself reports decides (src/update/installers/verdict.ts).
      const v = await ctx.writer.checkBoot(bootExpectation(job));
      if (v.state === 'awaiting-reboot') return { job: next(job, 'Reboot'), state: FumoState.UpdateProgressing };
      if (v.state === 'failed') {
        return {
          job: next(job, 'RollBack', { result: { code: FumoResult.UpdateFailed, message: v.why, finalState: FumoState.UpdateFailedHaveData } }),
          state: FumoState.UpdateProgressing,
        };
      }
    }
    const st = ctx.writer.checkBoot ? null : await ctx.writer.status();
    if (st && job.expectSlot !== undefined && st.bootedSlot !== undefined && st.bootedSlot !== job.expectSlot) {
      if (st.primarySlot === job.expectSlot && st.pendingCommit) {
        // Still on the old image with the switch armed: the reboot has not happened yet (agent restart only).
        return { job: next(job, 'Reboot'), state: FumoState.UpdateProgressing };
      }
      // The bootloader fell back (boot counter exhausted, or the env switch was lost): the new image did not run.
      return {
        job: next(job, 'RollBack', {
          result: { code: FumoResult.UpdateFailed, message: `booted ${st.bootedSlot}, expected ${job.expectSlot}: fell back`, finalState: FumoState.UpdateFailedHaveData },
        }),
        state: FumoState.UpdateProgressing,
      };
    }
    const healthy = ctx.health ? await ctx.health.check() : true;
    if (!healthy) {
      return {
        job: next(job, 'RollBack', {
          result: {
            code: FumoResult.UpdateFailed,
            message: 'health check failed in the new image',
            finalState: FumoState.UpdateFailedHaveData,
            rebootAfterReport: ctx.writer.needsReboot,
          },
        }),
        state: FumoState.UpdateProgressing,
      };
    }
    return { job: next(job, 'Commit'), state: FumoState.UpdateProgressing };
  },

  async Commit(ctx, job) {
    await ctx.writer.commit(bootExpectation(job));
    const finalState = ctx.keepPackage ? FumoState.UpdateSuccessfulHaveData : FumoState.UpdateSuccessfulNoData;
    return {
      job: next(job, 'Report', { result: { code: FumoResult.Successful, message: 'updated', finalState } }),
      state: FumoState.UpdateProgressing,
    };
  },

  async RollBack(ctx, job) {
    await ctx.writer.rollback(bootExpectation(job));
    const result = job.result || { code: FumoResult.UpdateFailed, message: 'rolled back', finalState: FumoState.UpdateFailedHaveData };
    return { job: next(job, 'Report', { result }), state: FumoState.UpdateProgressing };
  },

  async Report(ctx, job) {
    // The engine stores the report; this step only tidies the staging area and sends the best-effort install-notify.
    const r = job.result;
    if (r && (r.finalState === FumoState.UpdateSuccessfulNoData || r.finalState === FumoState.UpdateFailedNoData))
      await discardDownload(ctx.files, ctx.stagingFile);
    if (job.notify !== undefined && job.pkg && job.pkg.installNotifyUri) {
      try {
        await ctx.downloader.post(job.pkg.installNotifyUri, utf8Encode(installNotifyBody(job.notify)), { contentType: 'text/plain', timeoutMs: 15000 });
      } catch (e) {
        if (ctx.log) ctx.log.log('warn', 'install-notify failed', { error: String(e) });
      }
    }
    return { job: next(job, 'Done', { notify: undefined }), state: r ? r.finalState : FumoState.Idle };
  },
};
