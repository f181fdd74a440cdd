// FUMO result codes sent as the Generic Alert Data (docs/protocol.md §5.4). 2xx success, 4xx/5xx end the update activity.
import type { UpdateError, UpdateFailure } from '../update/errors.js';

export const FumoResult = {
  Successful: 200,
  ClientError: 400,
  UserCancelled: 401,
  /** Corrupted package: hash or size mismatch. */
  CorruptedPackage: 402,
  /** Package made for other hardware (manifest `hardware` differs). */
  DeviceMismatch: 403,
  /** Failed package validation: signature missing or invalid. */
  ValidationFailed: 404,
  /** Not acceptable: e.g. a downgrade refused by policy. */
  NotAcceptable: 405,
  DownloadAuthFailure: 406,
  DownloadTimeout: 407,
  NotImplemented: 408,
  UndefinedError: 409,
  UpdateFailed: 410,
  BadUrl: 411,
  DownloadServerUnavailable: 412,
  DownloadServerError: 500,
  DownloadOutOfMemory: 501,
  UpdateOutOfMemory: 502,
  DownloadNetworkFailure: 503,
} as const;

export function isSuccessResult(code: number): boolean {
  return code >= 200 && code < 300;
}

/**
 * FUMO's result code for each kind of update failure (src/update/errors.ts), OMA-TS-DM_FUMO-V1_0 result codes
 * (docs/protocol.md §5.4 and the §7.2 download mapping). The one place a failure becomes a FUMO number.
 */
export const FUMO_RESULT_FOR: Record<UpdateFailure, number> = {
  network: FumoResult.DownloadNetworkFailure, // 503 "Download fails due to network issues"
  timeout: FumoResult.DownloadTimeout, // 407
  'server-unavailable': FumoResult.DownloadServerUnavailable, // 412
  'server-error': FumoResult.DownloadServerError, // 500
  'download-auth': FumoResult.DownloadAuthFailure, // 406
  'bad-url': FumoResult.BadUrl, // 411
  'http-refused': FumoResult.ClientError, // 400
  'local-io': FumoResult.ClientError, // 400
  'no-space': FumoResult.DownloadOutOfMemory, // 501 "Download fails due to device out of memory"
  'too-large': FumoResult.DownloadOutOfMemory, // 501: the device cannot hold it
  corrupt: FumoResult.CorruptedPackage, // 402
  'bad-signature': FumoResult.ValidationFailed, // 404 "Failed package validation"
  'device-mismatch': FumoResult.DeviceMismatch, // 403
  'not-acceptable': FumoResult.NotAcceptable, // 405
  'install-failed': FumoResult.UpdateFailed, // 410
  'install-no-space': FumoResult.UpdateOutOfMemory, // 502 "Firmware update fails due to device out of memory"
  'fell-back': FumoResult.UpdateFailed, // 410: the new firmware does not run
  'not-implemented': FumoResult.NotImplemented, // 408
};

/** The FUMO result an update failure is reported with (an operator-configured one wins). */
export function fumoResultFor(e: UpdateError): number {
  return e.configuredResult !== undefined ? e.configuredResult : FUMO_RESULT_FOR[e.kind];
}
