// The FUMO journal: one small JSON document, rewritten atomically BEFORE each step runs (Mender style, docs/update-practice.md
// §11.5/§11.9), so a restart resumes at the step that was about to run. Every handler is re-runnable.
// Storage is the JsonStore port (src/ports/runtime.ts); src/state/DurableStore (atomic files over the Storage port) plugs in.

import type { JsonStore } from '../ports/runtime.js';
import type { FumoOperation } from './state.js';
import type { StreamCheckpoint } from '../update/stream.js';
import type { DeliveryRecord } from './delivery.js';

/** In-memory JsonStore (tests, and devices that accept losing jobs at reboot). */
export class MemoryJournalStore implements JsonStore {
  readonly data = new Map<string, string>();
  async get(name: string): Promise<unknown | null> {
    const v = this.data.get(name);
    return v === undefined ? null : JSON.parse(v);
  }
  async put(name: string, value: unknown): Promise<void> {
    this.data.set(name, JSON.stringify(value));
  }
}

/** Named steps of a job; each has one handler in steps.ts and an explicit next step. */
export type StepName =
  | 'Resolve' // check the PkgURL policy and the package claims (signature, hardware, version) before any transfer
  | 'Stream' // one pass: resumable GET straight into the writer's target while hashing, verified and read back (streaming writers)
  | 'Download' // resumable GET into the staging file; a descriptor found there is parsed and followed
  | 'Verify' // SHA-256 and size of the staged file against the claims
  | 'Install' // stream the verified file into the flash writer (begin / writeChunk / finish with read-back)
  | 'Activate' // one atomic switch of the boot target
  | 'Reboot' // journal says VerifyBoot, then reboot
  | 'VerifyBoot' // after the restart: did we boot the new image? health check
  | 'Commit' // mark the new image good
  | 'RollBack' // return to the old image, then report failure
  | 'Report' // store the pending report (idempotent by job id)
  | 'Done';

export interface ExecRequest {
  pkgUrl?: string;
  correlator?: string;
  /** Expected SHA-256 (hex), e.g. from FUMO Ext. */
  sha256?: string;
  size?: number;
  /** Signed manifest (base64) and its detached ed25519 signature (base64), e.g. from FUMO Ext. */
  manifest?: string;
  signature?: string;
  /** The FUMO `<x>/PkgVersion` node at Exec time: the version the server says the package holds. */
  pkgVersion?: string;
}

export interface PackageInfo {
  /** URL of the object itself (PkgURL, or the descriptor's objectURI). */
  url: string;
  size?: number;
  installNotifyUri?: string;
  sha256?: string;
  manifest?: string;
  signature?: string;
  /** True once a descriptor was followed (a second descriptor is refused). */
  viaDescriptor?: boolean;
}

export interface VerifiedInfo {
  sha256: string;
  size: number;
  version?: string;
  /**
   * The package is in the writer's target (streamed there, read back, not activated), not in the staging file: an
   * Exec Update checks the target still holds it (StreamingWriter.holds) and activates it.
   */
  inTarget?: boolean;
  /**
   * Delivered inside the DM session (Replace `<x>/Update/PkgData`, src/fumo/delivery.ts): hashed as it was received,
   * not yet checked against the claims, which Exec Update does first (the server may set them after the data).
   */
  delivered?: boolean;
}

export interface JobRecord {
  id: string;
  operation: FumoOperation;
  step: StepName;
  request: ExecRequest;
  pkg?: PackageInfo;
  verified?: VerifiedInfo;
  /** Slot the new image should boot from (A/B writers). */
  expectSlot?: string;
  /** What ran when the install started (writers with checkBoot: external installers), for telling "not rebooted yet". */
  from?: { slot?: string; version?: string };
  /**
   * Kernel boot id of the boot that made the switch or asked for the reboot (journaled with that step): the device
   * has rebooted since only when the boot id differs (an agent restart keeps it).
   */
  bootId?: string;
  /** Install checkpoint: bytes of the image written and synced into the target (resume point after a power cut). */
  installed?: number;
  /** Streamed-install checkpoint: bytes synced into the target, the validator and the prefix hash (Range resume). */
  stream?: StreamCheckpoint;
  /** Set once the outcome is known. */
  result?: { code: number; message: string; finalState: number; rebootAfterReport?: boolean };
  /** Install-notify status to POST in the Report step (descriptor downloads only). */
  notify?: number;
  /**
   * Set once the server acknowledged this job's report (after the outbox recorded it): lets a restart tell a report
   * that was delivered from one the outbox lost (FumoEngine reconcile, docs/robustness.md "Damaged state").
   */
  reportAcknowledged?: boolean;
  /** Steps persisted so far: a hard cap stops a job that keeps bouncing (Mender's loop guard, docs/update-practice.md §11.5). */
  transitions: number;
  reboots: number;
}

export interface FumoDocument {
  version: 1;
  /** Monotonic write counter (diagnostics: shows how many journal writes a job took). */
  seq: number;
  /** Value of the `<x>/State` node. */
  state: number;
  job: JobRecord | null;
  /** A verified package kept in the staging file (after Download, or when HaveData). */
  package: VerifiedInfo | null;
  /** A package being delivered through DM (Replace PkgData) right now: journaled before its first byte is written. */
  delivery?: DeliveryRecord | null;
  /** How the last DM delivery ended when it did not (shown by `status`; the State node says 20). */
  deliveryNote?: string;
}
