// A failure that already knows its SCOMO result code (docs/protocol.md §6.3). Installer and download adapters throw it so
// the MO reports what actually happened (1407 validation, 1405 install failure...) instead of a generic code.

import { SCOMO_RESULT_FOR, ScomoResult, isValidResultCode } from './codes.js';
import { UpdateError } from '../update/errors.js';

export class ScomoError extends Error {
  constructor(
    readonly resultCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'ScomoError';
    if (!isValidResultCode(resultCode)) throw new RangeError(`${resultCode} is not a SCOMO result code (docs/protocol.md §6.3)`);
  }
}

/** Transfer-failure kinds (src/update TransferError, and plain adapters) mapped onto docs/protocol.md §6.3. */
function fromKind(kind: unknown, fallback: number): number | undefined {
  const noSpace = fallback === ScomoResult.DownloadFailed ? ScomoResult.DownloadOutOfMemory : ScomoResult.InstallOutOfMemory;
  switch (kind) {
    case 'validation':
    case 'hash-mismatch':
    case 'signature':
    case 'too-large':
      return ScomoResult.PackageValidationFailed;
    case 'auth':
      return ScomoResult.AltDownloadAuthFailure;
    case 'server-error':
      return ScomoResult.AltDownloadServerError;
    case 'unavailable':
    case 'connect':
    case 'timeout':
    case 'low-speed':
      return ScomoResult.AltDownloadServerUnavailable;
    case 'no-space':
      return noSpace;
  }
  return undefined;
}

/** The result code carried by an error, or `fallback` when the error does not say (plain Error, foreign error). */
export function resultCodeOf(error: unknown, fallback: number): number {
  if (error instanceof ScomoError) return error.resultCode;
  if (error instanceof UpdateError) {
    const mapped = SCOMO_RESULT_FOR[error.kind];
    return mapped === undefined ? fallback : mapped;
  }
  if (typeof error === 'object' && error !== null) {
    const e = error as { resultCode?: unknown; kind?: unknown; code?: unknown };
    if (typeof e.resultCode === 'number' && isValidResultCode(e.resultCode)) return e.resultCode;
    const byKind = fromKind(e.kind, fallback);
    if (byKind !== undefined) return byKind;
    if (e.code === 'ENOSPC') return fromKind('no-space', fallback) as number;
  }
  return fallback;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
