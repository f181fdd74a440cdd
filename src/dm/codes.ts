// Status and alert codes the session engine uses by name (docs/protocol.md §1.6, §1.7).

export const Status = {
  InProgress: 101,
  OK: 200,
  Accepted: 202,
  AuthAccepted: 212,
  ChunkAccepted: 213,
  OperationCancelled: 214,
  NotExecuted: 215,
  AtomicRolledBack: 216,
  NotModified: 304,
  BadRequest: 400,
  InvalidCredentials: 401,
  Forbidden: 403,
  NotFound: 404,
  CommandNotAllowed: 405,
  OptionalFeatureNotSupported: 406,
  MissingCredentials: 407,
  RequestTimeout: 408,
  IncompleteCommand: 412,
  RequestEntityTooLarge: 413,
  UriTooLong: 414,
  UnsupportedMediaType: 415,
  RequestedSizeTooBig: 416,
  AlreadyExists: 418,
  DeviceFull: 420,
  SizeMismatch: 424,
  PermissionDenied: 425,
  CommandFailed: 500,
  NotImplemented: 501,
  AtomicFailed: 507,
  AtomicRollbackFailed: 516,
  AtomicResponseTooLarge: 517,
} as const;

export const AlertCode = {
  Display: '1100',
  Confirm: '1101',
  TextInput: '1102',
  SingleChoice: '1103',
  MultipleChoice: '1104',
  ServerInitiated: '1200',
  ClientInitiated: '1201',
  NextMessage: '1222',
  SessionAbort: '1223',
  ClientEvent: '1224',
  NoEndOfData: '1225',
  Generic: '1226',
} as const;

/** True for the 2xx family that means "the server took it" for a client command. */
export function isSuccess(code: number): boolean {
  return code >= 200 && code < 300;
}
