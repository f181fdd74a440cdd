// A failure that already knows its SCOMO result code (digest §6.3). Installer and download adapters throw it so
// the MO reports what actually happened (1407 validation, 1405 install failure...) instead of a generic code.

import { ScomoResult, isValidResultCode } from './codes.js';

export class ScomoError extends Error {
  constructor(
    readonly resultCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'ScomoError';
    if (!isValidResultCode(resultCode)) throw new RangeError(`${resultCode} is not a SCOMO result code (digest §6.3)`);
  }
}

/** The result code carried by an error, or `fallback` when the error does not say (plain Error, foreign error). */
export function resultCodeOf(error: unknown, fallback: number): number {
  if (error instanceof ScomoError) return error.resultCode;
  if (typeof error === 'object' && error !== null) {
    const e = error as { resultCode?: unknown; kind?: unknown; code?: unknown };
    if (typeof e.resultCode === 'number' && isValidResultCode(e.resultCode)) return e.resultCode;
    // Download-pipeline style error kinds (src/update) and errno codes, mapped onto digest §6.3.
    switch (e.kind) {
      case 'validation':
      case 'hash-mismatch':
      case 'signature':
        return ScomoResult.PackageValidationFailed;
      case 'auth':
        return ScomoResult.AltDownloadAuthFailure;
      case 'server-error':
        return ScomoResult.AltDownloadServerError;
      case 'unavailable':
      case 'timeout':
        return ScomoResult.AltDownloadServerUnavailable;
      case 'no-space':
        return fallback === ScomoResult.DownloadFailed ? ScomoResult.DownloadOutOfMemory : ScomoResult.InstallOutOfMemory;
    }
    if (e.code === 'ENOSPC')
      return fallback === ScomoResult.DownloadFailed ? ScomoResult.DownloadOutOfMemory : ScomoResult.InstallOutOfMemory;
  }
  return fallback;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
