// Hostile DM answers for testing the client's bounds (docs/transport.md): a body far larger than the MaxMsgSize the
// client announced (OMA-TS-DM_RepPro-V1_2, Meta MaxMsgSize), with or without Content-Length, and an answer trickled a
// byte at a time. Both respect TCP back-pressure and stop as soon as the client hangs up, recording how many bytes
// got out: a client that reads without a bound lets nearly everything through, a bounded one only its cap plus what
// the socket buffers hold.
import type { ServerResponse } from 'node:http';
import type { DmFault, DmFaultRecord } from './types.js';

const GIB = 1024 * 1024 * 1024;

export const DM_FAULT_MODES: Array<DmFault['mode']> = ['drop-response', 'http-error', 'delay', 'huge-body', 'trickle'];

/** Sends `fault.bytes` of filler as a 200 DM answer; resolves when all is sent or the client has gone. */
export function sendHugeBody(res: ServerResponse, fault: DmFault, contentType: string, devId: string): Promise<DmFaultRecord> {
  const total = fault.bytes === undefined ? GIB : fault.bytes;
  const headers: Record<string, string | number> = { 'content-type': contentType };
  if (fault.contentLength) headers['content-length'] = total;
  res.writeHead(200, headers);
  const chunk = Buffer.alloc(64 * 1024, 0x41);
  return stream(res, 'huge-body', devId, total, (sent) => chunk.subarray(0, Math.min(chunk.length, total - sent)), 0);
}

/** Sends `body` as a 200 answer `fault.chunkBytes` bytes every `fault.intervalMs` ms. */
export function sendTrickle(res: ServerResponse, fault: DmFault, headers: Record<string, string | number>, body: Uint8Array, devId: string): Promise<DmFaultRecord> {
  const step = Math.max(1, fault.chunkBytes || 1);
  res.writeHead(200, headers);
  return stream(res, 'trickle', devId, body.length, (sent) => Buffer.from(body.subarray(sent, sent + step)), fault.intervalMs === undefined ? 500 : fault.intervalMs);
}

function stream(res: ServerResponse, mode: DmFaultRecord['mode'], devId: string, total: number, piece: (sent: number) => Buffer, pauseMs: number): Promise<DmFaultRecord> {
  const t0 = Date.now();
  let sent = 0;
  let clientClosed = false;
  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      resolve({ mode, devId, bytesSent: sent, bytesPlanned: total, clientClosed, ms: Date.now() - t0 });
    };
    // also ends the loop while it waits for 'drain' or a pause
    res.once('close', () => {
      if (!res.writableFinished) clientClosed = true;
      finish();
    });
    const next = () => {
      if (finished || res.destroyed) return;
      if (sent >= total) return void res.end(finish);
      const b = piece(sent);
      sent += b.length;
      const more = res.write(b);
      if (pauseMs > 0) setTimeout(next, pauseMs);
      else if (more) setImmediate(next);
      else res.once('drain', next);
    };
    next();
  });
}
