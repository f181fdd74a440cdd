// Typed failures of the update pipeline. Every failure carries a kind: what went wrong, in the update's own words.
// Each management object maps kinds to its own result codes in one table (FUMO: src/fumo/result-codes.ts, OMA-TS-
// DM_FUMO-V1_0 result codes; SCOMO: src/scomo/codes.ts, OMA-TS-DM_SCOMO-V1_0), so the kind is chosen once, where the
// failure is understood, and never re-guessed upstream.

export type UpdateFailure =
  | 'network' // the connection dropped or crawled (retries exhausted, deadline passed)
  | 'timeout' // no connection or no answer to the request in time
  | 'server-unavailable' // the package server refused the connection or said it is unavailable (502/503)
  | 'server-error' // the package server failed (5xx, a range it cannot serve)
  | 'download-auth' // the package server wants credentials we do not have (401/403/407)
  | 'bad-url' // the package URL is malformed, not allowed, names nothing (404/410), or redirects too often
  | 'http-refused' // any other HTTP refusal of the package GET (other 4xx, a redirect without Location)
  | 'local-io' // a local file error while downloading (not a full disk)
  | 'no-space' // the package does not fit in the staging area
  | 'too-large' // the package is larger than announced or than the package cap
  | 'corrupt' // size or SHA-256 differs from what was announced, or the staged file changed
  | 'bad-signature' // the manifest is missing, malformed, unsigned or signed by no trusted key; no hash known
  | 'device-mismatch' // the package is made for other hardware
  | 'not-acceptable' // refused by policy: a downgrade, a version already installed, nothing to install
  | 'install-failed' // the writer or the installer failed
  | 'install-no-space' // the target slot is full
  | 'fell-back' // the new image did not stay: the bootloader (or the installer) runs the old one
  | 'not-implemented'; // the device cannot do what was asked

export class UpdateError extends Error {
  readonly kind: UpdateFailure;
  /** OMA DL install-notify status (docs/protocol.md §7.2) when the failure belongs to a descriptor download. */
  readonly notifyCode?: number;
  /**
   * A FUMO result the operator configured for exactly this failure (`fumo.writer.exitCodes`: an installer's exit
   * code → FUMO result); the FUMO table reports it instead of the kind's own code.
   */
  readonly configuredResult?: number;
  constructor(kind: UpdateFailure, message: string, notifyCode?: number, configuredResult?: number) {
    super(message);
    this.name = 'UpdateError';
    this.kind = kind;
    if (notifyCode !== undefined) this.notifyCode = notifyCode;
    if (configuredResult !== undefined) this.configuredResult = configuredResult;
  }
}

/** Kinds of transport failure a Downloader adapter reports; the download logic maps them to result codes. */
export type TransferFailure =
  | 'connect' // no TCP/TLS connection (refused, DNS, unreachable)
  | 'timeout' // connect or idle-read timeout
  | 'low-speed' // slower than the configured floor for the whole window (a stall mid-body is 0 B/s)
  | 'network' // connection dropped mid-transfer
  | 'no-space' // local disk full (ENOSPC)
  | 'io' // other local file error
  | 'too-large'; // the server sent more than the expected size or the package cap

export class TransferError extends Error {
  readonly kind: TransferFailure;
  constructor(kind: TransferFailure, message: string) {
    super(message);
    this.name = 'TransferError';
    this.kind = kind;
  }
}

/** The kind of a transport failure that survived every retry (docs/protocol.md §5.4 and the §7.2 mapping). */
export function failureForTransfer(kind: TransferFailure): UpdateFailure {
  switch (kind) {
    case 'connect':
      return 'server-unavailable';
    case 'timeout':
      return 'timeout'; // no connection or no answer to the request
    case 'low-speed':
    // A body that trickles or stalls after the answer came is a network issue, not a request time-out
    // (OMA-TS-DM_FUMO-V1_0 result codes: 503 "Download fails due to network issues").
    case 'network':
      return 'network';
    case 'no-space':
      return 'no-space';
    case 'too-large':
      // More than the descriptor's size or the package cap: the device cannot hold it; the bytes stop at the cap.
      return 'too-large';
    default:
      return 'local-io';
  }
}

/** The kind of a final HTTP status of the package GET (docs/protocol.md §7.2 suggested mapping). */
export function failureForHttpStatus(status: number): UpdateFailure {
  if (status === 401 || status === 403 || status === 407) return 'download-auth';
  if (status === 404 || status === 410) return 'bad-url'; // the URL names nothing
  if (status === 408 || status === 504) return 'timeout';
  if (status === 502 || status === 503) return 'server-unavailable';
  if (status >= 500) return 'server-error';
  return 'http-refused'; // redirects, other 4xx
}
