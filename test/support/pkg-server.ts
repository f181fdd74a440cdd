// A tiny package server for update tests, on 127.0.0.1: serves byte objects with ETag, Accept-Ranges and
// Range/If-Range, can cut the connection after N bytes, stall, throttle, answer a fixed status, and records install-notify
// POSTs and every request's Range header.

import * as http from 'node:http';
import { listenOnLoopback } from './loopback.js';

export interface ServedObject {
  body: Uint8Array | (() => Uint8Array);
  etag?: string;
  contentType?: string;
  /** Fixed answer status (e.g. 503) instead of the object. */
  status?: number;
  /** Redirect target for 302. */
  location?: string;
  /** Destroy the socket after this many body bytes (per request; consumed once when `cutOnce`). */
  cutAfter?: number;
  cutOnce?: boolean;
  /** Send the headers and then nothing. */
  stall?: boolean;
  /** Bytes per 50 ms tick (slow link). */
  trickle?: number;
  /** Ignore Range (always 200). */
  noRanges?: boolean;
}

export interface RequestLog {
  method: string;
  path: string;
  range?: string;
  ifRange?: string;
  body?: string;
  contentType?: string;
}

export interface PkgServer {
  url(path: string): string;
  objects: Map<string, ServedObject>;
  log: RequestLog[];
  close(): Promise<void>;
}

export async function startPkgServer(): Promise<PkgServer> {
  const objects = new Map<string, ServedObject>();
  const log: RequestLog[] = [];
  const server = http.createServer((req, res) => {
    const p = (req.url || '/').split('?')[0];
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry: RequestLog = { method: req.method || 'GET', path: p };
      if (req.headers.range) entry.range = String(req.headers.range);
      if (req.headers['if-range']) entry.ifRange = String(req.headers['if-range']);
      if (chunks.length) entry.body = Buffer.concat(chunks).toString('utf8');
      if (req.headers['content-type']) entry.contentType = String(req.headers['content-type']);
      log.push(entry);
      if (req.method === 'POST') {
        res.writeHead(200).end();
        return;
      }
      const obj = objects.get(p);
      if (!obj) {
        res.writeHead(404).end();
        return;
      }
      if (obj.status !== undefined) {
        const h: Record<string, string> = {};
        if (obj.location) h.location = obj.location;
        res.writeHead(obj.status, h).end();
        return;
      }
      const body = typeof obj.body === 'function' ? obj.body() : obj.body;
      let start = 0;
      let status = 200;
      const headers: Record<string, string> = { 'content-type': obj.contentType || 'application/octet-stream' };
      if (obj.etag) headers.etag = obj.etag;
      if (!obj.noRanges) headers['accept-ranges'] = 'bytes';
      const m = /^bytes=(\d+)-$/.exec(String(req.headers.range || ''));
      const ifRange = req.headers['if-range'];
      if (m && !obj.noRanges && (ifRange === undefined || ifRange === obj.etag)) {
        start = Number(m[1]);
        if (start >= body.length) {
          res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
          return;
        }
        status = 206;
        headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
      }
      headers['content-length'] = String(body.length - start);
      res.writeHead(status, headers);
      if (obj.stall) return; // headers only, then silence
      const rest = Buffer.from(body.buffer, body.byteOffset + start, body.length - start);
      if (obj.cutAfter !== undefined) {
        const n = obj.cutAfter;
        if (obj.cutOnce) delete obj.cutAfter;
        res.write(rest.subarray(0, Math.min(n, rest.length)), () => setTimeout(() => res.socket && res.socket.destroy(), 20));
        return;
      }
      if (obj.trickle) {
        let off = 0;
        const step = obj.trickle;
        const t = setInterval(() => {
          if (res.destroyed || off >= rest.length) {
            clearInterval(t);
            if (!res.destroyed) res.end();
            return;
          }
          res.write(rest.subarray(off, off + step));
          off += step;
        }, 50);
        res.on('close', () => clearInterval(t));
        return;
      }
      // Stream in 64 KiB pieces with backpressure so big objects do not sit in memory twice.
      let off = 0;
      const pump = () => {
        while (off < rest.length) {
          const piece = rest.subarray(off, off + 65536);
          off += piece.length;
          if (!res.write(piece)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    url: (p: string) => `http://127.0.0.1:${port}${p}`,
    objects,
    log,
    close,
  };
}
