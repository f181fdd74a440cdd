// The HTTP/1.1 response parser of the Node package GET (platform/node/http1-response.ts, RFC 9112), fed by hand: a
// whole answer in one piece, in 1-byte pieces and split in two at every byte; Content-Length, chunked (extensions,
// trailers, bare LF), close-delimited and empty bodies; 1xx answers skipped; obs-fold unfolded; and what it refuses
// with TransferError 'network' naming what was wrong: a head too large, a bad chunk size, a chunk without its CRLF,
// a bad field line, a coding it cannot decode, conflicting lengths, and a connection closed before the end.

import { describe, expect, it } from 'vitest';
import { Http1ResponseParser } from '../platform/node/http1-response.js';
import { TransferError } from '../src/update/errors.js';

const enc = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

interface Parsed {
  heads: Array<{ status: number; headers: Record<string, string> }>;
  body: string;
  done: boolean;
  /** Every body view was a view of the piece it came in (no copy). */
  views: boolean;
}

/** Feeds `pieces` in order, then the close of the connection when `close` is set. */
function parse(pieces: Uint8Array[], close = false, maxHead?: number): Parsed {
  const p = new Http1ResponseParser(maxHead);
  const out: Parsed = { heads: [], body: '', done: false, views: true };
  for (const piece of pieces) {
    let pos = 0;
    for (;;) {
      const { used, step } = p.step(piece, pos, piece.length);
      pos += used;
      if (step.kind === 'head') out.heads.push({ status: step.status, headers: step.headers });
      else if (step.kind === 'body') {
        out.body += Buffer.from(step.bytes).toString('latin1');
        if (step.bytes.buffer !== piece.buffer || step.bytes.length === 0) out.views = false;
      } else if (step.kind === 'done') {
        out.done = true;
        break;
      } else if (pos >= piece.length) break;
    }
    if (out.done) break;
  }
  if (close && !out.done) out.done = p.finish().kind === 'done';
  return out;
}

const bytesOf = (s: string) => Array.from(enc(s), (b) => new Uint8Array([b]));
function everySplit(s: string): Uint8Array[][] {
  const all = enc(s);
  const out: Uint8Array[][] = [bytesOf(s)];
  for (let i = 1; i < all.length; i++) out.push([all.slice(0, i), all.slice(i)]);
  return out;
}

function refusal(pieces: Uint8Array[], close = false, maxHead?: number): TransferError {
  try {
    parse(pieces, close, maxHead);
  } catch (e) {
    expect(e).toBeInstanceOf(TransferError);
    expect((e as TransferError).kind).toBe('network');
    return e as TransferError;
  }
  throw new Error('expected a TransferError');
}

const CHUNKED =
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nETag: "c1"\r\n\r\n' +
  '5;name=value;flag\r\nhello\r\n' +
  '1 ; x="quoted; text"\r\n \r\n' +
  'A\r\n0123456789\r\n' +
  '0;last=1\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n' +
  'garbage after the message';

