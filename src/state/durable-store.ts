// Durable JSON documents by name over the Storage port: the DM tree, nonces, pending FUMO/SCOMO reports and the
// update journal all live here. Each document is kept twice: `<name>` (current) and `<name>.prev` (the one before).
// A put first makes the current good copy the new `.prev` (for a new document: the new bytes), then atomically
// replaces `<name>` (Storage.writeAtomic: temp file, fsync, rename, fsync dir). A power cut at any point leaves
// at least one good copy, even on storage whose writes can tear (tested by cutting power at every write).
// On get, a corrupted or half-written `<name>` is detected by the envelope checksum (./envelope.ts) and the document
// is recovered from `.prev`, logged at error level and recorded in recoveries() — never silently reset. When both
// copies are bad, get throws StateCorruptError: the caller decides, nothing is thrown away — unless the store was made
// with `setAside` (the agent does this, docs/robustness.md "Damaged state"): then every damaged copy is first kept as
// `<file>.corrupt-<time>` for inspection, and a document with no good copy left is moved aside, logged at error level
// and answered as never stored, so no damaged file can stop the agent. Whoever owns the document rebuilds what it can
// (the FUMO engine rebuilds a lost result report from its journal, src/fumo/engine.ts).

import type { Log, Storage } from '../ports/runtime.js';
import { openDocument, sealDocument, StateFormatError } from './envelope.js';

export interface RecoveryReport {
  name: string;
  /** Why `<name>` was refused. */
  reason: string;
  /**
   * Where the document came from instead ('nothing': an interrupted first write, answered as never stored;
   * 'set-aside': no good copy was left, the damaged files were kept as `*.corrupt-<time>` and it counts as absent).
   */
  recoveredFrom: 'prev' | 'nothing' | 'set-aside';
  /** Files the damaged copies were kept as (only with the `setAside` option). */
  keptAs?: string[];
}

export interface DurableStoreOptions {
  /**
   * Keep damaged copies as `<file>.corrupt-<now()>` and set aside a document with no good copy instead of throwing
   * StateCorruptError (see the top of this file). `now` names the kept files (milliseconds, from the Clock port).
   */
  setAside?: { now(): number };
}

export class StateCorruptError extends Error {
  readonly documentName: string;
  constructor(name: string, message: string) {
    super(message);
    this.name = 'StateCorruptError';
    this.documentName = name;
  }
}

export class StateNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateNameError';
  }
}

const PREV_SUFFIX = '.prev';

/** keepDamaged could not write a copy (already logged). */
class KeepFailed extends Error {}
/** Kept damaged copies are named `<file>.corrupt-<time>`; names() never lists them as documents. */
const CORRUPT_MARK = '.corrupt-';

function checkName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.length > 100) {
    throw new StateNameError(`state document name ${JSON.stringify(name)} must be a plain file name ([A-Za-z0-9._-], at most 100)`);
  }
  if (name.length > PREV_SUFFIX.length && name.substring(name.length - PREV_SUFFIX.length) === PREV_SUFFIX) {
    throw new StateNameError(`state document name ${JSON.stringify(name)} must not end with ${PREV_SUFFIX}`);
  }
}

export class DurableStore {
  private readonly reports: RecoveryReport[] = [];
  /** Bytes of the last good copy of each document we read or wrote: what becomes `.prev` on the next put. */
  private readonly good = new Map<string, Uint8Array>();
  /** The last put of each name, so that rotating `.prev` and writing `<name>` never interleave between puts. */
  private readonly queue = new Map<string, Promise<void>>();

  constructor(
    private readonly storage: Storage,
    private readonly log?: Log,
    private readonly options: DurableStoreOptions = {},
  ) {}

  /** Copies damaged files aside for inspection (setAside only); returns the names they were kept as. */
  private async keepDamaged(files: Array<[string, Uint8Array | null]>): Promise<string[]> {
    const setAside = this.options.setAside;
    if (!setAside) return [];
    const stamp = setAside.now();
    const kept: string[] = [];
    for (const [file, bytes] of files) {
      if (bytes === null) continue;
      const name = `${file}${CORRUPT_MARK}${stamp}`;
      try {
        await this.storage.writeAtomic(name, bytes);
        kept.push(name);
      } catch (e) {
        // Best effort (a full disk must not stop the agent either): the damaged file then stays where it is.
        if (this.log) this.log.log('error', 'could not keep a damaged state file for inspection', { file, error: String(e) });
        throw new KeepFailed();
      }
    }
    return kept;
  }

  /** No good copy is left: keep both aside, remove them, answer "never stored" (setAside only, else throw). */
  private async setAsideOrThrow(name: string, current: Uint8Array | null, prev: Uint8Array | null, message: string): Promise<null> {
    if (!this.options.setAside) throw new StateCorruptError(name, message);
    let keptAs: string[] = [];
    try {
      keptAs = await this.keepDamaged([
        [name, current],
        [name + PREV_SUFFIX, prev],
      ]);
      // The copies are kept above before the originals go: a cut in between leaves the damaged originals in place,
      // and the next start sets them aside again. Removal order as in remove(): `.prev` first.
      await this.storage.remove(name + PREV_SUFFIX);
      await this.storage.remove(name);
    } catch (e) {
      if (!(e instanceof KeepFailed)) throw e;
      // Not kept: leave the damaged files in place (the next put replaces them) rather than delete them unseen.
    }
    this.good.delete(name);
    this.reports.push({ name, reason: message, recoveredFrom: 'set-aside', keptAs });
    const where = keptAs.length > 0 ? `kept as ${keptAs.join(', ')}` : 'could not be kept';
    if (this.log) this.log.log('error', `${message}; ${where} and set aside, continuing without it`, { name });
    return null;
  }

