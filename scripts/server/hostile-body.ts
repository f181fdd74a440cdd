// Hostile response bodies for GET /fw/<name> (README "HTTP endpoints", faults): a client must bound what it writes
// and how long it waits, whatever the server does.
//   endless   200 without Content-Length, the file's bytes over and over until the client hangs up
//   oversize  200 without Content-Length, the file then `oversizeBytes` more bytes (more than the descriptor's size)
//   trickle   the body at `trickleBytesPerSec` (Content-Length as usual)
//   stall     `stallAfterBytes` bytes, then silence with the connection open
// Every byte sent is counted in the download record (bytesSent), so tests see how much the client took.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DownloadFault, DownloadRecord } from './types.js';

export type HostileMode = 'endless' | 'oversize' | 'trickle' | 'stall';

export function hostileMode(f: DownloadFault): HostileMode | undefined {
  if (f.endless) return 'endless';
  if (f.oversizeBytes !== undefined) return 'oversize';
  if (f.trickleBytesPerSec !== undefined) return 'trickle';
  if (f.stallAfterBytes !== undefined) return 'stall';
  return undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes `bytes`, waiting for the socket to drain; false once the client is gone. */
function write(res: ServerResponse, bytes: Uint8Array, gone: () => boolean): Promise<boolean> {
  if (gone()) return Promise.resolve(false);
  if (res.write(bytes)) return Promise.resolve(!gone());
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve(!gone());
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export async function sendHostileBody(body: Uint8Array, fault: DownloadFault, req: IncomingMessage, res: ServerResponse, rec: DownloadRecord): Promise<void> {
  let closed = false;
  res.on('close', () => (closed = true));
  req.on('close', () => (closed = true));
  const gone = () => closed || res.destroyed;
  const send = async (bytes: Uint8Array) => {
    if (!(await write(res, bytes, gone))) return false;
    rec.bytesSent += bytes.length;
    return true;
  };
  const mode = hostileMode(fault);
  const chunk = 16384;
  if (mode === 'endless') {
    const src = body.length > 0 ? body : new Uint8Array(chunk);
    for (let off = 0; ; off = (off + chunk) % src.length) {
      if (!(await send(src.subarray(off, Math.min(src.length, off + chunk))))) break;
    }
    rec.dropped = true;
    return;
  }
  if (mode === 'oversize') {
    for (let off = 0; off < body.length; off += chunk) if (!(await send(body.subarray(off, off + chunk)))) return;
    const extra = new Uint8Array(Math.min(chunk, fault.oversizeBytes || 0)).fill(0x5a);
    for (let left = fault.oversizeBytes || 0; left > 0; left -= extra.length) if (!(await send(extra.subarray(0, Math.min(left, extra.length))))) return;
    res.end();
    return;
  }
  if (mode === 'trickle') {
    // Ten small writes a second at the given rate.
    const step = Math.max(1, Math.round((fault.trickleBytesPerSec || 1) / 10));
    for (let off = 0; off < body.length; off += step) {
      if (!(await send(body.subarray(off, off + step)))) return;
      await sleep(100);
    }
    res.end();
    return;
  }
  // stall: a prefix, then nothing; the connection stays open until the client (or the server's close) ends it.
  const n = Math.min(body.length, fault.stallAfterBytes || 0);
  if (n > 0) await send(body.subarray(0, n));
  else res.flushHeaders();
  rec.dropped = true;
}
