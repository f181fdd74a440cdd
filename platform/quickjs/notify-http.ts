// Package 0 over HTTP on QuickJS (docs/protocol.md §8.3 MIME, OMA-TS-DM_Notification-V1_2), through the sockets of
// our native module (native/dmnative-net.c) on the `os` event loop: answers as the Node endpoint does
// (platform/node/notify-http.ts) — 202 queued, 200 duplicate, 503 queue full (Retry-After), 403 not verified,
// 400 malformed, 404/405/411/413/415 — from the same core decisions (src/notification/http-request.ts,
// src/notification/http-status.ts). One request per connection; every answer closes it.
// Bounds, so that hostile clients never block the daemon or grow its memory:
//   - at most `maxConnections` at once; past that the listening socket is not read (new ones wait in the kernel's
//     backlog) until one ends;
//   - each connection ends `timeoutMs` after it was accepted, whatever it sends (slowloris), with 408 if nothing
//     was answered yet;
//   - the head is read up to MAX_HEAD_BYTES (431), the body up to the largest package 0 (413); after a refusal our
//     side is shut down (FIN) and up to DRAIN_BYTES more are read and thrown away (so the client can read the
//     answer: closing with unread bytes resets the connection), then the connection is cut.
import * as os from 'os';
import type { Log } from '../../src/ports/runtime.js';
import type { NotificationReceiver } from '../../src/ports/notification.js';
import { httpStatusFor } from '../../src/notification/http-status.js';
import {
  HttpRequestError,
  MAX_HEAD_BYTES,
  continueAnswer,
  decideNotificationRequest,
  formatHttpAnswer,
  headEnd,
  parseRequestHead,
  type HttpAnswer,
} from '../../src/notification/http-request.js';
import type { DmNative } from './native.js';

export interface QjsHttpOptions {
  port: number;
  address: string;
  path: string;
  /** Largest body accepted. */
  maxBytes: number;
  intake: NotificationReceiver;
  log: Log;
  /** Whole-connection time limit (default 10 s, as on Node): a notification is a few hundred bytes. */
  timeoutMs?: number;
  /** Connections served at once (default 8). */
  maxConnections?: number;
}

/** How much of a refused body is read and thrown away before the connection is cut (as on Node). */
const DRAIN_BYTES = 256 * 1024;

interface Conn {
  fd: number;
  from: string;
  head: Uint8Array;
  headUsed: number;
  body: Uint8Array | null;
  bodyUsed: number;
  /** Bytes still to read and discard after the answer; the connection closes when this reaches 0. */
  drainLeft: number;
  answered: boolean;
  out: Uint8Array | null;
  closeAfterSend: boolean;
  timer: unknown;
}

export class QjsHttpEndpoint {
  private fd = -1;
  private paused = false;
  private retry: unknown = null;
  private readonly conns = new Set<Conn>();
  /** One read buffer for every connection (the loop runs one handler at a time). */
  private readonly scratch = new ArrayBuffer(16 * 1024);

  constructor(
    private readonly dm: DmNative,
    private readonly options: QjsHttpOptions,
  ) {}

