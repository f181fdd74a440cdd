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
 * (docs/protocol.md §5.4 and the §7.2 download mapping). The one place a failure becomes a FUMO number. Numbers, not
 * FumoResult names (and no comments inside the literal: the Node bundle keeps those), so the bundle does not grow:
 * 400 Client Error, 402 Corrupted Package, 403 Device Mismatch, 404 Failed Package Validation, 405 Not Acceptable,
 * 406 Download Authentication Failure, 407 Download Request Time-out, 408 Not Implemented, 410 Firmware Update Failed
 * (also when the new firmware does not stay: fell-back), 411 Malformed or Bad URL, 412 Download Server Unavailable,
 * 500 Download Server Error, 501 Download fails due to device out of memory (no space, or more than the device can
 * hold), 502 Firmware update fails due to device out of memory, 503 Download fails due to network issues.
 */
export const FUMO_RESULT_FOR: Record<UpdateFailure, number> = {
  network: 503,
  timeout: 407,
  'server-unavailable': 412,
  'server-error': 500,
  'download-auth': 406,
  'bad-url': 411,
  'http-refused': 400,
  'local-io': 400,
  'no-space': 501,
  'too-large': 501,
  corrupt: 402,
  'bad-signature': 404,
  'device-mismatch': 403,
  'not-acceptable': 405,
  'install-failed': 410,
  'install-no-space': 502,
  'fell-back': 410,
  'not-implemented': 408,
};

/** The FUMO result an update failure is reported with (an operator-configured one wins). */
export function fumoResultFor(e: UpdateError): number {
  return e.configuredResult !== undefined ? e.configuredResult : FUMO_RESULT_FOR[e.kind];
}
