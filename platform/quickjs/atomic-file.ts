// The one atomic file replace on QuickJS, used by the Storage port (storage.ts: FUMO journal, outbox, trigger state,
// SCOMO state) and the download sidecar (download.ts QjsStagingFiles): write a temporary file, fsync it, close it,
// rename it over the target, fsync the directory (src/ports/runtime.ts Storage.writeAtomic; docs/update-practice.md). After
// a power cut the name holds the old or the new bytes, never a mix, and once this returns the new bytes stay
// (fsync(2) NOTES: a rename is durable only once its directory is synced). fsync comes through the Durability port
// (dmnative, or the `sync` command on a stock qjs); test/powercut-qjs-pagecache.test.ts cuts at each step.
import * as os from 'os';
import { check, writeAll } from './files.js';
import type { Durability } from './durability.js';

export interface AtomicWriteOptions {
  /** The temporary file (default `<file>.tmp`), in the same directory so that the rename is atomic. */
  tmp?: string;
  /** Mode of a new file (default 0600: state and staging are the agent's alone). */
  mode?: number;
}

export function dirOf(file: string): string {
  const slash = file.lastIndexOf('/');
  return slash > 0 ? file.substring(0, slash) : slash === 0 ? '/' : '.';
}

/** tmp + fsync + rename + fsync(dir). A failure before the rename leaves the target untouched and no temp file. */
export async function writeFileAtomic(d: Durability, file: string, data: Uint8Array, o: AtomicWriteOptions = {}): Promise<void> {
  const tmp = o.tmp || `${file}.tmp`;
  const fd = check('open', tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, o.mode === undefined ? 0o600 : o.mode));
  let closed = false;
  try {
    writeAll(fd, data, tmp);
    await d.syncFd(fd, tmp);
    closed = true;
    check('close', tmp, os.close(fd));
    check('rename', `${tmp} -> ${file}`, os.rename(tmp, file));
  } catch (e) {
    if (!closed) os.close(fd);
    os.remove(tmp);
    throw e;
  }
  await d.syncDir(dirOf(file));
}
