// What FUMO needs from a runtime (OMA-TS-FUMO-V1_0): the package downloader, the staging files, the writer ports the
// flash writers run on (src/update/writers/), and the size of a block-device slot. The engine, the journal and the
// writers are the core's (src/fumo/, src/update/).

import type { Downloader, Sha256Hasher, StagingFiles } from './update.js';
import type { WriterPorts } from './writers.js';

/**
 * FUMO's ports, handed over by PlatformPorts.fumo(). Durability and errors as their own pages say (update.ts,
 * writers.ts); makeDir throws naming the path; nothing here is cancelled half-way.
 */
export interface FumoAdapters {
  downloader: Downloader;
  files: StagingFiles;
  /** What the flash writers need from this runtime (files with fsync, a command runner); the writers are the core's. */
  writerPorts: WriterPorts;
  makeDir(dir: string): void;
  /** A fresh SHA-256 hasher: the streamed install hashes the image as it arrives (CPU SHA instructions where present). */
  sha256(): Sha256Hasher;
  /** Size in bytes of a slot (block device or image file), null when it cannot be told. */
  slotSize?(path: string): Promise<number | null>;
}
