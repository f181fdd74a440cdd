// A delivery package sent inside the DM session (OMA-TS-DM_SCOMO-V1_0 "Inventory/Delivered/<x>/Data", docs/protocol.md
// §6.1): the server Adds `Inventory/Delivered/<x>` with its PkgID, Name, Version leaves, Adds (or Replaces) `<x>/Data`
// with the package as a large object (MoreData chunks, Meta Size = the decoded bytes, docs/protocol.md §1.10), then
// Execs `<x>/Operations/Install` or `InstallInactive`, which installs it exactly as a downloaded package
// (./operations.ts installDelivered: the installer, its verification and rollback, the OperationComplete report).
//
// The chunks go to a staging file as they arrive and are hashed on the way (src/update/delivery.ts): memory stays flat
// whatever the package size. The delivery is journaled before its first byte: one cut off by the end of the session or
// of the process is never resumed (the session that carried it is gone); its partial copy is removed at the next start
// and the node keeps a note saying why it has no package (shown by `status`).
import { base64Decode, utf8Encode } from '../bytes.js';
import type { Log } from '../ports/runtime.js';
import type { Sha256Hasher, StagingFiles } from '../ports/update.js';
import type { WriterFs } from '../ports/writers.js';
import { PackageDelivery } from '../update/delivery.js';
import { UpdateError } from '../update/errors.js';
import { downloadBudget } from '../update/space.js';
import type { LargeObjectSink } from '../ports/large-object.js';
import { DeliveredState, DeliveredStatus, DmStatus } from './codes.js';
import { nodeNameFor } from './names.js';
import type { DeliveredEntry, ScomoDoc, ScomoState } from './state.js';

/** What a DM-delivered package needs: a staging file written with fsync (the same port as FUMO's PkgData). */
export interface DeliveryServices {
  fs: WriterFs;
  files: StagingFiles;
  /** scomo.stagingDir: the package of Delivered/<x> is `<dir>/scomo-delivered-<x>.pkg`. */
  stagingDir: string;
  sha256?: () => Sha256Hasher;
  /** scomo.maxPackageSize (or download.maxSize): a bigger package is refused with 413. */
  maxSize?: number;
}

/** Leaves of `Inventory/Delivered/<x>` the server sets (docs/protocol.md §6.1), and where the entry keeps them. */
export const DELIVERED_LEAVES: Record<string, keyof DeliveredEntry> = {
  PkgID: 'pkgId',
  Name: 'name',
  Version: 'version',
  Description: 'description',
  PkgType: 'pkgType',
  InstallParams: 'installParams',
  EnvType: 'envType',
};

/** A Delivered node the server Added, before its Data arrived. */
export function newDeliveredEntry(): DeliveredEntry {
  return { pkgId: '', name: '', path: '', sha256: '', status: DeliveredStatus.Idle, state: DeliveredState.Delivered };
}

/** Whether `<x>/Data` exists: a package was delivered, or is being delivered now. */
export function hasData(e: DeliveredEntry): boolean {
  return e.sha256 !== '' || !!e.delivery;
}

const CUT_NOTE = 'the package delivered through DM (Inventory/Delivered/<x>/Data) was cut off before its last chunk';

/**
 * At start-up, before anyone reads the journal: a delivery still marked as under way was cut off by the end of the
 * previous process. Its partial copy goes; the node stays, without a package, and says why. `remove` null: a
 * read-only command (`status`, no state lock), which changes no file and leaves the removal to the next locked one.
 */
export async function dropCutDeliveries(doc: ScomoDoc, remove: ((path: string) => Promise<void>) | null, log?: Log): Promise<void> {
  for (const x of Object.keys(doc.delivered)) {
    const e = doc.delivered[x];
    if (!e.delivery) continue;
    if (e.path && remove) await remove(e.path).catch(() => undefined);
    delete e.delivery;
    delete e.size;
    e.sha256 = '';
    e.note = `${CUT_NOTE}; the partial copy ${remove ? 'was removed' : 'is removed by the next command that holds the state lock'}`;
    if (log) log.log('warn', e.note, { node: x });
  }
}

