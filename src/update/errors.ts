// Typed failures of the update pipeline. Every failure carries the FUMO result code (docs/protocol.md §5.4) that the result
// report will hold, so the code is chosen once, where the failure is understood, and never re-guessed upstream.

import { FumoResult } from '../fumo/result-codes';

export class UpdateError extends Error {
  /** FUMO result code for the Generic Alert (docs/protocol.md §5.4). */
  readonly resultCode: number;
  /** OMA DL install-notify status (docs/protocol.md §7.2) when the failure belongs to a descriptor download. */
  readonly notifyCode?: number;
  constructor(resultCode: number, message: string, notifyCode?: number) {
    super(message);
    this.name = 'UpdateError';
    this.resultCode = resultCode;
    if (notifyCode !== undefined) this.notifyCode = notifyCode;
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

/** Maps a transport failure that survived every retry to its FUMO result code (docs/protocol.md §5.4 and the §7.2 mapping). */
export function resultForTransfer(kind: TransferFailure): number {
  switch (kind) {
    case 'connect':
      return FumoResult.DownloadServerUnavailable; // 412
    case 'timeout':
      return FumoResult.DownloadTimeout; // 407: no connection or no answer to the request
    case 'low-speed':
    // A body that trickles or stalls after the answer came is a network issue, not a request time-out:
    // OMA-TS-DM_FUMO-V1_0 result codes, 503 "Download fails due to network issues".
    case 'network':
      return FumoResult.DownloadNetworkFailure; // 503
    case 'no-space':
    case 'too-large':
      // More than the descriptor's size or the package cap: the device cannot hold it (501 "Download fails due to
      // device out of memory"); the bytes stop at the cap, nothing more is written.
      return FumoResult.DownloadOutOfMemory; // 501
    default:
      return FumoResult.ClientError; // 400
  }
}

/** Maps a final HTTP status of the package GET to a FUMO result code (docs/protocol.md §7.2 suggested mapping). */
export function resultForHttpStatus(status: number): number {
  if (status === 401 || status === 403 || status === 407) return FumoResult.DownloadAuthFailure; // 406
  if (status === 404 || status === 410) return FumoResult.BadUrl; // 411: the URL names nothing
  if (status === 408 || status === 504) return FumoResult.DownloadTimeout; // 407
  if (status === 502 || status === 503) return FumoResult.DownloadServerUnavailable; // 412
  if (status >= 500) return FumoResult.DownloadServerError; // 500
  return FumoResult.ClientError; // 400: redirects, other 4xx
}
