// DM status codes the tree answers with (docs/protocol.md §1.6). Named so handlers read as the spec does.

export const DmStatus = {
  Ok: 200,
  Accepted: 202,
  AtomicRollbackOk: 216,
  BadRequest: 400,
  Forbidden: 403,
  NotFound: 404,
  CommandNotAllowed: 405,
  OptionalFeatureNotSupported: 406,
  RequestEntityTooLarge: 413,
  UriTooLong: 414,
  UnsupportedMediaType: 415,
  AlreadyExists: 418,
  DeviceFull: 420,
  PermissionDenied: 425,
  CommandFailed: 500,
  AtomicRollbackFailed: 516,
} as const;

/** True for the 2xx family: the command was carried out (or accepted for later, 202). */
export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/** A tree operation refused with a DM status code; the message names what was wrong (never a secret). */
export class TreeError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'TreeError';
    this.status = status;
  }
}
