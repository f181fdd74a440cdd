// One handler per step, each returning its explicit next step (docs/design.md style anchor: Mender's state machine).
// The engine persists the returned record BEFORE the next handler runs; handlers must therefore be re-runnable: a
// power cut can stop any of them half-way and the same handler runs again after the restart.

import type { Clock, Log, Random } from '../ports/runtime.js';
import { FumoResult, FUMO_RESULT_FOR, fumoResultFor, isSuccessResult } from './result-codes.js';
import { FumoState } from './state.js';
import type { JobRecord, StepName, VerifiedInfo } from './journal.js';
import type { BootExpectation, Downloader, FetchHead, FlashStatus, FlashWriter, HealthCheck, Sha256Hasher, StagingFiles, StreamingWriter, SyncCadence } from '../ports/update.js';
import { UpdateError } from '../update/errors.js';
import { DownloadLimitKey, DownloadOptions, discardDownload, downloadResumable, stagedSha256 } from '../update/download.js';
import { streamToWriter, type StreamOutcome } from '../update/stream.js';
import { downloadBudget } from '../update/space.js';
import { DescriptorError, looksLikeDescriptor, parseDescriptor } from '../update/descriptor.js';
import { checkPackageUrl, resolveUrl, UrlPolicy } from '../update/url-policy.js';
import { PackageClaims, VerificationPolicy, checkClaims, expectedSha256, verifyDigest } from '../update/verify.js';
import { InstallNotify, installNotifyBody, notifyCodeForResult } from '../update/install-notify.js';
import { hex, utf8Encode } from '../bytes.js';
import { compareVersions } from '../update/manifest.js';
import type { ProgressPhase } from '../ports/progress.js';

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
  /** Bytes of a phase done (src/ports/progress.ts): the download (or the one-pass stream into the target), the write. */
  onProgress?(received: number, total: number | undefined, phase: ProgressPhase): void;
  /** Journal an install checkpoint every this many bytes (0 = never; default in the engine: sync.bytes). */
  checkpointBytes: number;
  /**
   * A fresh SHA-256 hasher. With it, a writer that takes a stream (uboot-ab, file) gets the package straight from
   * the network in one pass (the Stream step); without it, the package is staged first (Download, Verify, Install).
   */
  hasher?: () => Sha256Hasher;
  /** How often a streamed write is fsynced and checkpointed: bytes or time, whichever first (download.syncEvery*). */
  sync: SyncCadence;
  /** Most bytes a streamed image of unknown size may have (package cap or slot size). */
  streamCap?: number;
  /** Persists `patch` into the current job without moving to another step. */
  checkpoint(patch: Partial<JobRecord>): Promise<void>;
  /** The kernel's boot id (`/proc/sys/kernel/random/boot_id` under device.sysRoot); null when it cannot be read. */
  bootId(): Promise<string | null>;
  /** This process asked for the current job's reboot itself and is still running: no reboot has happened yet. */
  rebootAskedHere: boolean;
  /** `fumo.reboot: []`: the operator reboots. The job waits for that reboot; agent restarts never count as reboots. */
  manualReboot: boolean;
  /** The running firmware version as the platform reads it (DevDetail FwV); absent = not known to this engine. */
  runningVersion?(): Promise<string | undefined>;
  /** fumo.refuseReinstall: a package whose version already runs is not flashed again; `resultCode` is reported. */
  reinstall?: { refuse: boolean; resultCode: number };
}

