// SCOMO numbers, named (docs/protocol.md §6). Values are exactly the digest's tables; names follow the table wording.
import type { UpdateFailure } from '../update/errors.js';

/** MO identifier of the tree root's Type (docs/protocol.md §6.1; we implement 1.1 for the client-initiated request of §6.5). */
export const SCOMO_MO_ID = 'urn:oma:mo:oma-scomo:1.1';

/** Result alert type (docs/protocol.md §6.4): the only SCOMO 1.0 alert type. */
export const OPERATION_COMPLETE_ALERT = 'urn:oma:at:scomo:1.0:OperationComplete';
/** Client-initiated request types (docs/protocol.md §6.5, seed 003). */
export const UPDATE_DEVICE_REQUEST_ALERT = 'urn:oma:at:scomo:1.1:UpdateDeviceRequest';
export const UPDATE_USER_REQUEST_ALERT = 'urn:oma:at:scomo:1.1:UpdateUserRequest';

/** Generic Alert `<ResultCode>` values (docs/protocol.md §6.3). */
export const ScomoResult = {
  Successful: 1200,
  ClientError: 1400,
  UserCancelled: 1401,
  DownloadFailed: 1402,
  AltDownloadAuthFailure: 1403,
  DownloadOutOfMemory: 1404,
  InstallFailed: 1405,
  InstallOutOfMemory: 1406,
  PackageValidationFailed: 1407,
  RemoveFailed: 1408,
  ActivateFailed: 1409,
  DeactivateFailed: 1410,
  NotImplemented: 1411,
  UndefinedError: 1412,
  UnsupportedEnvType: 1413,
  AltDownloadServerError: 1500,
  AltDownloadServerUnavailable: 1501,
} as const;

/**
 * SCOMO's result code for each kind of failure of the shared download pipeline (src/update/errors.ts), OMA-TS-
 * DM_SCOMO-V1_0 result codes (docs/protocol.md §6.3). The one place an update failure becomes a SCOMO number; a kind
 * not listed gets the failing operation's own code (1402 for a download, 1405 for an install, ...). Numbers, not
 * ScomoResult names (and no comments inside the literal: the Node bundle keeps those): 1402 Download Failed (network,
 * a malformed or refused URL), 1403 Alternate Download Authentication Failure, 1404 Download Failed – Device Out of
 * Memory, 1407 Package Validation Failed (size, hash, signature, another device's package, a downgrade), 1411 Not
 * Implemented, 1500 Alternate Download Server Error, 1501 Alternate Download Server Unavailable (also a time-out).
 */
export const SCOMO_RESULT_FOR: Partial<Record<UpdateFailure, number>> = {
  network: 1402,
  'bad-url': 1402,
  timeout: 1501,
  'server-unavailable': 1501,
  'server-error': 1500,
  'download-auth': 1403,
  'no-space': 1404,
  'too-large': 1404,
  corrupt: 1407,
  'bad-signature': 1407,
  'device-mismatch': 1407,
  'not-acceptable': 1407,
  'not-implemented': 1411,
};

/** True for 1200 and the vendor range 1250-1299 (docs/protocol.md §6.3). */
export function isSuccessResult(code: number): boolean {
  return code === 1200 || (code >= 1250 && code <= 1299);
}

/** True for every code the digest defines, including the vendor ranges. */
export function isValidResultCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  if (isSuccessResult(code)) return true;
  if (code >= 1400 && code <= 1413) return true;
  if (code >= 1450 && code <= 1499) return true;
  if (code === 1500 || code === 1501) return true;
  return code >= 1550 && code <= 1599;
}

/** `Download/<x>/Status` (docs/protocol.md §6.2, first column). */
export const DownloadStatus = {
  Idle: 10,
  DownloadFailed: 20,
  DownloadProgressing: 30,
  DownloadComplete: 40,
  InstallProgressing: 50,
  InstallFailedWithData: 60,
  InstallFailedWithoutData: 70,
} as const;

/** `Inventory/Delivered/<x>/Status` (docs/protocol.md §6.2, second column). */
export const DeliveredStatus = {
  Idle: 10,
  RemoveFailed: 20,
  RemoveProgressing: 30,
  InstallProgressing: 40,
  InstallFailedWithData: 50,
  InstallFailedWithoutData: 60,
} as const;

/** `Inventory/Deployed/<x>/Status` (docs/protocol.md §6.2, third column). */
export const DeployedStatus = {
  Idle: 10,
  RemoveFailed: 20,
  RemoveProgressing: 30,
  ActivateFailed: 40,
  ActivateProgressing: 50,
  DeactivateFailed: 60,
  DeactivateProgressing: 70,
} as const;

/** `Inventory/Delivered/<x>/State` (docs/protocol.md §6.1). */
export const DeliveredState = { Delivered: 10, Installed: 20 } as const;
/** `Inventory/Deployed/<x>/State` (docs/protocol.md §6.1, int per §9 #17). */
export const DeployedState = { Inactive: 10, Active: 20 } as const;

/** DM status codes this MO answers with (docs/protocol.md §1.6). */
export const DmStatus = {
  OK: 200,
  Accepted: 202,
  NotFound: 404,
  NotAllowed: 405,
  IncompleteCommand: 412,
  AlreadyExists: 418,
  CommandFailed: 500,
} as const;