export class DeliveredData {
  constructor(
    private readonly state: ScomoState,
    private readonly s: DeliveryServices | undefined,
    private readonly log?: Log,
  ) {}

  /**
   * The first chunk of `<x>/Data` (or the whole of a small one): a sink writing it to the staging file, or the DM
   * status refusing it: 406 without a staging port, 405 while a job uses the node, 413 over the package cap
   * (OMA-TS-DM_Protocol-V1_2 large object handling), 420 when it does not fit the free staging space.
   */
  async open(x: string, size?: number): Promise<number | LargeObjectSink> {
    const s = this.s;
    if (!s) return 406;
    const refused = await this.state.update((doc) => (doc.jobs.some((j) => j.area === 'Delivered' && j.node === x) ? DmStatus.NotAllowed : 0));
    if (refused) return refused;
    if (size !== undefined && s.maxSize !== undefined && size > s.maxSize) {
      this.note('warn', `Delivered/${x}/Data of ${size} bytes refused: the package cap (scomo.maxPackageSize) is ${s.maxSize}`);
      return 413;
    }
    const file = `${s.stagingDir.replace(/\/+$/, '')}/scomo-delivered-${nodeNameFor(x)}.pkg`;
    await s.files.remove(file).catch(() => undefined);
    let budget: number | undefined;
    try {
      budget = await downloadBudget(s.files, file, { expectedSize: size, maxSize: s.maxSize });
    } catch (e) {
      this.note('warn', `Delivered/${x}/Data refused: ${e instanceof Error ? e.message : String(e)}`);
      return e instanceof UpdateError ? 420 : 500;
    }
    // Journaled before the first byte is written: a cut from here on is found at the next start (dropCutDeliveries).
    await this.state.update((doc) => {
      const e = doc.delivered[x] || (doc.delivered[x] = newDeliveredEntry());
      e.delivery = size === undefined ? {} : { size };
      e.path = file;
      e.sha256 = '';
      e.status = DeliveredStatus.Idle;
      e.state = DeliveredState.Delivered;
      delete e.size;
      delete e.note;
    });
    const ended = (fn: (e: DeliveredEntry) => void) =>
      this.state.update((doc) => {
        const e = doc.delivered[x];
        if (!e) return;
        delete e.delivery;
        fn(e);
      });
    return PackageDelivery.open({
      fs: s.fs,
      files: s.files,
      stagingFile: file,
      budget: budget !== undefined ? budget : Number.MAX_SAFE_INTEGER,
      hasher: s.sha256 ? s.sha256() : undefined,
      complete: async (pkg) => {
        this.note('info', `package delivered through DM to Delivered/${x}: ${pkg.size} bytes, SHA-256 ${pkg.sha256}`);
        await ended((e) => {
          e.sha256 = pkg.sha256;
          e.size = pkg.size;
        });
      },
      fail: async (why) => {
        this.note('warn', `Delivered/${x}/Data: ${why}`);
        await ended((e) => {
          e.sha256 = '';
          e.note = why;
        });
      },
    }).catch(async (e) => {
      await ended((en) => {
        en.note = `the staging file could not be opened: ${String(e)}`;
      });
      return 500;
    });
  }

  /** Add/Replace `<x>/Data` carrying the whole package in one item: the same path as a large object, in one write. */
  async whole(x: string, value: { format?: string; data?: string | Uint8Array }): Promise<number> {
    const d = value.data === undefined ? '' : value.data;
    let bytes: Uint8Array;
    try {
      bytes = typeof d !== 'string' ? d : value.format === 'b64' ? base64Decode(d) : utf8Encode(d);
    } catch {
      return 400; // Format b64 whose data is not base64
    }
    const sink = await this.open(x, bytes.length);
    if (typeof sink === 'number') return sink;
    try {
      await sink.write(bytes);
    } catch (e) {
      const status = (e as { status?: unknown }).status;
      return typeof status === 'number' ? status : DmStatus.CommandFailed;
    }
    return sink.finish();
  }

  private note(level: 'info' | 'warn', message: string): void {
    if (this.log) this.log.log(level, message);
  }
}