export interface StepOutcome {
  job: JobRecord;
  /** FUMO State node value while the next step runs. */
  state: number;
  /** Runs after the outcome is persisted (the reboot). */
  after?: 'reboot';
  /** Ends the run loop after persisting (waiting for a reboot that has not happened). */
  stop?: boolean;
  /** Nothing changed: the engine neither journals nor counts a transition, and stops (waiting for a reboot). */
  wait?: boolean;
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
  const code = e instanceof UpdateError ? fumoResultFor(e) : installPhase ? FumoResult.UpdateFailed : FumoResult.UndefinedError;
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

/**
 * Has the device rebooted since `job.bootId` was journaled? 'no' when this very process asked for the reboot, or the
 * kernel's boot id is still the recorded one (an agent restart is not a reboot); 'unknown' when no boot id is known,
 * and the caller falls back to what the writer says booted.
 */
export async function rebootSince(ctx: Pick<StepContext, 'bootId' | 'rebootAskedHere'>, job: JobRecord): Promise<'yes' | 'no' | 'unknown'> {
  if (ctx.rebootAskedHere) return 'no';
  if (job.bootId === undefined) return 'unknown';
  const now = await ctx.bootId();
  if (now === null) return 'unknown';
  return now === job.bootId ? 'no' : 'yes';
}

/** The version the package names: the signed manifest's, else the server's PkgVersion node (OMA-TS-DM_FUMO-V1_0). */
export function packageVersion(job: JobRecord, manifestVersion?: string): string | undefined {
  const v = manifestVersion !== undefined ? manifestVersion : job.verified && job.verified.version !== undefined ? job.verified.version : job.request.pkgVersion;
  return v === undefined || v === '' ? undefined : v;
}

/**
 * fumo.refuseReinstall (SWUpdate -R): the package names the version that already runs, so it is not flashed again
 * (a button pressed twice does not reflash). Returns the outcome that ends the job, or null to go on.
 */
async function reinstallOutcome(ctx: StepContext, job: JobRecord, version: string | undefined): Promise<StepOutcome | null> {
  if (!ctx.reinstall || !ctx.reinstall.refuse || version === undefined || !ctx.runningVersion) return null;
  // A version that cannot be read is not "the same": the update goes on (the Commit check still guards the result).
  const running = await ctx.runningVersion().catch(() => undefined);
  if (running === undefined || compareVersions(running, version) !== 0) return null;
  const code = ctx.reinstall.resultCode;
  const message = `firmware ${version} is already installed: not flashed again (fumo.refuseReinstall)`;
  if (ctx.log) ctx.log.log('info', message, { jobId: job.id, resultCode: code });
  const finalState = isSuccessResult(code) ? FumoState.UpdateSuccessfulNoData : FumoState.UpdateFailedNoData;
  return { job: next(job, 'Report', { result: { code, message, finalState } }), state: FumoState.UpdateProgressing };
}

/**
 * Commit's precondition, re-checked on every run (a power cut can land after VerifyBoot was journaled, and the
 * bootloader may fall back before Commit runs again): the booted slot is the target and, when the package names a
 * version, the running firmware (DevDetail FwV) is that version. Returns why not, or null.
 */
async function notRunningTarget(ctx: StepContext, job: JobRecord): Promise<string | null> {
  const st = await ctx.writer.status();
  if (job.expectSlot !== undefined && st.bootedSlot !== undefined && st.bootedSlot !== job.expectSlot)
    return `booted ${st.bootedSlot}, expected ${job.expectSlot}: fell back`;
  // A file writer replaces data nothing boots: the running firmware version cannot follow it, so only images that
  // run after a reboot are held to the version they claim.
  const want = packageVersion(job);
  if (ctx.writer.needsReboot && want !== undefined && ctx.runningVersion) {
    const running = await ctx.runningVersion();
    if (running === undefined || compareVersions(running, want) !== 0)
      return `running firmware version ${running === undefined ? '(unknown)' : running}, the package is ${want}: the new image is not running`;
  }
  return null;
}

/** The target slot is what runs (on trial): a rollback switches back, so the report is followed by a reboot. */
async function runsTrialImage(ctx: StepContext, job: JobRecord): Promise<boolean> {
  if (!ctx.writer.needsReboot || job.expectSlot === undefined) return false;
  return (await ctx.writer.status()).bootedSlot === job.expectSlot;
}

/** The one-pass install applies: the writer takes a stream and the runtime hashes (src/ports/update.ts). */
function streams(ctx: StepContext): boolean {
  return !('installFile' in ctx.writer) && ctx.hasher !== undefined;
}

/**
 * PkgURL named an OMA DL download descriptor (docs/protocol.md §5.1, OMA-DL-V1_0): the package to fetch is its
 * objectURI, with the descriptor's size, install-notify URI and claims — checked here before any request for it.
 */
function followDescriptor(ctx: StepContext, job: JobRecord, url: string, body: Uint8Array): NonNullable<JobRecord['pkg']> {
  const dd = parseDescriptor(body);
  const objectUrl = resolveUrl(url, dd.objectUri);
  const followed: NonNullable<JobRecord['pkg']> = { url: objectUrl, size: dd.size, viaDescriptor: true };
  if (dd.installNotifyUri) followed.installNotifyUri = resolveUrl(url, dd.installNotifyUri);
  if (dd.params.sha256) followed.sha256 = dd.params.sha256;
  if (dd.params.manifest) followed.manifest = dd.params.manifest;
  if (dd.params.signature) followed.signature = dd.params.signature;
  try {
    checkPackageUrl(objectUrl, ctx.policy);
    checkClaims(claimsOf(next(job, job.step, { pkg: followed })), Object.assign({}, ctx.verification, { requireHash: false }));
  } catch (e) {
    if (e instanceof UpdateError && e.notifyCode === undefined)
      throw new UpdateError(e.kind, e.message, e.kind === 'bad-url' ? InstallNotify.InvalidDescriptor : InstallNotify.NonAcceptableContent, e.configuredResult);
    throw e;
  }
  return followed;
}

/**
 * The image is in the target and read back: what the journal must know before the switch (the target slot, what
 * ran before, the boot id), then Activate.
 */
async function written(ctx: StepContext, job: JobRecord, before: FlashStatus): Promise<StepOutcome> {
  const patch: Partial<JobRecord> = { installed: undefined };
  if (before.targetSlot !== undefined) patch.expectSlot = before.targetSlot;
  if (ctx.writer.checkBoot) {
    // Journaled: after the reboot, "still the slot/version we started from" tells a pending reboot from a new image.
    const from: NonNullable<JobRecord['from']> = {};
    if (before.bootedSlot !== undefined) from.slot = before.bootedSlot;
    if (before.runningVersion !== undefined) from.version = before.runningVersion;
    patch.from = from;
  }
  if (ctx.writer.needsReboot) {
    // The boot the switch is made in, journaled with Activate at no extra write: a later boot id proves a reboot
    // even where the booted slot cannot (bootedSlot "env" reads the slot the env names, switched or not).
    const id = await ctx.bootId();
    if (id !== null) patch.bootId = id;
  }
  return { job: next(job, 'Activate', patch), state: FumoState.UpdateProgressing };
}

/**
 * The FUMO State a job ends in. A package that lived in the writer's target is not kept once an update was tried
 * with it (the target then runs, or was rolled back and marked bad): no "have data" state (OMA-TS-DM_FUMO-V1_0 States).
 */
export function finalStateOf(job: JobRecord): number | undefined {
  const r = job.result;
  if (!r) return undefined;
  if (job.verified && job.verified.inTarget) {
    if (r.finalState === FumoState.UpdateFailedHaveData) return FumoState.UpdateFailedNoData;
    if (r.finalState === FumoState.UpdateSuccessfulHaveData) return FumoState.UpdateSuccessfulNoData;
  }
  return r.finalState;
}

/** After the streamed GET: follow a descriptor, or check the image against the claims, read it back, and go on. */
async function streamed(
  ctx: StepContext,
  job: JobRecord,
  w: StreamingWriter,
  pkg: NonNullable<JobRecord['pkg']>,
  claims: PackageClaims,
  before: FlashStatus,
  out: StreamOutcome,
): Promise<StepOutcome> {
  if (out.kind === 'collected') {
    const followed = followDescriptor(ctx, job, pkg.url, out.body);
    return { job: next(job, 'Stream', { pkg: followed, stream: undefined }), state: FumoState.DownloadProgressing };
  }
  if (pkg.viaDescriptor && looksLikeDescriptor(out.contentType, ''))
    throw new DescriptorError(InstallNotify.InvalidDescriptor, 'descriptor points at another descriptor');
  // The full check (signature required, a hash known) and the digest, before the read-back and long before the
  // switch: a mismatch leaves the target as begin() left it, marked unbootable (402).
  const full = checkClaims(claims, ctx.verification);
  let verified;
  try {
    verified = verifyDigest(out.sha256, out.size, claims, full);
  } catch (e) {
    if (e instanceof UpdateError) throw new UpdateError(e.kind, e.message, InstallNotify.AttributeMismatch, e.configuredResult);
    throw e;
  }
  await w.finish({ size: verified.size, sha256: verified.sha256 }); // fsync, read back from the medium (402)
  const info: VerifiedInfo = { sha256: verified.sha256, size: verified.size, inTarget: true };
  if (verified.version !== undefined) info.version = verified.version;
  const notify = pkg.installNotifyUri ? InstallNotify.Success : undefined;
  if (job.operation === 'Download') {
    return {
      job: next(job, 'Report', {
        pkg,
        verified: info,
        notify,
        stream: undefined,
        result: { code: FumoResult.Successful, message: 'downloaded into the update slot and verified', finalState: FumoState.DownloadComplete },
      }),
      state: FumoState.DownloadComplete,
    };
  }
  return written(ctx, next(job, 'Stream', { pkg, verified: info, notify, stream: undefined }), before);
}

/**
 * Exec Update of a package delivered through DM (src/fumo/delivery.ts): the hash taken while it was received is
 * checked against the claims known now (Ext/PkgSHA256, signed manifest, as the Verify step of a download does), then
 * it installs like a downloaded package. A package that fails is removed: 404/402 and State 80 (Update Failed / No
 * Data, OMA-TS-DM_FUMO-V1_0 result codes, docs/protocol.md §5.2).
 */
async function checkDelivered(ctx: StepContext, job: JobRecord, stored: VerifiedInfo): Promise<StepOutcome> {
  try {
    const claims = claimsOf(job);
    const manifest = checkClaims(claims, ctx.verification);
    const v = verifyDigest(stored.sha256, stored.size, claims, manifest);
    const info: VerifiedInfo = { sha256: v.sha256, size: v.size };
    if (v.version !== undefined) info.version = v.version;
    return { job: next(job, 'Install', { verified: info }), state: FumoState.UpdateProgressing };
  } catch (e) {
    if (!(e instanceof UpdateError)) throw e;
    await discardDownload(ctx.files, ctx.stagingFile);
    const result = { code: fumoResultFor(e), message: `the package delivered through DM: ${e.message}`, finalState: FumoState.UpdateFailedNoData };
    return { job: next(job, 'Report', { result }), state: FumoState.UpdateProgressing };
  }
}

export type StepHandler = (ctx: StepContext, job: JobRecord) => Promise<StepOutcome>;

export const STEPS: Record<Exclude<StepName, 'Done'>, StepHandler> = {
  async Resolve(ctx, job) {
    if (job.operation === 'Update') {
      if (!ctx.storedPackage) throw new UpdateError('not-acceptable', 'no downloaded package to update with');
      if (ctx.storedPackage.delivered) return checkDelivered(ctx, job, ctx.storedPackage);
      return { job: next(job, 'Install', { verified: ctx.storedPackage }), state: FumoState.UpdateProgressing };
    }
    const url = job.request.pkgUrl || '';
    checkPackageUrl(url, ctx.policy); // 411 and no request for file:, ftp:, credentials, foreign hosts
    const manifest = checkClaims(claimsOf(job), Object.assign({}, ctx.verification, { requireHash: false }));
    if (job.operation === 'DownloadAndUpdate') {
      // The version is known before any byte is fetched: the same image again is neither downloaded nor flashed.
      const same = await reinstallOutcome(ctx, job, packageVersion(job, manifest && manifest.version));
      if (same) return same;
    }
    const pkg = job.pkg || { url };
    return { job: next(job, streams(ctx) ? 'Stream' : 'Download', { pkg }), state: FumoState.DownloadProgressing };
  },

  async Stream(ctx, job) {
    const w = ctx.writer;
    if ('installFile' in w || !ctx.hasher) return { job: next(job, 'Download'), state: FumoState.DownloadProgressing };
    const pkg = job.pkg || { url: job.request.pkgUrl || '' };
    const claims = claimsOf(job);
    const manifest = checkClaims(claims, Object.assign({}, ctx.verification, { requireHash: false }));
    if (pkg.viaDescriptor && job.operation === 'DownloadAndUpdate') {
      // A version first learnt from the descriptor's manifest: the same image again is not flashed (nor fetched).
      const same = await reinstallOutcome(ctx, job, packageVersion(job, manifest && manifest.version));
      if (same) return same;
    }
    const wantSha = expectedSha256(claims, manifest);
    const before = await w.status();
    const hasher = ctx.hasher;
    // The bound before any request: the package cap (at most the slot), and for a target that grows a file the
    // free space of its file system, as for a staged package (501, install-notify 901; src/update/space.ts).
    const cap = w.targetFile
      ? await downloadBudget(ctx.files, w.targetFile, { expectedSize: pkg.size, maxSize: ctx.streamCap })
      : ctx.streamCap;
    try {
      return await streamed(ctx, job, w, pkg, claims, before, await streamToWriter(ctx.downloader, ctx.clock, Object.assign(
      {
        url: pkg.url,
        policy: ctx.policy,
        clock: ctx.clock,
        random: ctx.random,
        writer: w,
        hasher,
        meta: { sha256: wantSha, version: manifest ? manifest.version : undefined },
        cap: cap !== undefined ? cap : Number.MAX_SAFE_INTEGER,
        sync: ctx.sync,
        resume: job.stream,
        checkpoint: (c: NonNullable<JobRecord['stream']>) => ctx.checkpoint({ stream: c }),
        classify: (head: FetchHead): 'image' | number => {
          const ct = head.headers['content-type'];
          if (!pkg.viaDescriptor && looksLikeDescriptor(ct, pkg.url)) {
            const len = head.headers['content-length'];
            // Only a small answer is taken for a descriptor; a `.dd` URL serving a large object is the object.
            if (looksLikeDescriptor(ct, '') || (len !== undefined && Number(len) <= MAX_DESCRIPTOR_BYTES)) return MAX_DESCRIPTOR_BYTES;
          }
          // Nothing may be written before the hash it will be checked against is known (docs/protocol.md §5.4, 404).
          if (wantSha === undefined && ctx.verification.requireHash !== false)
            throw new UpdateError('bad-signature', 'no SHA-256 is known for the package (descriptor, Ext or manifest)');
          return 'image';
        },
        onProgress: (received: number, total?: number) => ctx.onProgress && ctx.onProgress(received, total, 'download'),
      },
      pkg.size !== undefined ? { expectedSize: pkg.size } : {},
      ctx.download || {},
    )));
    } catch (e) {
      // The job fails here (the transfer loop already retried what can be): free what a partial write took; the
      // target was never activated and stays unbootable.
      if (w.abandon) await w.abandon().catch(() => undefined);
      throw e;
    }
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
          onProgress: (p: { received: number; total?: number }) => ctx.onProgress && ctx.onProgress(p.received, p.total, 'download'),
          hasher: ctx.hasher,
          sync: ctx.sync,
        },
        pkg.size !== undefined ? { expectedSize: pkg.size } : {},
        ctx.download || {},
      ),
    );
    if (!pkg.viaDescriptor && looksLikeDescriptor(outcome.contentType, pkg.url) && outcome.size <= MAX_DESCRIPTOR_BYTES) {
      // PkgURL named an OMA DL descriptor (docs/protocol.md §5.1): follow its objectURI with its size and claims.
      const withPkg = next(job, 'Download', { pkg: followDescriptor(ctx, job, pkg.url, await ctx.files.read(ctx.stagingFile, 0, outcome.size)) });
      await discardDownload(ctx.files, ctx.stagingFile);
      return { job: withPkg, state: FumoState.DownloadProgressing };
    }
    if (pkg.viaDescriptor && looksLikeDescriptor(outcome.contentType, ''))
      throw new DescriptorError(InstallNotify.InvalidDescriptor, 'descriptor points at another descriptor');
    return { job: next(job, 'Verify', { pkg }), state: FumoState.DownloadProgressing };
  },

  async Verify(ctx, job) {
    const size = await ctx.files.size(ctx.stagingFile);
    if (size === null) throw new UpdateError('corrupt', 'the downloaded package disappeared');
    const claims = claimsOf(job);
    const manifest = checkClaims(claims, ctx.verification);
    let verified;
    try {
      // The hash taken while staging (kept with the sidecar's "complete" marker); read the file again only without it.
      const staged = await stagedSha256(ctx.files, ctx.stagingFile, size);
      verified = verifyDigest(staged !== undefined ? staged : await ctx.files.sha256(ctx.stagingFile), size, claims, manifest);
    } catch (e) {
      // A corrupt file must not be resumed into: drop it so a new Exec starts clean.
      await discardDownload(ctx.files, ctx.stagingFile);
      if (e instanceof UpdateError) throw new UpdateError(e.kind, e.message, InstallNotify.AttributeMismatch, e.configuredResult);
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
    if (!v) throw new UpdateError('install-failed', 'install without a verified package');
    // Exec Update of a stored package, or a version first learnt from a descriptor's manifest: checked before begin().
    const same = await reinstallOutcome(ctx, job, packageVersion(job));
    if (same) return same;
    const before = await ctx.writer.status();
    const meta = { size: v.size, sha256: v.sha256, version: v.version, stagedFile: ctx.stagingFile };
    const w = ctx.writer;
    if (v.inTarget) {
      // A FUMO Download streamed the package into the target: it must still be there, unactivated, as verified.
      if ('installFile' in w || !w.holds || !(await w.holds({ size: v.size, sha256: v.sha256 })))
        throw new UpdateError('corrupt', 'the package downloaded into the update target is no longer there as verified');
    } else if ('installFile' in w) {
      // A whole-file installer is handed the staged file (src/ports/update.ts WholeFileWriter). A package stored by
      // an earlier Download job sat on disk since then: hashed once more before the hand-over. One verified in this
      // job was hashed while it was staged and is not read again.
      if (job.operation === 'Update' && hex(await ctx.files.sha256(ctx.stagingFile)) !== v.sha256)
        throw new UpdateError('corrupt', 'staged package changed after verification');
      await w.installFile(ctx.stagingFile, meta);
    } else {
      // Resume an interrupted slot write from its last checkpoint (docs/update-practice.md §10 step 3): the writer re-hashes the
      // slot prefix against the verified image's prefix and continues only when they match.
      let from = 0;
      if (job.installed !== undefined && job.installed > 0 && job.installed < v.size) {
        const prefix = hex(await ctx.files.sha256(ctx.stagingFile, job.installed));
        const r = await w.begin(meta, { offset: job.installed, prefixSha256: prefix });
        from = typeof r === 'number' ? r : 0;
      } else {
        await w.begin(meta);
      }
      let sinceCheckpoint = 0;
      if (ctx.onProgress) ctx.onProgress(from, v.size, 'flash');
      for (let off = from; off < v.size; ) {
        const chunk = await ctx.files.read(ctx.stagingFile, off, Math.min(ctx.chunkSize, v.size - off));
        if (chunk.length === 0) throw new UpdateError('install-failed', `staged package ended at ${off}`);
        await w.writeChunk(chunk);
        off += chunk.length;
        if (ctx.onProgress) ctx.onProgress(off, v.size, 'flash');
        sinceCheckpoint += chunk.length;
        if (w.sync && ctx.checkpointBytes > 0 && sinceCheckpoint >= ctx.checkpointBytes && off < v.size) {
          await w.sync(); // durable first, then journaled: the checkpoint never claims unsynced bytes
          await ctx.checkpoint({ installed: off });
          sinceCheckpoint = 0;
        }
      }
      await w.finish(); // read-back hash: the slot holds exactly the verified image
    }
    return written(ctx, job, before);
  },

  async Activate(ctx, job) {
    const patch: Partial<JobRecord> = {};
    if (ctx.writer.needsReboot && job.bootId !== undefined) {
      const id = await ctx.bootId();
      if (id !== null && id !== job.bootId) {
        // A power cut came between Install and here, and the device has booted since. If it booted the target, the
        // switch was made before the cut and that boot counts; otherwise the switch happens in THIS boot, which the
        // journal must name first (one journal write, only on this path), or a later check would take the reboot
        // before the switch for the one after it.
        const st = await ctx.writer.status();
        if (job.expectSlot === undefined || st.bootedSlot !== job.expectSlot) {
          patch.bootId = id;
          await ctx.checkpoint(patch);
        }
      }
    }
    // Re-run after a power cut that came after the switch: the journal's target wins over "the other slot".
    await ctx.writer.activate(job.expectSlot);
    return { job: next(job, ctx.writer.needsReboot ? 'Reboot' : 'VerifyBoot', patch), state: FumoState.UpdateProgressing };
  },

  async Reboot(ctx, job) {
    const st = await ctx.writer.status();
    const since = await rebootSince(ctx, job);
    if (since !== 'no' && job.expectSlot !== undefined && st.bootedSlot === job.expectSlot)
      return { job: next(job, 'VerifyBoot'), state: FumoState.UpdateProgressing }; // a power cycle already did it
    if (job.reboots >= MAX_REBOOTS)
      throw new UpdateError('fell-back', `still not running ${job.expectSlot !== undefined ? `slot ${job.expectSlot}` : 'the new image'} after ${job.reboots} reboots`);
    // Only reboots that happened count towards the limit when the operator reboots: agent restarts are not reboots.
    const reboots = ctx.manualReboot && since !== 'yes' ? job.reboots : job.reboots + 1;
    // Persist "VerifyBoot" and the boot id of the boot asking for the reboot first, then reboot: after the restart
    // the journal knows what to check, and a boot id that has not changed says the reboot has not happened yet.
    const patch: Partial<JobRecord> = { reboots };
    const id = await ctx.bootId();
    if (id !== null) patch.bootId = id;
    return { job: next(job, 'VerifyBoot', patch), state: FumoState.UpdateProgressing, after: 'reboot' };
  },

  async VerifyBoot(ctx, job) {
    const since = await rebootSince(ctx, job);
    if (since === 'no') {
      // Same boot as the one that asked for the reboot (the agent restarted, or resumed in the same process): the new
      // image cannot be running. The operator reboots (fumo.reboot []), or our reboot is still under way: wait, as
      // long as it takes, without a journal write. Otherwise the reboot command did not take: ask again (counted).
      if (ctx.manualReboot || ctx.rebootAskedHere) return { job, state: FumoState.UpdateProgressing, wait: true };
      return { job: next(job, 'Reboot'), state: FumoState.UpdateProgressing };
    }
    if (ctx.writer.checkBoot) {
      // External installers: what the installer itself reports decides (src/update/installers/verdict.ts). A boot id
      // that changed proves the reboot, so "still the old slot/version" is then a fallback, not a pending reboot.
      const expect = bootExpectation(job);
      if (since === 'yes') expect.rebooted = true;
      const v = await ctx.writer.checkBoot(expect);
      if (v.state === 'awaiting-reboot') return { job: next(job, 'Reboot'), state: FumoState.UpdateProgressing };
      if (v.state === 'failed') {
        return {
          job: next(job, 'RollBack', { result: { code: FUMO_RESULT_FOR['fell-back'], message: v.why, finalState: FumoState.UpdateFailedHaveData } }),
          state: FumoState.UpdateProgressing,
        };
      }
    }
    const st = ctx.writer.checkBoot ? null : await ctx.writer.status();
    if (st && job.expectSlot !== undefined && st.bootedSlot !== undefined && st.bootedSlot !== job.expectSlot) {
      if (st.primarySlot === job.expectSlot && st.pendingCommit) {
        // Still on the old image with the switch armed: the reboot has not happened yet (agent restart only). When
        // the operator reboots and no boot id proves a reboot, wait without a journal write (the loop guard would
        // otherwise end the job after some thirty agent restarts); after a proven reboot, ask again (counted).
        if (ctx.manualReboot && since !== 'yes') return { job, state: FumoState.UpdateProgressing, wait: true };
        return { job: next(job, 'Reboot'), state: FumoState.UpdateProgressing };
      }
      // The bootloader fell back (boot counter exhausted, or the env switch was lost): the new image did not run.
      return {
        job: next(job, 'RollBack', {
          result: { code: FUMO_RESULT_FOR['fell-back'], message: `booted ${st.bootedSlot}, expected ${job.expectSlot}: fell back`, finalState: FumoState.UpdateFailedHaveData },
        }),
        state: FumoState.UpdateProgressing,
      };
    }
    const healthy = ctx.health ? await ctx.health.check() : true;
    if (!healthy) {
      return {
        job: next(job, 'RollBack', {
          result: {
            code: FUMO_RESULT_FOR['install-failed'],
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
    // External installers re-check what runs inside their own commit (src/update/installers/writer.ts), from what
    // the installer reports; slot writers are checked here.
    const why = ctx.writer.checkBoot ? null : await notRunningTarget(ctx, job);
    if (why !== null) {
      // Never mark the old image good and report 200 (a cut after VerifyBoot, then a bootloader fallback, lands
      // here): roll back, which marks the target bad, and report the update as failed (410, package kept: state 70).
      return {
        job: next(job, 'RollBack', {
          result: { code: FUMO_RESULT_FOR['fell-back'], message: why, finalState: FumoState.UpdateFailedHaveData, rebootAfterReport: await runsTrialImage(ctx, job) },
        }),
        state: FumoState.UpdateProgressing,
      };
    }
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
    const finalState = finalStateOf(job);
    if (r && (finalState === FumoState.UpdateSuccessfulNoData || finalState === FumoState.UpdateFailedNoData))
      await discardDownload(ctx.files, ctx.stagingFile);
    if (job.notify !== undefined && job.pkg && job.pkg.installNotifyUri) {
      try {
        await ctx.downloader.post(job.pkg.installNotifyUri, utf8Encode(installNotifyBody(job.notify)), { contentType: 'text/plain', timeoutMs: 15000 });
      } catch (e) {
        if (ctx.log) ctx.log.log('warn', 'install-notify failed', { error: String(e) });
      }
    }
    return { job: next(job, 'Done', { notify: undefined }), state: finalState !== undefined ? finalState : FumoState.Idle };
  },
};
