// One package GET over a plain TCP or TLS socket read into ONE reused buffer (the `onread` socket option): node:http
// allocates a fresh Buffer for every socket read and frees it only at the next GC, so a fast download of a large
// image grows the process by tens of MiB; here every read lands in the same buffer, the body goes on as views of it,
// and the socket is paused while the consumer holds a view (backpressure), so memory stays flat in the image size.
// The request is HTTP/1.1 with Connection: close (one request per connection, RFC 9112 §9.6); the answer is parsed
// by Http1ResponseParser (http1-response.ts).

import * as net from 'node:net';
import * as tls from 'node:tls';
import { TransferError } from '../../src/update/errors.js';
import { Http1ResponseParser } from './http1-response.js';

/** The one read buffer: large enough for a fast link's reads, small enough to be nothing next to the runtime. */
export const READ_BUFFER_BYTES = 256 << 10;
/** A TLS read hands on one record (at most 16 KiB, RFC 8446 §5.1) at a time. */
const SPARE_BYTES = 16 << 10;

export interface PackageGetOptions {
  url: string;
  /** Request header fields (lower-case names); Host, Accept-Encoding and Connection are added. */
  headers: Record<string, string>;
  /** Extra CA certificates (PEM) for https; the certificate is always verified. */
  ca?: string | Buffer;
  connectTimeoutMs: number;
  /** No byte for this long ends the GET (see onIdle to change what it ends with once the body flows). */
  idleTimeoutMs: number;
  /** The answer's head must come within this long (what is left of the download deadline). */
  maxTimeMs?: number;
  readBufferBytes?: number;
  /** Maps a socket error (ECONNREFUSED, a TLS error ...) to what the caller sees. */
  mapError(e: Error): Error;
}

/** Body bytes, a view of the read buffer: valid until the returned promise settles (the consumer copies what it keeps). */
export type BodyConsumer = (bytes: Buffer) => Promise<void> | void;

