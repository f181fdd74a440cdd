// What the update pipeline needs from a runtime, beyond src/ports/runtime.ts: an HTTP client that streams into a file, a few
// file operations on the staging area, and a flash writer per bootloader (RAUC bootchooser style: one interface, one
// small implementation per bootloader, src/update/writers/ over the ports of src/ports/writers.ts). Node adapters
// live in platform/node/{download,hash,writer-ports}.ts.

/** Answer head of a package GET, given to the caller before any body byte is written. */
export interface FetchHead {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
}

/** One package GET into a staging file. */
export interface FetchToFileRequest {
  url: string;
  /** Destination file (absolute path in the staging directory). */
  file: string;
  /**
   * Resume offset. When > 0 the adapter sends `Range: bytes=<offset>-` (and `If-Range` when given). On 206 it keeps the
   * first `offset` bytes of `file` and appends; on 200 it truncates `file` and writes from byte 0; on any other status
   * it leaves `file` untouched.
   */
  offset: number;
  /** Strong validator (ETag or Last-Modified) sent as If-Range with the Range. */
  ifRange?: string;
  headers?: Record<string, string>;
  connectTimeoutMs: number;
  /** Abort when no byte arrives for this long. */
  idleTimeoutMs: number;
  /** Abort when fewer than `bytesPerSecond` arrive on average over `windowMs` (curl LOW_SPEED_LIMIT/TIME). */
  lowSpeed?: { bytesPerSecond: number; windowMs: number };
  /** Bandwidth cap; 0 or absent = unlimited. */
  maxBytesPerSecond?: number;
  /**
   * Abort with TransferError('too-large') before the file grows past this size: bytes beyond it are never written,
   * whatever the server announces (an endless body without Content-Length stops here).
   */
  maxFileSize?: number;
  /** Abort the whole request (connect, answer and body) after this long: what is left of the download deadline. */
  maxTimeMs?: number;
}

/** What the downloader tells the core while a transfer runs. */
export interface FetchHooks {
  /** Called once with the status and headers; body bytes are written only after it resolves. Throwing aborts. */
  onResponse(head: FetchHead): Promise<void>;
  /** Current file size as bytes arrive (called at most a few times per second by well-behaved adapters). */
  onProgress?(fileSize: number): void;
}

/** How a transfer ended (any HTTP status; only a failed transfer throws TransferError). */
export interface FetchResult extends FetchHead {
  /** File size after the transfer. */
  fileSize: number;
}

/**
 * HTTP(S) client for packages. Failures of the transport itself are thrown as `TransferError` (see errors.ts);
 * HTTP statuses are returned, never thrown. Redirects are not followed (the caller re-checks the URL policy).
 */
export interface Downloader {
  fetchToFile(request: FetchToFileRequest, hooks: FetchHooks): Promise<FetchResult>;
  /** Small GET into memory (download descriptors); bodies larger than `maxBytes` throw TransferError('too-large'). */
  get(url: string, options: { timeoutMs: number; maxBytes: number; headers?: Record<string, string> }): Promise<FetchResult & { body: Uint8Array }>;
  /** Small POST (OMA DL install-notify). */
  post(url: string, body: Uint8Array, options: { contentType: string; timeoutMs: number }): Promise<FetchHead>;
}

/** Operations on files in the staging directory. Memory stays flat: `sha256` streams, `read` reads one range. */
export interface StagingFiles {
  /** Size in bytes, or null when the file does not exist. */
  size(file: string): Promise<number | null>;
  /** SHA-256 of the whole file, or of its first `length` bytes, computed in fixed-size chunks. */
  sha256(file: string, length?: number): Promise<Uint8Array>;
  read(file: string, offset: number, length: number): Promise<Uint8Array>;
  readText(file: string): Promise<string | null>;
  /** tmp + fsync + rename + fsync(dir). */
  writeTextAtomic(file: string, text: string): Promise<void>;
  remove(file: string): Promise<void>;
  /** Optional: bytes free for this process on the file system that holds `file` (statvfs f_bavail * f_frsize). */
  freeBytes?(file: string): Promise<number>;
}

/** What the writer is told about the image it is about to receive (already verified). */
export interface ImageMeta {
  size: number;
  /** Lower-case hex SHA-256 of the image; the writer re-hashes the slot after writing and compares. */
  sha256: string;
  version?: string;
  /** The verified staged file, for writers that hand a whole file to an external installer. */
  stagedFile?: string;
}

