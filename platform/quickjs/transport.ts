// Transport port on QuickJS: QuickJS has no sockets, so each DM message is one `curl` run (docs/design.md,
// transport port; DM 1.2 HTTP binding: one POST per message).
//
// Nothing sensitive goes on curl's command line (visible in /proc/<pid>/cmdline): the body and the request
// headers (x-syncml-hmac, authorization) are passed through files in a private 0700 directory and removed
// afterwards. `-q` keeps a user's ~/.curlrc out of the way. Redirects are refused unless configured (the
// port's contract): a 3xx answer becomes a TransportError of kind 'redirect'.
//
// Bounds (docs/transport.md): the response body comes back through curl's stdout, a pipe the agent reads, never a
// file: past the request's maxResponseBytes curl is killed at once and the exchange fails with 'too-large', so
// neither memory nor /tmp grows with what a server sends (curl's --max-filesize alone does not stop a body without
// Content-Length, and polling a file overshoots by megabytes). curl's --max-time is one deadline for the whole
// exchange. The private temporary directory lives for one exchange only and is removed with its files.
//
// No keep-alive: one curl process per message cannot hand its connection to the next one (docs/transport.md "HTTP
// headers and connections"); each message opens a connection (and a TLS handshake) of its own.
import * as os from 'os';
import type { HttpRequest, HttpResponse, Transport } from '../../src/ports/runtime.js';
import { utf8Decode, utf8Encode } from '../../src/bytes.js';
import { exec, makePrivateDir, readBytes, removeFile, writeBytes } from './files.js';
import { TransportError, curlFailure } from './transport-error.js';
import { QJS_USER_AGENT } from './user-agent.js';

export { TransportError } from './transport-error.js';