const FIELD_VALUE_OK = /^[^\r\n\0]*$/;
const FIELD_NAME_OK = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function requestHead(u: URL, headers: Record<string, string>): string {
  const fields: Record<string, string> = { host: u.host };
  for (const [k, v] of Object.entries(headers)) fields[k.toLowerCase()] = v;
  // The package bytes exactly as stored (RFC 9110 §12.5.3): a content coding would change what we hash and write.
  if (!('accept-encoding' in fields)) fields['accept-encoding'] = 'identity';
  fields['connection'] = 'close';
  let head = `GET ${u.pathname || '/'}${u.search} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(fields)) {
    if (!FIELD_NAME_OK.test(k) || !FIELD_VALUE_OK.test(v)) throw new TypeError(`request header ${JSON.stringify(k)} has an invalid name or value`);
    head += `${k}: ${v}\r\n`;
  }
  return head + '\r\n';
}

/** Unparsed bytes of one socket read: buf[pos, end). */
interface Segment {
  buf: Buffer;
  pos: number;
  end: number;
}

export class PackageGet {
  status = 0;
  headers: Record<string, string> = {};
  private readonly socket: net.Socket;
  private readonly secure: boolean;
  private readonly parser = new Http1ResponseParser();
  /** The one read buffer. */
  private readonly buf: Buffer;
  /** TLS only: buffers for records decrypted after a pause (see nextBuffer). */
  private readonly spares: Buffer[] = [];
  /** Reads not parsed yet, oldest first. */
  private queue: Segment[] = [];
  /** The buffer the consumer holds a view of while its promise is pending. */
  private held: Buffer | undefined;
  /** The head came and body() was not called yet: the socket reads no further. */
  private waitingForBody = false;
  private consumer: BodyConsumer | undefined;
  private failure: Error | undefined;
  private finished = false;
  /** The server's FIN (or the socket's close) came. */
  private ended = false;
  private onHead: { resolve(): void; reject(e: Error): void } | undefined;
  private onBody: { resolve(): void; reject(e: Error): void } | undefined;
  private idle: () => void;
  private timers: Array<ReturnType<typeof setTimeout>> = [];

  /** Connects, sends the GET and resolves once the final answer's head came (1xx skipped). Rejects as mapError says. */
  static async open(o: PackageGetOptions): Promise<PackageGet> {
    let u: URL;
    try {
      u = new URL(o.url);
    } catch (e) {
      throw new TransferError('connect', `invalid URL ${o.url}`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TransferError('connect', `unsupported URL scheme ${u.protocol} in ${o.url}`);
    const head = requestHead(u, o.headers);
    const get = new PackageGet(u, head, o);
    await new Promise<void>((resolve, reject) => {
      if (get.failure) reject(get.failure);
      else get.onHead = { resolve, reject };
    });
    return get;
  }

  private constructor(u: URL, head: string, o: PackageGetOptions) {
    this.buf = Buffer.alloc(o.readBufferBytes || READ_BUFFER_BYTES);
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    this.secure = u.protocol === 'https:';
    const port = Number(u.port) || (this.secure ? 443 : 80);
    // Node asks for the buffer of the next read after each read's callback.
    const onread = { buffer: () => this.nextBuffer(), callback: (n: number, b: Buffer) => this.read(n, b) };
    // As node:https does: the certificate is verified against the CA list and the host name; SNI only for a name,
    // never for an IP address (RFC 6066 §3).
    this.socket = this.secure
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ca: o.ca, onread } as tls.ConnectionOptions)
      : net.connect({ host, port, onread } as net.NetConnectOpts);
    const connectTimer = setTimeout(() => this.fail(new TransferError('timeout', `no connection to ${u.host} within ${o.connectTimeoutMs} ms`)), o.connectTimeoutMs);
    this.timers.push(connectTimer);
    this.socket.once(this.secure ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    if (o.maxTimeMs !== undefined) {
      this.timers.push(setTimeout(() => this.fail(new TransferError('timeout', `no answer within the ${o.maxTimeMs} ms left before the deadline`)), o.maxTimeMs));
    }
    this.idle = () => this.fail(new TransferError('timeout', `no data for ${o.idleTimeoutMs} ms`));
    this.socket.setTimeout(o.idleTimeoutMs, () => this.idle());
    this.socket.on('error', (e) => this.fail(o.mapError(e)));
    // With `onread` the stream itself carries no data; 'end' is the server's FIN.
    this.socket.on('end', () => this.eof());
    this.socket.on('close', () => this.eof());
    this.socket.resume();
    this.socket.write(head, 'latin1');
  }

  /** What the idle timeout does from now on (the body phase calls a stall a low-speed failure). */
  onIdle(fire: () => void): void {
    this.idle = fire;
  }

  /**
   * Hands the body to `consume`, one view of a read buffer at a time, each awaited before the socket reads on.
   * Resolves when the body is complete; rejects with what `consume` threw or the transfer's failure.
   */
  body(consume: BodyConsumer): Promise<void> {
    this.consumer = consume;
    return new Promise<void>((resolve, reject) => {
      this.onBody = { resolve, reject };
      this.waitingForBody = false;
      if (this.failure) reject(this.failure);
      else if (this.drain()) this.socket.resume();
    });
  }

  /** Ends the GET; a pending body() rejects with `reason` (or with a network failure saying the caller closed it). */
  destroy(reason?: Error): void {
    this.fail(reason || new TransferError('network', 'the package GET was closed before its end'));
    this.close();
  }

  /**
   * The buffer the next read goes into. A plain TCP socket reads nothing once paused (the callback returned false:
   * the handle stops reading), so the one buffer is always free by the time it reads again. A TLS socket still hands
   * on the records it already decrypted after a pause: those go to spare buffers while the one buffer is in use, so
   * no byte a consumer holds or the parser has not seen is overwritten. Spares are few (what one network read held)
   * and reused.
   */
  private nextBuffer(): Buffer {
    if (!this.secure || !this.inUse(this.buf)) return this.buf;
    for (const b of this.spares) if (!this.inUse(b)) return b;
    const spare = Buffer.alloc(SPARE_BYTES);
    this.spares.push(spare);
    return spare;
  }

  private inUse(b: Buffer): boolean {
    return this.held === b || this.queue.some((s) => s.buf === b);
  }

  /** One socket read of `n` bytes into `b`; false pauses the socket (a consumer holds a view, or the head waits). */
  private read(n: number, b: Buffer): boolean {
    this.queue.push({ buf: b, pos: 0, end: n });
    if (this.held || this.waitingForBody) return false;
    return this.drain();
  }

  /** Parses what the reads brought; true when the socket may read on. */
  private drain(): boolean {
    while (!this.failure && !this.finished) {
      const seg = this.queue[0];
      if (!seg) {
        if (this.ended) this.finishAtEof();
        return !this.ended;
      }
      let r;
      try {
        r = this.parser.step(seg.buf, seg.pos, seg.end);
      } catch (e) {
        this.fail(e as Error);
        return false;
      }
      seg.pos += r.used;
      if (seg.pos >= seg.end) this.queue.shift();
      const step = r.step;
      if (step.kind === 'more') continue;
      if (step.kind === 'head') {
        this.status = step.status;
        this.headers = step.headers;
        this.clearTimers();
        const h = this.onHead;
        this.onHead = undefined;
        // The body waits for body(): what is left of this read stays queued, the socket reads no further.
        this.waitingForBody = true;
        if (h) h.resolve();
        return false;
      }
      if (step.kind === 'done') {
        this.complete();
        return false;
      }
      let pending;
      try {
        pending = (this.consumer as BodyConsumer)(step.bytes as Buffer);
      } catch (e) {
        this.fail(e as Error);
        return false;
      }
      if (pending && typeof pending.then === 'function') {
        this.held = seg.buf;
        pending.then(
          () => {
            this.held = undefined;
            if (this.drain()) this.socket.resume();
          },
          (e: Error) => this.fail(e),
        );
        return false;
      }
    }
    return false;
  }

  /** The server closed its side: a close-delimited body ends; anything else incomplete was cut short. */
  private eof(): void {
    if (this.ended) return;
    this.ended = true;
    // Bytes still wait for the parser or a consumer: the end is seen once they are handed on (drain).
    if (this.queue.length === 0 && !this.held && !this.waitingForBody) this.finishAtEof();
  }

  private finishAtEof(): void {
    if (this.failure || this.finished) return;
    try {
      const step = this.parser.finish();
      if (step.kind === 'done') this.complete();
    } catch (e) {
      this.fail(e as Error);
    }
  }

  private complete(): void {
    this.finished = true;
    this.close();
    const b = this.onBody;
    this.onBody = undefined;
    if (b) b.resolve();
  }

  private fail(e: Error): void {
    if (this.failure || this.finished) return;
    this.failure = e;
    this.close();
    const h = this.onHead;
    const b = this.onBody;
    this.onHead = this.onBody = undefined;
    if (h) h.reject(e);
    if (b) b.reject(e);
  }

  private close(): void {
    this.clearTimers();
    this.socket.setTimeout(0);
    this.socket.destroy();
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }
}
