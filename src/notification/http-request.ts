// The request side of the HTTP notification endpoint for a runtime that has only raw sockets (QuickJS with dmnative,
// platform/quickjs/notify-http.ts): a strict, minimal HTTP/1.1 request reader for exactly one request per connection
// (RFC 9112 §2-§6), and the decision the Node endpoint (platform/node/notify-http.ts) makes before it reads a body.
// Deliberately small: a package 0 POST (docs/protocol.md §8.3, OMA-TS-DM_Notification-V1_2) is a few hundred bytes
// with a Content-Length, so chunked bodies, pipelining and keep-alive are refused or ignored, not implemented.
import { utf8Encode } from '../bytes.js';
import { MIME_SYNCML_NOTIFICATION } from './wsp.js';

export interface HttpRequestHead {
  method: string;
  /** The request target as sent (path and query). */
  target: string;
  /** Header names in lower case; a repeated header keeps its first value (Content-Length is checked separately). */
  headers: Record<string, string>;
  /** Content-Length, when sent. */
  contentLength?: number;
  /** Transfer-Encoding was sent (we take bodies with a Content-Length only). */
  chunked: boolean;
  /** The client sent `Expect: 100-continue` and waits for an interim answer before the body (RFC 9110 §10.1.1). */
  expectContinue: boolean;
}

/** An answer to send and then close the connection. */
export interface HttpAnswer {
  status: number;
  text: string;
  headers?: Record<string, string>;
}

export class HttpRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpRequestError';
  }
}

const REASONS: Record<number, string> = {
  100: 'Continue',
  200: 'OK',
  202: 'Accepted',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  411: 'Length Required',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  431: 'Request Header Fields Too Large',
  503: 'Service Unavailable',
  505: 'HTTP Version Not Supported',
};

/** Largest request head (request line and headers) read; more is answered 431. */
export const MAX_HEAD_BYTES = 8192;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Index just past the CRLF CRLF that ends the head, searching from `from`; -1 while it has not arrived. */
export function headEnd(bytes: Uint8Array, length: number, from = 0): number {
  for (let i = Math.max(3, from); i < length; i++) {
    if (bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13) return i + 1;
  }
  return -1;
}

/** Parses a request head (the bytes up to and including the empty line). Throws HttpRequestError naming what is wrong. */
export function parseRequestHead(bytes: Uint8Array): HttpRequestHead {
  let text = '';
  for (let i = 0; i < bytes.length; i++) {
    // Header fields are ASCII (RFC 9110 §5.5); NUL and bytes >= 0x80 have no place in this request.
    if (bytes[i] === 0 || bytes[i] > 0x7e) throw new HttpRequestError(400, `byte 0x${bytes[i].toString(16)} at offset ${i} of the request head`);
    text += String.fromCharCode(bytes[i]);
  }
  const lines = text.replace(/\r\n\r\n$/, '').split('\r\n');
  const m = /^([A-Z]+) (\/[^ ]*) HTTP\/(\d)\.(\d)$/.exec(lines[0]);
  if (!m) throw new HttpRequestError(400, `request line ${JSON.stringify(lines[0].slice(0, 80))} is not "METHOD /path HTTP/1.x"`);
  if (m[3] !== '1') throw new HttpRequestError(505, `HTTP/${m[3]}.${m[4]} is not supported`);
  // no prototype: a header named like an Object.prototype member must not shadow or be hidden by it
  const head: HttpRequestHead = { method: m[1], target: m[2], headers: Object.create(null) as Record<string, string>, chunked: false, expectContinue: false };
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    // obs-fold (a line starting with white space) and white space before the colon are errors (RFC 9112 §5.1, §5.2)
    if (!TOKEN.test(name)) throw new HttpRequestError(400, `malformed header line ${JSON.stringify(line.slice(0, 80))}`);
    const key = name.toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'content-length') {
      if (!/^\d{1,9}$/.test(value)) throw new HttpRequestError(400, `Content-Length ${JSON.stringify(value.slice(0, 20))} is not a number`);
      const n = Number(value);
      // different lengths in one request are a request-smuggling sign (RFC 9112 §6.3 item 5)
      if (head.contentLength !== undefined && head.contentLength !== n) throw new HttpRequestError(400, 'conflicting Content-Length headers');
      head.contentLength = n;
    } else if (key === 'transfer-encoding') head.chunked = true;
    else if (key === 'expect' && value.toLowerCase() === '100-continue') head.expectContinue = true;
    if (!(key in head.headers)) head.headers[key] = value;
  }
  if (m[4] !== '0' && head.headers.host === undefined) throw new HttpRequestError(400, 'HTTP/1.1 request without Host'); // RFC 9112 §3.2
  return head;
}

/**
 * What the endpoint does with a request once its head is in: an answer at once (and the body is not kept), or the
 * number of body bytes to read. The order and texts are those of the Node endpoint (platform/node/notify-http.ts).
 */
export function decideNotificationRequest(head: HttpRequestHead, path: string, maxBytes: number): { answer: HttpAnswer } | { bodyBytes: number } {
  if (head.target.split('?')[0] !== path) return { answer: { status: 404, text: 'not found' } };
  if (head.method !== 'POST') return { answer: { status: 405, text: 'POST only', headers: { allow: 'POST' } } };
  const type = (head.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  if (type !== MIME_SYNCML_NOTIFICATION) return { answer: { status: 415, text: `content type must be ${MIME_SYNCML_NOTIFICATION}` } };
  if (head.chunked || head.contentLength === undefined) return { answer: { status: 411, text: 'Content-Length required' } };
  if (head.contentLength > maxBytes) return { answer: { status: 413, text: `body over ${maxBytes} bytes` } };
  return { bodyBytes: head.contentLength };
}

/** The bytes of an answer; every answer closes the connection (one request per connection). */
export function formatHttpAnswer(a: HttpAnswer): Uint8Array {
  const body = a.text + '\n';
  const extra = Object.keys(a.headers || {})
    .map((k) => `${k}: ${(a.headers as Record<string, string>)[k]}\r\n`)
    .join('');
  const text =
    `HTTP/1.1 ${a.status} ${REASONS[a.status] || 'Status'}\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n` +
    `${extra}content-length: ${utf8Length(body)}\r\n\r\n${body}`;
  return utf8Encode(text);
}

/** The interim answer to `Expect: 100-continue`. */
export function continueAnswer(): Uint8Array {
  return utf8Encode('HTTP/1.1 100 Continue\r\n\r\n');
}

function utf8Length(s: string): number {
  return utf8Encode(s).length;
}
