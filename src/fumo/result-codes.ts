// FUMO result codes sent as the Generic Alert Data (docs/protocol.md §5.4). 2xx success, 4xx/5xx end the update activity.

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