describe('HTTP/1.1 response parser (RFC 9112)', () => {
  it('Content-Length body: the same head and bytes whole, in 1-byte pieces and split at every byte', () => {
    const msg = 'HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\nContent-Range: bytes 5-14/15\r\nETag: "e"\r\n\r\n0123456789';
    for (const pieces of [[enc(msg)], ...everySplit(msg)]) {
      const r = parse(pieces);
      expect(r.heads).toEqual([{ status: 206, headers: { 'content-length': '10', 'content-range': 'bytes 5-14/15', etag: '"e"' } }]);
      expect(r.body).toBe('0123456789');
      expect(r.done).toBe(true);
      expect(r.views).toBe(true);
    }
  });

  it('chunked: extensions ignored, trailers read and dropped, split at every byte; bytes after the message ignored', () => {
    for (const pieces of [[enc(CHUNKED)], ...everySplit(CHUNKED)]) {
      const r = parse(pieces);
      expect(r.heads).toHaveLength(1);
      expect(r.heads[0].headers['transfer-encoding']).toBe('chunked');
      expect(r.body).toBe('hello 0123456789');
      expect(r.done).toBe(true);
      expect(r.views).toBe(true);
    }
  });

  it('bare LF line ends are taken (RFC 9112 §2.2)', () => {
    const r = parse(bytesOf('HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n'));
    expect(r.body).toBe('abc');
    expect(r.done).toBe(true);
  });

  it('1xx interim answers are skipped; the final head is the one reported', () => {
    const msg = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
    for (const pieces of [[enc(msg)], bytesOf(msg)]) {
      const r = parse(pieces);
      expect(r.heads).toEqual([{ status: 200, headers: { 'content-length': '2' } }]);
      expect(r.body).toBe('ok');
    }
  });

  it('close-delimited body: every byte until the connection closes, then done', () => {
    const r = parse(bytesOf('HTTP/1.0 200 OK\r\nServer: old\r\n\r\nall of it\r\n'), true);
    expect(r.body).toBe('all of it\r\n');
    expect(r.done).toBe(true);
  });

  it('no body: 204, 304 and Content-Length 0 are done right after the head', () => {
    for (const msg of ['HTTP/1.1 204 No Content\r\n\r\n', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n']) {
      const r = parse([enc(msg)]);
      expect(r.done).toBe(true);
      expect(r.body).toBe('');
    }
  });

  it('field lines: names lower-cased, repeated fields joined with ", ", OWS trimmed, obs-fold replaced by SP (RFC 9112 §5.2)', () => {
    const r = parse([enc('HTTP/1.1 200 OK\r\nX-A:  one \r\nx-a: two\r\nX-Fold: first\r\n   second\r\n\tthird\r\nContent-Length: 0\r\n\r\n')]);
    expect(r.heads[0].headers).toEqual({ 'x-a': 'one, two', 'x-fold': 'first second third', 'content-length': '0' });
  });

  it('a head larger than the cap is refused, naming the cap, before the empty line ends it', () => {
    const big = 'HTTP/1.1 200 OK\r\n' + 'X-Pad: ' + 'p'.repeat(70_000) + '\r\n\r\n';
    expect(refusal([enc(big)]).message).toMatch(/head larger than 65536 bytes/);
    // The cap holds over many small lines too, and with a smaller cap.
    const many = 'HTTP/1.1 200 OK\r\n' + 'X-A: 1\r\n'.repeat(200) + '\r\n';
    expect(refusal([enc(many)], false, 1024).message).toMatch(/head larger than 1024 bytes/);
  });

  it('a trailer section larger than the cap is refused', () => {
    const msg = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n' + 'X-T: 1\r\n'.repeat(200) + '\r\n';
    expect(refusal([enc(msg)], false, 1024).message).toMatch(/trailer section larger than 1024 bytes/);
  });

  it('bad chunk sizes are refused: not hex, too many digits, a line too long', () => {
    const h = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
    expect(refusal(bytesOf(h + 'zz\r\nabc\r\n0\r\n\r\n')).message).toMatch(/chunk size line "zz"/);
    expect(refusal(bytesOf(h + '-1\r\n')).message).toMatch(/chunk size line/);
    expect(refusal([enc(h + 'fffffffffffffff\r\n')]).message).toMatch(/chunk size line/);
    expect(refusal([enc(h + '5;' + 'e'.repeat(5000) + '\r\n')]).message).toMatch(/chunk-size line longer than 4096 bytes/);
  });

  it('chunk data not followed by CRLF is refused', () => {
    expect(refusal([enc('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n')]).message).toMatch(/chunk data not followed by CRLF/);
  });

  it('invalid status and field lines are refused with the line', () => {
    expect(refusal([enc('HTTP/2 200 OK\r\n\r\n')]).message).toMatch(/status line "HTTP\/2 200 OK"/);
    expect(refusal([enc('ICY 200 OK\r\n\r\n')]).message).toMatch(/status line/);
    expect(refusal([enc('HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n')]).message).toMatch(/header field line "No colon here"/);
    expect(refusal([enc('HTTP/1.1 200 OK\r\nX-Space : 1\r\n\r\n')]).message).toMatch(/header field line "X-Space : 1"/);
    expect(refusal([enc('HTTP/1.1 200 OK\r\nX-Cr: a\rb\r\n\r\n')]).message).toMatch(/header field line/);
    expect(refusal([enc('HTTP/1.1 200 OK\r\n folded-first: 1\r\n\r\n')]).message).toMatch(/header field line/);
  });

  it('codings it cannot decode, conflicting lengths and a 101 are refused', () => {
    expect(refusal([enc('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n')]).message).toMatch(/transfer coding "gzip, chunked"/);
    expect(refusal([enc('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n')]).message).toMatch(/Content-Length "5, 6"/);
    expect(refusal([enc('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n')]).message).toMatch(/Content-Length "-1"/);
    expect(refusal([enc('HTTP/1.1 101 Switching Protocols\r\n\r\n')]).message).toMatch(/101/);
    // Identical repeated lengths are one length (RFC 9112 §6.3 item 5); Transfer-Encoding overrides Content-Length.
    expect(parse([enc('HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok')]).body).toBe('ok');
    expect(parse([enc('HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n')]).body).toBe('ok');
  });

  it('a connection closed before the end of the message is a network failure naming how far it came', () => {
    expect(refusal([], true).message).toMatch(/closed before any HTTP response/);
    expect(refusal([enc('HTTP/1.1 200 OK\r\nContent-Le')], true).message).toMatch(/in the middle of the HTTP response head/);
    expect(refusal([enc('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n012')], true).message).toMatch(/body was complete \(3 of 10 bytes came\)/);
    expect(refusal([enc('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab')], true).message).toMatch(/body was complete \(2 bytes came\)/);
    // The last chunk came but not the end of the trailer section.
    expect(refusal([enc('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n')], true).message).toMatch(/body was complete/);
  });
});