/** Where an interrupted slot write may continue: the first `offset` bytes were written and synced before. */
export interface ResumePoint {
  offset: number;
  /** SHA-256 (hex) of the first `offset` bytes of the verified image; the writer re-hashes its slot prefix. */
  prefixSha256: string;
}

/** What a writer can tell about the slots and a pending commit. */
export interface FlashStatus {
  /** Slot the running system booted from (A/B writers), if known. */
  bootedSlot?: string;
  /** Slot the bootloader will try next. */
  primarySlot?: string;
  /** Slot an update is written to (the one not booted). */
  targetSlot?: string;
  /** An activated update is waiting for commit (`upgrade_available=1`, a kept backup, ...). */
  pendingCommit: boolean;
  /** Firmware version the running system reports (external installers), journaled before the install. */
  runningVersion?: string;
}

/** What the journal says the update should have brought, for a writer that checks it after the reboot. */
export interface BootExpectation {
  /** Slot the image was installed to (the journal's expectSlot). */
  slot?: string;
  /** Version the package names (signed manifest, else the FUMO PkgVersion node). */
  version?: string;
  /** Slot and version that ran when the install started. */
  fromSlot?: string;
  fromVersion?: string;
  /** True when a reboot is known to have happened since the activation; absent when that cannot be told. */
  rebooted?: boolean;
}

/** A writer's judgement of what runs now. */
export type BootVerdict =
  | { state: 'running'; note?: string }
  | { state: 'awaiting-reboot'; why: string }
  | { state: 'failed'; why: string };

/**
 * What every flash back end does after the image is in place: activate (one atomic switch) → [reboot] → commit |
 * rollback, and report its status. Every method is safe to call again after a power cut.
 */
interface FlashWriterBase {
  readonly kind: string;
  /** True when activate() only takes effect after a reboot (A/B slots, external installers). */
  readonly needsReboot: boolean;
  /** `target` is the slot named by status().targetSlot before the install (journaled), for A/B writers after a restart. */
  activate(target?: string): Promise<void>;
  /**
   * Mark the running image good (after the health check). A writer that can check `expect` (checkBoot) refuses with
   * UpdateError(410) when the new image does not run, so a re-run after a fallback never marks the old image good.
   */
  commit(expect?: BootExpectation): Promise<void>;
  /** Return to the previous image (mark the target bad); takes effect at the next boot for A/B writers. */
  rollback(expect?: BootExpectation): Promise<void>;
  status(): Promise<FlashStatus>;
  /**
   * Optional: after the reboot, judge from what the installer itself reports whether the new image runs. Writers
   * without it are judged by status() (booted slot against the journal's expectSlot).
   */
  checkBoot?(expect: BootExpectation): Promise<BootVerdict>;
}

/**
 * A writer the engine streams the verified image into: begin → writeChunk* → finish (flush, read back, hash the whole
 * target and compare; throws UpdateError(410) on mismatch), then FlashWriterBase. begin restarts the write from
 * scratch unless a resume point's prefix re-hashes right.
 */
export interface StreamingWriter extends FlashWriterBase {
  /**
   * Opens the target (marking it bad first where that applies). With `resume`, a writer that can re-hash the slot
   * prefix continues after it when it matches; returns the offset writing continues from (0 or nothing = start).
   */
  begin(meta: ImageMeta, resume?: ResumePoint): Promise<number | void>;
  writeChunk(bytes: Uint8Array): Promise<void>;
  /** Optional: make every byte written so far durable (fsync), so the engine can journal an install checkpoint. */
  sync?(): Promise<void>;
  finish(): Promise<void>;
}

/**
 * A writer that takes the whole staged, verified file and hands it over (external installers: RAUC, SWUpdate,
 * sysupgrade, a project's own); then FlashWriterBase.
 */
export interface WholeFileWriter extends FlashWriterBase {
  installFile(file: string, meta: ImageMeta): Promise<void>;
}

/** One flash back end: streamed into, or handed the whole staged file (`'installFile' in writer`). */
export type FlashWriter = StreamingWriter | WholeFileWriter;

/** Reboots the device (after the pending report is stored). Tests replace it by "power off + new engine". */
export interface Rebooter {
  reboot(): Promise<void>;
  /** reboot() only says a reboot is due (fumo.reboot []): the operator reboots, whenever that is. */
  readonly manual?: boolean;
}

/** Decides whether the freshly booted image works (services up, DM server reachable) before commit. */
export interface HealthCheck {
  check(): Promise<boolean>;
}
