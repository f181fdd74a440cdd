// Package 0 over HTTP: a small endpoint on a configurable address where a server (or a push proxy) POSTs the bytes
// with Content-Type application/vnd.syncml.notification (docs/protocol.md §8.3 MIME). Answers say what happened:
//   202 queued | 200 duplicate (already have it) | 503 queue full (Retry-After) | 400 malformed | 403 not verified
//   404 other path | 405 other method | 415 other content type | 413 too large
// Bind it to a management network or loopback: anyone who can reach it learns whether a digest verified (403),
// which tells them nothing about the secret but is an oracle for replay attempts (the dedup window limits those).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Log } from '../../src/ports/runtime.js';
import type { NotificationReceiver } from '../../src/ports/notification.js';
import { httpStatusFor } from '../../src/notification/http-status.js';
import { maxPkg0Bytes } from '../../src/notification/pkg0.js';
import { MIME_SYNCML_NOTIFICATION } from '../../src/notification/wsp.js';

export interface HttpNotificationOptions {
  /** Default 8950; 0 picks a free port (tests). */
  port?: number;
  /** Default 127.0.0.1. */
  address?: string;
  /** Default /notification. */
  path?: string;
  intake: NotificationReceiver;
  log: Log;
  /** Request timeout (default 10 s): a notification is a few hundred bytes. */
  timeoutMs?: number;
}

/** How much of a refused body is read and thrown away before the connection is cut. */
const DRAIN_BYTES = 256 * 1024;

export class HttpNotificationEndpoint {
  private server: Server | undefined;

  constructor(private readonly options: HttpNotificationOptions) {}

  start(): Promise<{ address: string; port: number }> {
    const o = this.options;
    const address = o.address === undefined ? '127.0.0.1' : o.address;
    const port = o.port === undefined ? 8950 : o.port;
    const server = createServer((req, res) => this.handle(req, res));
    const timeout = o.timeoutMs === undefined ? 10_000 : o.timeoutMs;
    server.requestTimeout = timeout;
    server.headersTimeout = timeout;
    this.server = server;
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => reject(new Error(`notifications.http: cannot listen on ${address}:${port}: ${err.message}`));
      server.once('error', fail);
      server.listen(port, address, () => {
        server.off('error', fail);
        const a = server.address();
        const bound = a && typeof a === 'object' ? { address: a.address, port: a.port } : { address, port };
        o.log.log('info', 'listening for HTTP notifications', { ...bound, path: o.path || '/notification' });
        resolve(bound);
      });
    });
  }

  close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const o = this.options;
    const answer = (status: number, text: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close', ...headers });
      res.end(text + '\n');
    };
    const path = (req.url || '').split('?')[0];
    if (path !== (o.path || '/notification')) return answer(404, 'not found');
    if (req.method !== 'POST') return answer(405, 'POST only', { allow: 'POST' });
    const type = String(req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
    if (type !== MIME_SYNCML_NOTIFICATION) return answer(415, `content type must be ${MIME_SYNCML_NOTIFICATION}`);
    // A little room over the largest package 0, in case a sender wraps it in a WSP push.
    const limit = maxPkg0Bytes(o.intake.limits) + 64;
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    // Too large: answer 413 at once, then read and discard up to DRAIN_BYTES more so the client gets to read the
    // answer (closing with unread bytes resets the connection); past that, cut it off.
    const tooLarge = () => {
      done = true;
      answer(413, `body over ${limit} bytes`);
    };
    if (Number(req.headers['content-length']) > limit) tooLarge();
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (done) {
        if (size > limit + DRAIN_BYTES) req.destroy();
        return;
      }
      if (size > limit) return tooLarge();
      chunks.push(c);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      const body = Buffer.concat(chunks);
      const from = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
      const r = o.intake.receive(new Uint8Array(body.buffer, body.byteOffset, body.length), 'http', from);
      const status = httpStatusFor(r);
      const text = r.outcome === 'rejected' ? r.error.message : r.outcome;
      answer(status, text, status === 503 ? { 'retry-after': '30' } : {});
    });
    req.on('error', () => {
      done = true;
    });
  }
}