/** Same option names as platform/node/transport.ts (NodeTransportOptions), so one config serves both runtimes. */
export interface CurlTransportOptions {
  /** Default false: a 3xx answer is a TransportError 'redirect' (a DM server moves a session with RespURI). */
  followRedirects?: boolean;
  /** With followRedirects: at most this many (default 5), http/https only. */
  maxRedirects?: number;
  /** PEM CA bundle the server certificate must chain to (`--cacert`). */
  caFile?: string;
  /** Client certificate and key for mutual TLS (`--cert`, `--key`). */
  certFile?: string;
  keyFile?: string;
  /** `sha256//<base64>`, several separated by `;` (`--pinnedpubkey`). */
  pinnedPubKey?: string;
  /** Skip certificate verification (`--insecure`): for lab use only. */
  insecure?: boolean;
  userAgent?: string;
  /** Program to run (default `curl`, looked up in PATH). */
  curl?: string;
  /** Connection set-up limit in ms (default: min(10000, request timeout)). */
  connectTimeoutMs?: number;
  /** Where the private temporary directory is made (default $TMPDIR or /tmp). */
  tempBase?: string;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export class CurlTransport implements Transport {
  private readonly options: CurlTransportOptions;

  constructor(options: CurlTransportOptions = {}) {
    this.options = options;
  }

  async post(request: HttpRequest): Promise<HttpResponse> {
    checkRequest(request);
    // One directory per exchange, removed with its files afterwards: a one-shot command leaves nothing in /tmp.
    const dir = makePrivateDir('dm-agent-curl', this.options.tempBase);
    const files = {
      body: `${dir}/request.body`,
      headers: `${dir}/request.headers`,
      responseHeaders: `${dir}/response.headers`,
    };
    try {
      writeBytes(files.body, request.body, 0o600);
      writeBytes(files.headers, utf8Encode(headerLines(request.headers)), 0o600);
      const args = this.curlArgs(request, files);
      const result = await exec(args, { timeoutMs: request.timeoutMs + 5000, maxStdoutBytes: request.maxResponseBytes });
      if (result.overflowed || result.code === 63) {
        const what = result.overflowed ? `passed ${request.maxResponseBytes} bytes` : 'announces more in its Content-Length';
        throw new TransportError(
          `the answer from ${request.url} ${what}, over the ${request.maxResponseBytes}-byte limit; reading stopped`,
          'too-large',
          result.overflowed ? undefined : 63,
        );
      }
      if (result.timedOut) {
        throw new TransportError(`no answer from ${request.url} within ${request.timeoutMs} ms (curl killed)`, 'timeout');
      }
      if (result.code !== 0) throw curlFailure(result.code, result.stderr, request.url, request.timeoutMs);
      const head = parseResponseHead(utf8Decode(readBytes(files.responseHeaders) || new Uint8Array(0)), request.url);
      if (head.status >= 300 && head.status < 400 && head.status !== 304) {
        const where = head.headers['location'] ? ` to ${head.headers['location']}` : '';
        throw new TransportError(`${request.url} answered ${head.status}, a redirect${where}; redirects are refused (transport option followRedirects is off)`, 'redirect');
      }
      return { status: head.status, headers: head.headers, body: result.stdoutBytes };
    } finally {
      for (const f of [files.body, files.headers, files.responseHeaders]) removeFile(f);
      os.remove(dir);
    }
  }

  /** Nothing to release: each exchange removes its own directory (kept for callers written against older versions). */
  close(): void {}

  private curlArgs(request: HttpRequest, files: { body: string; headers: string; responseHeaders: string }): string[] {
    const o = this.options;
    const seconds = (ms: number) => (Math.max(ms, 1) / 1000).toFixed(3);
    const connectMs = o.connectTimeoutMs !== undefined ? o.connectTimeoutMs : Math.min(10000, request.timeoutMs);
    const args = [
      o.curl || 'curl',
      '-q', // must be first: ignore ~/.curlrc
      '--silent',
      '--show-error',
      '--proto', '=http,https',
      '--data-binary', `@${files.body}`, // implies POST (no --request: with --location it would stick to every hop)
      '--header', `@${files.headers}`,
      '--dump-header', files.responseHeaders,
      // the body goes to stdout (exec's bounded pipe); --max-filesize refuses early when Content-Length says too much
      '--output', '-',
      '--max-filesize', String(request.maxResponseBytes),
      '--max-time', seconds(request.timeoutMs),
      '--connect-timeout', seconds(connectMs),
      '--user-agent', o.userAgent || QJS_USER_AGENT,
    ];
    if (o.followRedirects) {
      const max = o.maxRedirects === undefined ? 5 : o.maxRedirects;
      // --post30x: re-POST the message to the new location instead of turning it into a GET without a body
      args.push('--location', '--max-redirs', String(max), '--proto-redir', '=http,https', '--post301', '--post302', '--post303');
    }
    if (o.caFile) args.push('--cacert', o.caFile);
    if (o.certFile) args.push('--cert', o.certFile);
    if (o.keyFile) args.push('--key', o.keyFile);
    if (o.pinnedPubKey) args.push('--pinnedpubkey', o.pinnedPubKey);
    if (o.insecure) args.push('--insecure');
    args.push('--url', request.url);
    return args;
  }
}

function checkRequest(request: HttpRequest): void {
  if (!/^https?:\/\/[^\s/]+/i.test(request.url) || /[\s\x00-\x1f]/.test(request.url)) {
    throw new TransportError(`URL must be http:// or https:// without spaces: ${JSON.stringify(request.url)}`, 'invalid-request');
  }
  if (!(request.timeoutMs > 0)) throw new TransportError(`timeoutMs must be > 0, got ${request.timeoutMs}`, 'invalid-request');
  for (const name of Object.keys(request.headers)) {
    if (!HEADER_NAME.test(name)) throw new TransportError(`invalid header name ${JSON.stringify(name)}`, 'invalid-request');
    if (/[\r\n\x00]/.test(request.headers[name])) {
      throw new TransportError(`header ${name} contains a line break or NUL`, 'invalid-request');
    }
  }
}

/** Header lines for `--header @file`. Empty `Expect:` stops curl's 100-continue wait on large bodies; an empty
 * `Content-Type:` drops curl's form-urlencoded default when the caller sets none. */
function headerLines(headers: Record<string, string>): string {
  const lines: string[] = [];
  const names = Object.keys(headers).map((n) => n.toLowerCase());
  for (const name of Object.keys(headers)) lines.push(headers[name] === '' ? `${name};` : `${name}: ${headers[name]}`);
  if (names.indexOf('expect') < 0) lines.push('Expect:');
  if (names.indexOf('content-type') < 0) lines.push('Content-Type:');
  return lines.join('\n') + '\n';
}

/** Parses curl's --dump-header output: the last block is the final answer (earlier ones: 100 Continue, redirects). */
export function parseResponseHead(text: string, url: string): { status: number; headers: Record<string, string> } {
  const blocks = text.split(/\r?\n\r?\n/).filter((b) => /^HTTP\//.test(b));
  if (blocks.length === 0) throw new TransportError(`no HTTP response head from ${url}`, 'protocol');
  const lines = blocks[blocks.length - 1].split(/\r?\n/);
  const m = /^HTTP\/[0-9.]+\s+(\d{3})/.exec(lines[0]);
  if (!m) throw new TransportError(`malformed status line from ${url}: ${JSON.stringify(lines[0])}`, 'protocol');
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    if (colon <= 0) continue;
    const name = lines[i].slice(0, colon).trim().toLowerCase();
    const value = lines[i].slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { status: parseInt(m[1], 10), headers };
}
