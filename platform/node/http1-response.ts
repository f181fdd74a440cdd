// An incremental HTTP/1.1 response parser for package downloads (RFC 9112): the status line and header fields, then
// the body framed by Content-Length, the chunked transfer coding or the closing of the connection. It is fed whatever
// the socket read, in pieces of any size (a head or a chunk-size line may be split at any byte), and hands body bytes
// back as views of the caller's buffer: no copy of the body, and nothing allocated per read but the step's result.
// Only lines (head, chunk sizes, trailers) are gathered, in one line buffer bounded by the head cap.

import { TransferError } from '../../src/update/errors.js';

/** What one step of the parser found. Body bytes are a view of the input: valid until the caller reuses it. */
export type ResponseStep =
  | { kind: 'more' } // nothing to hand on yet: step again with the input left, or feed the next read
  | { kind: 'head'; status: number; headers: Record<string, string> } // the final (non-1xx) head
  | { kind: 'body'; bytes: Uint8Array }
  | { kind: 'done' }; // the message is complete; bytes after it are ignored (the request said Connection: close)

/** A head larger than this is refused: a package server's answer is a few hundred bytes. */
export const MAX_HEAD_BYTES = 64 << 10;
/** A chunk-size line (size and chunk extensions) longer than this is refused. */
const MAX_CHUNK_LINE = 4096;
/** 13 hex digits stay below 2^53: a chunk size is an exact integer. */
const MAX_CHUNK_DIGITS = 13;

const LF = 0x0a;
const CR = 0x0d;

/** field-name = token (RFC 9110 §5.1, §5.6.2). */
const FIELD_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*(.*?)[ \t]*$/;
/** status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4); the last SP is often left out. */
const STATUS_LINE = /^HTTP\/1\.(\d) (\d{3})(?: .*)?$/;
/** chunk = chunk-size [ chunk-ext ] CRLF, chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ) (RFC 9112 §7.1.1). */
const CHUNK_LINE = /^([0-9A-Fa-f]+)[ \t]*(;.*)?$/;

const enum State {
  Head, // status line and header fields
  Length, // Content-Length body
  Close, // close-delimited body
  ChunkSize,
  ChunkData,
  ChunkEnd, // the CRLF after chunk-data
  Trailers,
  Done,
}

const bad = (what: string) => new TransferError('network', `malformed HTTP response: ${what}`);

export class Http1ResponseParser {
  private state = State.Head;
  /** The line being gathered (without its LF), and how many bytes of the current head or trailer section came. */
  private readonly line: Uint8Array;
  private lineLen = 0;
  private sectionBytes = 0;
  private status = 0;
  private fields: Array<[string, string]> = [];
  /** Body bytes still to come: of the Content-Length body or of the current chunk. */
  private left = 0;
  /** Body bytes handed on so far, for the message of a premature close. */
  private bodyBytes = 0;
  private length = -1;
  /** The CR of the CRLF after chunk-data came. */
  private crSeen = false;

  constructor(private readonly maxHead = MAX_HEAD_BYTES) {
    this.line = new Uint8Array(maxHead);
  }

  /** Parses from input[pos, end): the step found and how many input bytes it used. Throws TransferError. */
  step(input: Uint8Array, pos: number, end: number): { used: number; step: ResponseStep } {
    switch (this.state) {
      case State.Done:
        return { used: 0, step: { kind: 'done' } };
      case State.Length:
      case State.ChunkData:
      case State.Close: {
        if (pos >= end) return { used: 0, step: MORE };
        const n = this.state === State.Close ? end - pos : Math.min(this.left, end - pos);
        this.left -= this.state === State.Close ? 0 : n;
        this.bodyBytes += n;
        if (this.left === 0 && this.state === State.Length) this.state = State.Done;
        else if (this.left === 0 && this.state === State.ChunkData) this.state = State.ChunkEnd;
        return { used: n, step: { kind: 'body', bytes: input.subarray(pos, pos + n) } };
      }
      case State.ChunkEnd: {
        // chunk-data is followed by CRLF (RFC 9112 §7.1); a lone LF is taken as well (§2.2).
        let i = pos;
        while (i < end) {
          const b = input[i++];
          if (b === LF) {
            this.crSeen = false;
            this.state = State.ChunkSize;
            return { used: i - pos, step: MORE };
          }
          if (b !== CR || this.crSeen) throw bad('chunk data not followed by CRLF');
          this.crSeen = true;
        }
        return { used: i - pos, step: MORE };
      }
      default: {
        // Head, ChunkSize, Trailers: gather one line.
        const state = this.state;
        const cap = state === State.ChunkSize ? MAX_CHUNK_LINE : this.maxHead;
        let i = pos;
        while (i < end) {
          const b = input[i++];
          if (state !== State.ChunkSize && ++this.sectionBytes > cap) {
            throw new TransferError('network', `HTTP response ${state === State.Head ? 'head' : 'trailer section'} larger than ${cap} bytes`);
          }
          if (b !== LF) {
            if (this.lineLen >= cap) throw new TransferError('network', `HTTP chunk-size line longer than ${cap} bytes`);
            this.line[this.lineLen++] = b;
            continue;
          }
          // A line ends at LF; a CR before it is dropped (RFC 9112 §2.2).
          let len = this.lineLen;
          if (len > 0 && this.line[len - 1] === CR) len--;
          this.lineLen = 0;
          const s = latin1(this.line, len);
          const step = state === State.Head ? this.headLine(s) : state === State.ChunkSize ? this.chunkLine(s) : this.trailerLine(s);
          if (step) return { used: i - pos, step };
          // Another kind of line (or the body) comes next: the caller steps again with what is left.
          if (this.state !== state) return { used: i - pos, step: MORE };
        }
        return { used: i - pos, step: MORE };
      }
    }
  }

