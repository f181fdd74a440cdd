// A package delivered inside the DM session as a large object (OMA-TS-DM_Protocol-V1_2 "Large Object Handling",
// docs/protocol.md §1.10): FUMO's `<x>/Update/PkgData` (src/fumo/delivery.ts) and SCOMO's
// `Inventory/Delivered/<x>/Data` (src/scomo/delivery.ts). The chunks are written to a staging file as they arrive and
// hashed on the way, so memory stays flat whatever the package size. The owner journals the delivery before the first
// byte (so a cut is found at the next start) and records how it ended through `complete` / `fail`.
import type { Sha256Hasher, StagingFiles } from '../ports/update.js';
import type { WriterFile, WriterFs } from '../ports/writers.js';
import { hex } from '../bytes.js';

/** A delivery refused or failed with the DM status of the Add/Replace (docs/protocol.md §1.6). */
export class DeliveryError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** What the journal keeps of a delivery under way (FumoDocument.delivery). */
export interface DeliveryRecord {
  /** Meta Size the server announced, when it did. */
  size?: number;
}

/** The package as it was received: its bytes are in the staging file; claims are checked at Exec Update. */
export interface DeliveredPackage {
  sha256: string;
  size: number;
}

export interface DeliveryPorts {
  fs: WriterFs;
  files: StagingFiles;
  stagingFile: string;
  /** Most bytes the package may have (the package cap, the free staging space). */
  budget: number;
  hasher?: Sha256Hasher;
  /** Journals the finished package; answers the Replace's status. */
  complete(pkg: DeliveredPackage): Promise<void>;
  /** Journals that the delivery ended without a package (its partial copy is already gone). */
  fail(why: string): Promise<void>;
}

/** The sink the DM tree hands the chunks to (LargeObjectSink, src/ports/large-object.ts). */
// Durability: the file is fsynced (and its directory) once, in finish(), before `complete` journals the package: a
// package the journal calls complete is on the medium (test/delivery-powercut.test.ts). There is no fsync while the
// chunks arrive, unlike a download's checkpoints: a delivery cannot be resumed (the session that carried it is gone),
// so a cut one is removed at the next start whatever reached the medium.
export class PackageDelivery {
  private written = 0;
  private done = false;

  private constructor(private readonly p: DeliveryPorts, private readonly file: WriterFile) {}

  /** Opens the staging file (emptied) for a delivery already journaled. */
  static async open(p: DeliveryPorts): Promise<PackageDelivery> {
    const file = await p.fs.open(p.stagingFile);
    await file.truncate(0);
    return new PackageDelivery(p, file);
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.done) throw new DeliveryError(500, 'the package delivery has already ended');
    if (this.written + bytes.length > this.p.budget) {
      // 413: more than the package cap (or the staging space) allows; OMA-TS-DM_Protocol-V1_2 large object handling.
      await this.abort(`the package passed ${this.p.budget} bytes, the most it may have here`);
      throw new DeliveryError(413, `the package is larger than the ${this.p.budget} bytes it may have here`);
    }
    if (this.p.hasher) this.p.hasher.update(bytes);
    try {
      await this.file.pwrite(bytes, this.written);
      this.written += bytes.length;
    } catch (e) {
      const full = !!e && (e as { code?: string }).code === 'ENOSPC';
      await this.abort(`writing the staging file failed: ${e instanceof Error ? e.message : String(e)}`);
      throw new DeliveryError(full ? 420 : 500, full ? 'no space left for the package' : `writing the package failed: ${String(e)}`);
    }
  }

  async finish(): Promise<number> {
    if (this.done) return 500;
    this.done = true;
    try {
      await this.file.sync();
      await this.file.close();
      const slash = this.p.stagingFile.lastIndexOf('/');
      if (slash > 0) await this.p.fs.syncDir(this.p.stagingFile.slice(0, slash));
      const sha256 = this.p.hasher ? hex(this.p.hasher.digest()) : hex(await this.p.files.sha256(this.p.stagingFile));
      await this.p.complete({ sha256, size: this.written });
      return 200;
    } catch (e) {
      await this.p.files.remove(this.p.stagingFile).catch(() => undefined);
      await this.p.fail(`storing the package failed: ${e instanceof Error ? e.message : String(e)}`);
      return 500;
    }
  }

  async abort(why = 'the package delivery was not completed'): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.file.close().catch(() => undefined);
    await this.p.files.remove(this.p.stagingFile).catch(() => undefined);
    await this.p.fail(why);
  }
}
