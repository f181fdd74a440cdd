// How many bytes one package download may put on disk, decided before the first request. A package whose size is
// announced (OMA DL descriptor `size`) may take exactly that; without one, the configured package cap
// (fumo.maxPackageSize / scomo.maxPackageSize, README "Configuration"); without a cap either, what the staging file
// system has free. Whatever the bound, it must fit in the free space, or the download is refused before any request
// (FUMO 501 "Download fails due to device out of memory", OMA DL install-notify 901 "Insufficient memory").

import { UpdateError } from './errors.js';
import { InstallNotify } from './install-notify.js';
import type { StagingFiles } from '../ports/update.js';

/**
 * Left free on the staging file system for the agent's own state (journal, sidecar, reports): the staging area
 * lives under stateDir by default, so a package must never take the last bytes the journal needs.
 */
export const STATE_RESERVE_BYTES = 1 << 20;

export interface SpaceRequest {
  /** Exact size the descriptor announced. */
  expectedSize?: number;
  /** Cap for a package of unknown size (and upper bound of an announced one). */
  maxSize?: number;
}

function tooBig(message: string): UpdateError {
  return new UpdateError('no-space', message, InstallNotify.InsufficientMemory);
}

/** The size the file may reach; throws 501 when the package cannot be taken. `undefined`: no bound can be known. */
export async function downloadBudget(files: StagingFiles, file: string, want: SpaceRequest): Promise<number | undefined> {
  if (want.expectedSize !== undefined && want.maxSize !== undefined && want.expectedSize > want.maxSize)
    throw tooBig(`the package announces ${want.expectedSize} bytes, more than the cap of ${want.maxSize}`);
  const cap = want.expectedSize !== undefined ? want.expectedSize : want.maxSize;
  if (!files.freeBytes) return cap;
  const have = (await files.size(file)) || 0;
  const usable = (await files.freeBytes(file)) - STATE_RESERVE_BYTES;
  if (cap !== undefined) {
    if (usable < cap - have)
      throw tooBig(
        `${want.expectedSize !== undefined ? 'the package' : 'a package up to the cap'} needs ${cap - have} bytes, ` +
          `${Math.max(0, usable)} free for staging`,
      );
    return cap;
  }
  if (usable <= 0) throw tooBig(`no free space for staging (${STATE_RESERVE_BYTES} bytes are kept for the agent's state)`);
  return have + usable;
}
