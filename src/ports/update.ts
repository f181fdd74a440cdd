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

/**
 * How often a long write is made durable (fsync, then a journal checkpoint where the core keeps one): after this many
 * bytes or this long since the last time, whichever comes first (docs/update-practice.md §10 step 3).
 */
export interface SyncCadence {
  bytes: number;
  ms: number;
}

/** What every package GET is told: where to resume, and how long, slow and large it may be. */
export interface FetchRequest {
  url: string;
  /**
   * Resume offset. When > 0 the adapter sends `Range: bytes=<offset>-` (and `If-Range` when given); a 206 continues
   * at `offset`, a 200 is the whole object from byte 0 (the caller starts over).
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

/**
 * One package GET into a staging file. On 206 the adapter keeps the first `offset` bytes of `file` and appends; on 200
 * it truncates `file` and writes from byte 0; on any other status it leaves `file` untouched.
 */
export interface FetchToFileRequest extends FetchRequest {
  /** Destination file (absolute path in the staging directory). */
  file: string;
  /** fsync cadence of the staged file (the adapter's default when absent); it is always synced before success. */
  sync?: SyncCadence;
}

/** What the downloader tells the core while a transfer runs. */
export interface FetchHooks {
  /** Called once with the status and headers; body bytes are written only after it resolves. Throwing aborts. */
  onResponse(head: FetchHead): Promise<void>;
  /** Current file size as bytes arrive (called at most a few times per second by well-behaved adapters). */
  onProgress?(fileSize: number): void;
  /**
   * Every body chunk of a 2xx answer as it goes to the file, in order (the hash while staging: the staged file is
   * never read again to hash it). Synchronous; the adapter may reuse `bytes` after the call returns.
   */
  onBody?(bytes: Uint8Array): void;
}

/** What the streamed GET tells the core: the head first, then the body chunk by chunk (no file in between). */
export interface StreamHooks {
  /** Called once with the status and headers; no body chunk comes before it resolves. Throwing aborts. */
  onResponse(head: FetchHead): Promise<void>;
  /**
   * One body chunk of a 200/206 answer, in order. The adapter reads no further until the returned promise settles
   * (backpressure: memory stays flat whatever the image size) and may reuse `bytes` afterwards, so the core copies
   * what must outlive the call. A rejection aborts the transfer and is rethrown by fetch().
   */
  onBody(bytes: Uint8Array): Promise<void> | void;
}

/** How a streamed transfer ended (any HTTP status; only a failed transfer throws TransferError). */
export interface FetchStreamResult extends FetchHead {
  /** Body bytes handed to onBody (0 for a status other than 200/206, whose body is never handed on). */
  received: number;
}

/** Incremental SHA-256 (FIPS 180-4): node:crypto on Node, dmnative with the CPU's SHA instructions on QuickJS. */
export interface Sha256Hasher {
  update(bytes: Uint8Array): void;
  /** The 32-byte digest; the hasher is not updated afterwards. */
  digest(): Uint8Array;
  /** An independent hasher in the same state (the digest of a prefix while hashing goes on). */
  copy(): Sha256Hasher;
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
  /**
   * A package GET whose body goes to `hooks.onBody` as it arrives (the one-pass install: straight into the inactive
   * slot). `maxFileSize` bounds `offset` + the body: a chunk that would pass it is not handed on (TransferError
   * 'too-large').
   */
  fetch(request: FetchRequest, hooks: StreamHooks): Promise<FetchStreamResult>;
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

/**
 * What the writer is told about the image it is about to receive: verified already (from a staged file), or the
 * claims of an image streamed straight from the network (verified before finish() returns, never after activation).
 */
export interface ImageMeta {
  /** Size of the image; for a streamed image of unknown length, the most it may be (finish() is told the real one). */
  size: number;
  /** Lower-case hex SHA-256 of the image, when known before the write; the writer re-hashes the slot after writing. */
  sha256?: string;
  version?: string;
  /** The verified staged file, for writers that hand a whole file to an external installer. */
  stagedFile?: string;
}

/** Where an interrupted slot write may continue: the first `offset` bytes were written and synced before. */
export interface ResumePoint {
  offset: number;
  /** SHA-256 (hex) of the first `offset` bytes of the image; the writer re-hashes its slot prefix. */
  prefixSha256: string;
  /**
   * A fresh hasher the writer feeds the slot prefix into while it re-hashes it: the streamed install goes on hashing
   * from there (a hash state cannot be saved on Node, so the prefix is read once more, only on resume).
   */
  hasher?: Sha256Hasher;
}

/** The image a streamed write turned out to be: its size and hash as received (and checked against the claims). */
export interface WrittenImage {
  size: number;
  sha256: string;
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
   * Optional: the plain file a streamed write grows (file writer: `<target>.new`), whose file system's free space
   * bounds the package as the staging space bounds a staged one (src/update/space.ts). Absent for a fixed-size slot,
   * which the package cap already bounds (fumo.maxPackageSize, at most the slot size).
   */
  readonly targetFile?: string;
  /**
   * Opens the target (marking it bad first where that applies). With `resume`, a writer that can re-hash the slot
   * prefix continues after it when it matches; returns the offset writing continues from (0 or nothing = start).
   * Calling it again starts the write over (a 200 answer to a resumed GET).
   */
  begin(meta: ImageMeta, resume?: ResumePoint): Promise<number | void>;
  /** Writes `bytes` at the current position; the writer does not keep `bytes` after the promise settles. */
  writeChunk(bytes: Uint8Array): Promise<void>;
  /** Optional: make every byte written so far durable (fsync), so the engine can journal an install checkpoint. */
  sync?(): Promise<void>;
  /**
   * fsync, drop the target's pages from the cache and hash it as the medium holds it; UpdateError(410) when that is
   * not `image` (or meta.sha256 without `image`). The target stays unbootable until activate().
   */
  finish(image?: WrittenImage): Promise<void>;
  /**
   * Optional: the target still holds `image`, read back from the medium, and has not been activated (a package a
   * FUMO Download streamed into the slot, before Exec Update activates it).
   */
  holds?(image: WrittenImage): Promise<boolean>;
  /**
   * Optional: give up a write that will not be finished (the job failed): the target stays unbootable, and space a
   * partial copy took is freed (the file writer removes `<target>.new`). Never touches what runs or its fallback.
   */
  abandon?(): Promise<void>;
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