  /** Listens (errors say `notifications.http: cannot listen on ...: EADDRINUSE ...`); the bound address. */
  start(): { address: string; port: number } {
    const o = this.options;
    try {
      this.fd = this.dm.tcpListen(o.address, o.port, 16);
    } catch (e) {
      throw new Error(`notifications.http: cannot listen on ${o.address}:${o.port}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const port = this.dm.localPort(this.fd);
    os.setReadHandler(this.fd, () => this.acceptAll());
    o.log.log('info', 'listening for HTTP notifications', { address: o.address, port, path: o.path });
    return { address: o.address, port };
  }

  close(): void {
    const fd = this.fd;
    this.fd = -1; // first: ending the connections must not resume accepting
    if (this.retry !== null) os.clearTimeout(this.retry);
    this.retry = null;
    for (const c of Array.from(this.conns)) this.end(c);
    if (fd < 0) return;
    os.setReadHandler(fd, null);
    os.close(fd);
  }

  private get maxConnections(): number {
    return this.options.maxConnections === undefined ? 8 : this.options.maxConnections;
  }

  private acceptAll(): void {
    while (this.fd >= 0 && this.conns.size < this.maxConnections) {
      let a: ReturnType<DmNative['accept']>;
      try {
        a = this.dm.accept(this.fd);
      } catch (e) {
        // EMFILE and the like: the connection stays queued and the socket stays readable, so the loop would spin on
        // it; stop reading it until one of ours ends or a second has passed
        this.options.log.log('error', 'notification HTTP accept failed', { error: e instanceof Error ? e.message : String(e) });
        this.pause();
        if (this.retry === null) this.retry = os.setTimeout(() => ((this.retry = null), this.resume()), 1000);
        return;
      }
      if (a === null) return;
      const c: Conn = { fd: a.fd, from: `${a.address}:${a.port}`, head: new Uint8Array(MAX_HEAD_BYTES), headUsed: 0, body: null, bodyUsed: 0, drainLeft: -1, answered: false, out: null, closeAfterSend: false, timer: null };
      this.conns.add(c);
      c.timer = os.setTimeout(() => this.timedOut(c), this.options.timeoutMs === undefined ? 10_000 : this.options.timeoutMs);
      os.setReadHandler(c.fd, () => this.readable(c));
    }
    if (this.conns.size >= this.maxConnections && !this.paused) {
      this.options.log.log('warn', 'notification HTTP connections at the limit; new ones wait', { limit: this.maxConnections });
      this.pause();
    }
  }

  private resume(): void {
    if (!this.paused || this.fd < 0 || this.conns.size >= this.maxConnections) return;
    this.paused = false;
    os.setReadHandler(this.fd, () => this.acceptAll());
    this.acceptAll(); // the ones waiting in the backlog
  }

  private pause(): void {
    if (this.paused || this.fd < 0) return;
    this.paused = true;
    os.setReadHandler(this.fd, null);
  }

  private timedOut(c: Conn): void {
    c.timer = null;
    if (!this.conns.has(c)) return;
    if (!c.answered) {
      this.options.log.log('warn', 'notification HTTP request timed out', { from: c.from, headBytes: c.headUsed, bodyBytes: c.bodyUsed });
      this.answer(c, { status: 408, text: 'request timed out' }, 0);
    }
    // answered or not: the time is up, whatever is still unsent or unread
    this.end(c);
  }

  private readable(c: Conn): void {
    for (;;) {
      if (!this.conns.has(c)) return;
      let n: number;
      try {
        n = this.dm.recv(c.fd, this.scratch, 0, this.scratch.byteLength);
      } catch {
        return this.end(c); // ECONNRESET: the client is gone
      }
      if (n < 0) return;
      if (n === 0) return this.end(c); // the client closed its side: nothing more can come
      this.take(c, new Uint8Array(this.scratch, 0, n));
    }
  }

  private take(c: Conn, bytes: Uint8Array): void {
    if (c.drainLeft >= 0) {
      c.drainLeft -= Math.min(c.drainLeft, bytes.length);
      if (c.drainLeft === 0) this.finish(c);
      return;
    }
    if (c.body === null) {
      const room = c.head.length - c.headUsed;
      const part = bytes.subarray(0, room);
      c.head.set(part, c.headUsed);
      const from = Math.max(0, c.headUsed - 3);
      c.headUsed += part.length;
      const end = headEnd(c.head, c.headUsed, from);
      if (end < 0) {
        if (c.headUsed >= c.head.length) this.answer(c, { status: 431, text: `request head over ${MAX_HEAD_BYTES} bytes` }, DRAIN_BYTES);
        return;
      }
      let head;
      try {
        head = parseRequestHead(c.head.subarray(0, end));
      } catch (e) {
        if (!(e instanceof HttpRequestError)) throw e;
        return this.answer(c, { status: e.status, text: e.message }, DRAIN_BYTES);
      }
      const rest = bytes.subarray(part.length - (c.headUsed - end));
      const decision = decideNotificationRequest(head, this.options.path, this.options.maxBytes);
      if ('answer' in decision) {
        const announced = head.contentLength === undefined ? DRAIN_BYTES : Math.min(head.contentLength, DRAIN_BYTES);
        return this.answer(c, decision.answer, Math.max(0, announced - rest.length));
      }
      c.body = new Uint8Array(decision.bodyBytes);
      c.head = new Uint8Array(0); // the head is done with; keep only the body
      if (head.expectContinue && rest.length === 0 && decision.bodyBytes > 0) this.send(c, continueAnswer(), false);
      bytes = rest;
    }
    const want = c.body.length - c.bodyUsed;
    c.body.set(bytes.subarray(0, want), c.bodyUsed);
    c.bodyUsed += Math.min(want, bytes.length);
    if (c.bodyUsed === c.body.length) this.complete(c);
  }

  private complete(c: Conn): void {
    const r = this.options.intake.receive(c.body as Uint8Array, 'http', c.from);
    const status = httpStatusFor(r);
    const text = r.outcome === 'rejected' ? r.error.message : r.outcome;
    this.answer(c, { status, text, headers: status === 503 ? { 'retry-after': '30' } : {} }, 0);
  }

  /** Sends the answer, then reads and discards up to `drain` more bytes before closing (0: close once sent). */
  private answer(c: Conn, a: HttpAnswer, drain: number): void {
    if (c.answered) return;
    c.answered = true;
    c.body = null;
    c.drainLeft = drain;
    this.send(c, formatHttpAnswer(a), drain === 0);
  }

  private send(c: Conn, bytes: Uint8Array, closeAfter: boolean): void {
    c.closeAfterSend = closeAfter;
    c.out = c.out === null ? bytes : concat(c.out, bytes);
    this.flush(c);
  }

  private flush(c: Conn): void {
    if (!this.conns.has(c) || c.out === null) return;
    let n: number;
    try {
      const out = c.out;
      n = this.dm.send(c.fd, out.buffer as ArrayBuffer, out.byteOffset, out.byteLength);
    } catch {
      return this.end(c); // EPIPE / ECONNRESET: the client is gone
    }
    if (n >= 0) c.out = n === c.out.length ? null : c.out.subarray(n);
    if (c.out !== null) {
      os.setWriteHandler(c.fd, () => this.flush(c));
      return;
    }
    os.setWriteHandler(c.fd, null);
    if (c.closeAfterSend) return this.end(c);
    if (c.answered && c.drainLeft > 0) {
      // The answer is out while the rest of the request is read and discarded: FIN now, so a client that waits
      // for the end of the answer sees it at once instead of at our time limit.
      try {
        this.dm.shutdownWrite(c.fd);
      } catch {
        this.end(c);
      }
    }
  }

  /** Closes once the answer is out. */
  private finish(c: Conn): void {
    if (c.out === null) this.end(c);
    else c.closeAfterSend = true;
  }

  private end(c: Conn): void {
    if (!this.conns.delete(c)) return;
    if (c.timer !== null) os.clearTimeout(c.timer);
    os.setReadHandler(c.fd, null);
    os.setWriteHandler(c.fd, null);
    os.close(c.fd);
    this.resume();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