  /** The document, or null when it has never been stored. Throws StateCorruptError when no good copy is left. */
  async get(name: string): Promise<unknown | null> {
    checkName(name);
    const current = await this.storage.read(name);
    let reason: string;
    if (current !== null) {
      try {
        const value = openDocument(current);
        this.good.set(name, current);
        return value;
      } catch (e) {
        if (!(e instanceof StateFormatError)) throw e;
        reason = e.message;
      }
    } else reason = 'missing while its .prev exists';
    const prev = await this.storage.read(name + PREV_SUFFIX);
    if (prev === null) {
      if (current === null) return null;
      return this.setAsideOrThrow(name, current, null, `state document ${name} is unreadable (${reason}) and there is no ${name}${PREV_SUFFIX}`);
    }
    let value: unknown;
    try {
      value = openDocument(prev);
    } catch (e) {
      if (!(e instanceof StateFormatError)) throw e;
      if (current === null) {
        // `<name>` is only ever written after `.prev` (see put), so no put of this document ever completed: the
        // first one was cut short. Nothing was lost; say so and answer "never stored".
        this.reports.push({ name, reason: `first write interrupted (${e.message})`, recoveredFrom: 'nothing' });
        if (this.log) this.log.log('warn', 'state document was never completely written; treated as absent', { name });
        return null;
      }
      return this.setAsideOrThrow(name, current, prev, `state document ${name} is unreadable (${reason}) and ${name}${PREV_SUFFIX} too (${e.message})`);
    }
    // The damaged current copy is about to be overwritten by the repair below: keep it for inspection first.
    let keptAs: string[] = [];
    try {
      keptAs = await this.keepDamaged([[name, current]]);
    } catch (e) {
      if (!(e instanceof KeepFailed)) throw e;
    }
    const report: RecoveryReport = { name, reason, recoveredFrom: 'prev' };
    if (keptAs.length > 0) report.keptAs = keptAs;
    this.reports.push(report);
    if (this.log) this.log.log('error', 'state document recovered from its previous copy', keptAs.length > 0 ? { name, reason, keptAs: keptAs.join(', ') } : { name, reason });
    // Repair `<name>` so the next put keeps a good `.prev`.
    await this.storage.writeAtomic(name, prev);
    this.good.set(name, prev);
    return value;
  }

  /** Stores the document durably; the copy it replaces becomes `<name>.prev`. Puts of one name run one at a time. */
  async put(name: string, value: unknown): Promise<void> {
    checkName(name);
    const sealed = sealDocument(value); // serialise now: later changes by the caller must not leak into this put
    const previous = this.queue.get(name) || Promise.resolve();
    const next = previous.then(
      () => this.write(name, sealed),
      () => this.write(name, sealed),
    );
    this.queue.set(name, next);
    const clear = () => {
      if (this.queue.get(name) === next) this.queue.delete(name);
    };
    next.then(clear, clear);
    return next;
  }

  private async write(name: string, sealed: Uint8Array): Promise<void> {
    let previous = this.good.get(name);
    if (!previous) {
      const onDisk = await this.storage.read(name);
      if (onDisk !== null) {
        try {
          openDocument(onDisk);
          previous = onDisk;
        } catch (e) {
          // A bad current copy must not overwrite a good `.prev`.
          if (!(e instanceof StateFormatError)) throw e;
        }
      }
    }
    // `.prev` is always written before `<name>`; for a new document it gets the new bytes, so that even a storage
    // whose "atomic" write can tear leaves one complete copy, and `<name>` exists only once a put completed.
    await this.storage.writeAtomic(name + PREV_SUFFIX, previous || sealed);
    await this.storage.writeAtomic(name, sealed);
    this.good.set(name, sealed);
  }

  async remove(name: string): Promise<void> {
    checkName(name);
    // `.prev` first: a cut in between leaves `<name>`, i.e. the document as if remove had not started.
    await this.storage.remove(name + PREV_SUFFIX);
    await this.storage.remove(name);
    this.good.delete(name);
  }

  /** Names of the stored documents (kept damaged copies, `*.corrupt-<time>`, are not documents). */
  async names(): Promise<string[]> {
    const out: string[] = [];
    for (const f of await this.storage.list()) {
      if (f.indexOf(CORRUPT_MARK) >= 0) continue;
      const base = f.length > PREV_SUFFIX.length && f.substring(f.length - PREV_SUFFIX.length) === PREV_SUFFIX ? f.substring(0, f.length - PREV_SUFFIX.length) : f;
      if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(base) && out.indexOf(base) < 0) out.push(base);
    }
    return out.sort();
  }

  /** Every recovery from `.prev` since this store was created (for the agent's status report). */
  recoveries(): RecoveryReport[] {
    return this.reports.slice();
  }
}