  /**
   * The connection closed: a close-delimited body ends here (RFC 9112 §6.3 item 8); any other message that is not
   * complete was cut short (§8: "incomplete message"), which is a network failure, so the download resumes.
   */
  finish(): ResponseStep {
    if (this.state === State.Close) this.state = State.Done;
    if (this.state === State.Done) return { kind: 'done' };
    if (this.state === State.Head)
      throw new TransferError('network', this.status === 0 && this.sectionBytes === 0 ? 'connection closed before any HTTP response' : 'connection closed in the middle of the HTTP response head');
    const of = this.length >= 0 ? ` of ${this.length}` : '';
    throw new TransferError('network', `connection closed before the body was complete (${this.bodyBytes}${of} bytes came)`);
  }

  private headLine(s: string): ResponseStep | undefined {
    if (this.status === 0) {
      // Empty lines before the status line are ignored (RFC 9112 §2.2).
      if (s === '') {
        this.sectionBytes = 0;
        return undefined;
      }
      const m = STATUS_LINE.exec(s);
      if (!m) throw bad(`status line ${JSON.stringify(s.slice(0, 80))}`);
      this.status = Number(m[2]);
      return undefined;
    }
    if (s !== '') {
      this.field(s, 'header');
      return undefined;
    }
    // The empty line: the head is complete.
    const status = this.status;
    const headers = joined(this.fields);
    this.status = 0;
    this.fields = [];
    this.sectionBytes = 0;
    if (status < 200) {
      // 1xx interim answers come before the final one and are skipped (RFC 9110 §15.2); we asked for no upgrade.
      if (status === 101) throw bad('101 Switching Protocols to a request that asked for no upgrade');
      return undefined;
    }
    this.frame(status, headers);
    return { kind: 'head', status, headers };
  }

  /** Message body length of a response to GET (RFC 9112 §6.3). */
  private frame(status: number, headers: Record<string, string>): void {
    if (status === 204 || status === 304) {
      this.state = State.Done;
      return;
    }
    const te = headers['transfer-encoding'];
    if (te !== undefined) {
      // Transfer-Encoding overrides Content-Length (§6.3 item 3). We sent no TE field, so chunked is the only coding
      // the server may apply (§7.4); any other would leave bytes we cannot decode.
      const codings = te.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '');
      if (codings.length !== 1 || codings[0] !== 'chunked') throw bad(`transfer coding "${te}" (only chunked is accepted)`);
      this.state = State.ChunkSize;
      return;
    }
    const cl = headers['content-length'];
    if (cl !== undefined) {
      // A list of identical values is one length; differing or non-numeric values are unrecoverable (§6.3 item 5).
      const values = cl.split(',').map((v) => v.trim());
      if (!values.every((v) => /^\d{1,15}$/.test(v) && v === values[0])) throw bad(`Content-Length "${cl}"`);
      this.length = this.left = Number(values[0]);
      this.state = this.left === 0 ? State.Done : State.Length;
      return;
    }
    this.state = State.Close; // read until the server closes (§6.3 item 8)
  }

  private chunkLine(s: string): ResponseStep | undefined {
    const m = CHUNK_LINE.exec(s);
    if (!m || m[1].replace(/^0+(?=.)/, '').length > MAX_CHUNK_DIGITS) throw bad(`chunk size line ${JSON.stringify(s.slice(0, 80))}`);
    // Chunk extensions are ignored: a recipient MUST ignore unrecognized ones (RFC 9112 §7.1.1).
    const size = parseInt(m[1], 16);
    if (size === 0) {
      // last-chunk, then the trailer section up to an empty line (§7.1.2).
      this.state = State.Trailers;
      this.sectionBytes = 0;
      return undefined;
    }
    this.left = size;
    this.state = State.ChunkData;
    return MORE;
  }

  private trailerLine(s: string): ResponseStep | undefined {
    if (s === '') {
      this.state = State.Done;
      this.fields = [];
      return { kind: 'done' };
    }
    // Trailer fields carry nothing a package download uses; they are checked like header fields and dropped (§7.1.2).
    this.field(s, 'trailer');
    return undefined;
  }

  private field(s: string, what: string): void {
    // A line that starts with whitespace is obs-fold: a user agent replaces it with SP (RFC 9112 §5.2).
    if ((s[0] === ' ' || s[0] === '\t') && this.fields.length > 0) {
      const last = this.fields[this.fields.length - 1];
      last[1] = `${last[1]} ${s.trim()}`.trim();
      return;
    }
    const m = FIELD_LINE.exec(s);
    // No whitespace between name and colon (§5.1); CR and NUL are never valid in a field value (RFC 9110 §5.5).
    if (!m || /[\r\0]/.test(m[2])) throw bad(`${what} field line ${JSON.stringify(s.slice(0, 80))}`);
    this.fields.push([m[1].toLowerCase(), m[2]]);
  }
}

/** Nothing to hand on: the caller steps again with the input that is left, or feeds the next read if none is. */
const MORE: ResponseStep = { kind: 'more' };

function latin1(b: Uint8Array, len: number): string {
  let s = '';
  for (let i = 0; i < len; i += 4096) s += String.fromCharCode.apply(null, Array.from(b.subarray(i, Math.min(len, i + 4096))));
  return s;
}

/** Field lines with the same name are one field, values joined with ", " (RFC 9110 §5.3). */
function joined(fields: Array<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of fields) out[k] = k in out ? `${out[k]}, ${v}` : v;
  return out;
}
