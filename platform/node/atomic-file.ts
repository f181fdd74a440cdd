// The one atomic file replace on Node, used by the Storage port (storage.ts: FUMO journal, outbox, trigger state,
// SCOMO state) and the download sidecar (download.ts): write a temporary file, fsync it, rename it over the target,
// fsync the directory (src/ports/runtime.ts Storage.writeAtomic; docs/update-practice.md). After a power cut the name holds
// the old or the new bytes, never a mix, and once this returns the new bytes stay (fsync(2) NOTES: a rename is
// durable only once its directory is synced). test/powercut-pagecache.test.ts cuts at each of these steps.

import { open, rename, rm } from 'node:fs/promises';
import * as path from 'node:path';

/** fsync of the directory holding `file`: makes a create, rename or unlink of `file` durable. */
export async function syncDirOf(file: string): Promise<void> {
  const dir = await open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

export interface AtomicWriteOptions {
  /** The temporary file (default `<file>.tmp`), in the same directory so that the rename is atomic. */
  tmp?: string;
  /** Mode of a new file (default 0600: state and staging are the agent's alone). */
  mode?: number;
}

/** tmp + fsync + rename + fsync(dir). A failure before the rename leaves the target untouched and no temp file. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, o: AtomicWriteOptions = {}): Promise<void> {
  const tmp = o.tmp || `${file}.tmp`;
  try {
    const fh = await open(tmp, 'w', o.mode === undefined ? 0o600 : o.mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    // Disk full or similar: do not leave the half-written temp file behind.
    await rm(tmp, { force: true });
    throw e;
  }
  await syncDirOf(file);
}
