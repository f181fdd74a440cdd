// Clear errors for the curl transport: each curl exit code the agent can meet is mapped to a kind the session
// engine can act on (retry later, give up, report a TLS problem) and to a sentence a person can act on.
// Exit codes: curl(1) "EXIT CODES". The codes are those of platform/node/transport.ts's TransportError
// ('timeout' | 'refused' | 'dns' | 'tls' | 'tls-certificate' | 'redirect' | 'network' | 'too-large'), plus three only
// curl can tell apart. A refused server certificate is 'tls-certificate' with the reason in the same words as on
// Node (unknown CA, host mismatch, expired, ...): it fails the same way on every attempt, so it is not retried.

export type TransportErrorCode =
  | 'invalid-request' // the request itself is unusable (bad URL, header injection)
  | 'dns' // host name did not resolve
  | 'refused' // no TCP connection (refused, unreachable)
  | 'timeout' // no complete answer in time
  | 'tls' // handshake, client certificate or key, CA file, cipher problem
  | 'tls-certificate' // the server's certificate was refused (unknown CA, host mismatch, expired, not pinned)
  | 'too-large' // the answer passed the request's maxResponseBytes
  | 'network' // connection broke during the exchange
  | 'protocol' // malformed or empty HTTP answer
  | 'redirect' // a 3xx answer while redirects are refused, or too many redirects
  | 'local'; // curl missing, temp files unreadable/unwritable, out of memory

export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: TransportErrorCode,
    /** curl's exit code when curl reported the failure. */
    readonly curlExit?: number,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

const CURL_EXITS: Record<number, [TransportErrorCode, string]> = {
  1: ['invalid-request', 'unsupported protocol'],
  2: ['local', 'curl failed to initialise'],
  3: ['invalid-request', 'malformed URL'],
  5: ['dns', 'could not resolve the proxy'],
  6: ['dns', 'could not resolve the host name'],
  7: ['refused', 'could not connect to the server'],
  8: ['protocol', 'unintelligible server reply'],
  16: ['protocol', 'HTTP/2 framing error'],
  18: ['network', 'transfer ended before the whole answer arrived'],
  23: ['local', 'could not write the response to a temporary file'],
  26: ['local', 'could not read the request body file'],
  27: ['local', 'out of memory'],
  28: ['timeout', 'operation timed out'],
  35: ['tls', 'TLS handshake failed'],
  47: ['redirect', 'too many redirects'],
  51: ['tls-certificate', "the server's certificate or fingerprint was not accepted"],
  52: ['protocol', 'the server closed the connection without answering'],
  53: ['tls', 'TLS engine not found'],
  55: ['network', 'failed sending data'],
  56: ['network', 'failed receiving data (connection reset?)'],
  58: ['tls', 'problem with the local client certificate or key'],
  59: ['tls', 'could not use the configured cipher'],
  60: ['tls-certificate', 'server certificate could not be verified with the configured CA'],
  61: ['protocol', 'unrecognised transfer encoding'],
  63: ['too-large', 'the answer is larger than we accept'],
  77: ['tls', 'could not read the CA certificate file'],
  80: ['tls', 'TLS shutdown failed'],
  82: ['tls', 'could not load the CRL file'],
  83: ['tls-certificate', 'certificate issuer check failed'],
  90: ['tls-certificate', 'server public key does not match the pinned key'],
  91: ['tls-certificate', 'invalid certificate status (OCSP)'],
  92: ['protocol', 'HTTP/2 stream error'],
  127: ['local', 'curl could not be started (is it installed and in PATH?)'],
};

export function curlFailure(exit: number, stderr: string, url: string, timeoutMs: number): TransportError {
  const known = CURL_EXITS[exit];
  const code: TransportErrorCode = known ? known[0] : 'network';
  let what = known ? known[1] : 'transfer failed';
  if (exit === 28) what += ` (limit ${timeoutMs} ms)`;
  // curl's own line ("curl: (60) SSL certificate problem: ..."); for 60 it is followed by advice lines
  const lines = stderr.trim().split('\n');
  const detail = lines.filter((l) => /^curl: \(\d+\)/.test(l)).pop() || lines.pop() || '';
  if (code === 'tls-certificate') {
    return new TransportError(`POST ${url}: TLS certificate of ${hostOf(url)} refused: ${certificateReason(exit, detail)} [curl exit ${exit}]${detail ? `: ${detail}` : ''}`, code, exit);
  }
  return new TransportError(`POST ${url}: ${what} [curl exit ${exit}]${detail ? `: ${detail}` : ''}`, code, exit);
}

/** The reason in the words platform/node/transport.ts uses, from curl's exit code and OpenSSL's message. */
function certificateReason(exit: number, detail: string): string {
  if (exit === 90) return 'public key not pinned (server.tls.pinnedPubKey)';
  if (exit === 91) return 'revoked or unknown status (OCSP)';
  if (/subject name|host name|hostname|alternative certificate/i.test(detail)) return 'host mismatch';
  if (/expired/i.test(detail)) return 'expired';
  if (/not yet valid/i.test(detail)) return 'not yet valid';
  if (/revoked/i.test(detail)) return 'revoked';
  if (/self.signed certificate in certificate chain/i.test(detail)) return 'unknown CA (self-signed certificate in the chain)';
  if (/self.signed/i.test(detail)) return 'unknown CA (self-signed certificate)';
  if (/issuer|unable to verify|unknown ca|certificate verify failed/i.test(detail)) return 'unknown CA';
  return 'could not be verified';
}

function hostOf(url: string): string {
  const m = /^[a-z]+:\/\/([^/?#]+)/i.exec(url);
  return m ? m[1] : url;
}
