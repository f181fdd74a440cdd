// Firmware/package files over HTTP for the update scenarios: GET/HEAD /fw/<name> with Range, If-Range and a strong
// ETag (RFC 9110 §13-§14), optional faults (drop after N bytes, delay, forced status, and the hostile bodies of
// hostile-body.ts: endless, oversize, trickle, stall); an OMA DL 1.0 descriptor at
// /dd/<name> (docs/protocol.md §7.1) whose installNotifyURI /notify/<name> records the 900-954 reports (docs/protocol.md §7.2).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DownloadFault, DownloadRecord, InstallNotifyRecord } from './types.js';
import { ServerConfigError } from './types.js';
import { hostileMode, sendHostileBody } from './hostile-body.js';

export interface ServedFile {
  name: string;
  bytes: Uint8Array;
  etag: string;
  sha256: string;
  type: string;
}

const NAME = /^[A-Za-z0-9._-]+$/;

export function makeServedFile(name: string, source: Uint8Array | string, type = 'application/octet-stream'): ServedFile {
  if (!NAME.test(name)) throw new ServerConfigError(`file name "${name}" must match ${NAME}`);
  const bytes = typeof source === 'string' ? new Uint8Array(readFileSync(source)) : source;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { name, bytes, sha256, etag: `"${sha256.slice(0, 32)}"`, type };
}

/** Parses a single `bytes=` range (RFC 9110 §14.1.2); null = ignore the header, 'unsatisfiable' = 416. */
export function parseRange(header: string, size: number): { start: number; end: number } | null | 'unsatisfiable' {
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return null; // multi-range or malformed: serve the whole file
  if (m[1] === '') {
    const n = parseInt(m[2], 10);
    if (n === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = parseInt(m[1], 10);
  const end = m[2] === '' ? size - 1 : Math.min(parseInt(m[2], 10), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

export class FileServer {
  readonly files = new Map<string, ServedFile>();
  private faults = new Map<string, DownloadFault & { used: number }>();
  private notifyCounts = new Map<string, number>();

  constructor(
    private readonly downloads: DownloadRecord[],
    private readonly notifies: InstallNotifyRecord[],
  ) {}

  add(name: string, source: Uint8Array | string, type?: string): ServedFile {
    const f = makeServedFile(name, source, type);
    this.files.set(name, f);
    return f;
  }

  setFault(name: string, fault: DownloadFault | undefined): void {
    if (!fault) this.faults.delete(name);
    else this.faults.set(name, { ...fault, used: 0 });
  }

  private takeFault(name: string): DownloadFault | undefined {
    const f = this.faults.get(name);
    if (!f) return undefined;
    if (f.times !== undefined && f.used >= f.times) return undefined;
    f.used++;
    return f;
  }

  /** GET/HEAD /fw/<name>. */
  async serveFile(name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rec: DownloadRecord = {
      time: Date.now(),
      name,
      method: req.method || 'GET',
      range: header(req, 'range'),
      ifRange: header(req, 'if-range'),
      userAgent: header(req, 'user-agent'),
      status: 0,
      bytesSent: 0,
      dropped: false,
    };
    this.downloads.push(rec);
    const f = this.files.get(name);
    if (!f) {
      rec.status = 404;
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no file ${name}\n`);
      return;
    }
    const fault = this.takeFault(name);
    if (fault && fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault && fault.httpStatus) {
      rec.status = fault.httpStatus;
      res.writeHead(fault.httpStatus, { 'content-type': 'text/plain' }).end(`fault ${fault.httpStatus}\n`);
      return;
    }
    const hostile = fault ? hostileMode(fault) : undefined;
    if (fault && hostile && req.method !== 'HEAD' && (hostile === 'endless' || hostile === 'oversize')) {
      // No Content-Length and no Range: the body is longer than anything announced, only the client's cap ends it.
      rec.status = 200;
      res.writeHead(200, { 'content-type': f.type, etag: f.etag });
      await sendHostileBody(f.bytes, fault, req, res, rec);
      return;
    }
    const size = f.bytes.length;
    let start = 0;
    let end = size - 1;
    let code = 200;
    const headers: Record<string, string | number> = {
      'content-type': f.type,
      etag: f.etag,
      'accept-ranges': 'bytes',
    };
    const range = rec.range;
    // If-Range (RFC 9110 §13.1.5): honour Range only when the validator still matches, else send it all.
    const rangeValid = range !== undefined && (rec.ifRange === undefined || rec.ifRange.trim() === f.etag);
    if (range !== undefined && rangeValid) {
      const r = parseRange(range, size);
      if (r === 'unsatisfiable') {
        rec.status = 416;
        res.writeHead(416, { 'content-range': `bytes */${size}`, etag: f.etag }).end();
        return;
      }
      if (r) {
        start = r.start;
        end = r.end;
        code = 206;
        headers['content-range'] = `bytes ${start}-${end}/${size}`;
      }
    }
    const length = size === 0 ? 0 : end - start + 1;
    headers['content-length'] = length;
    rec.status = code;
    res.writeHead(code, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const body = f.bytes.subarray(start, start + length);
    if (fault && (hostile === 'trickle' || hostile === 'stall')) {
      await sendHostileBody(body, fault, req, res, rec);
      return;
    }
    const drop = fault && fault.dropAfterBytes !== undefined ? fault.dropAfterBytes : undefined;
    if (drop !== undefined && drop < body.length) {
      // Send a prefix, then cut the connection: the client sees a short body and must resume with Range.
      rec.bytesSent = drop;
      rec.dropped = true;
      res.write(body.subarray(0, drop), () => {
        res.socket && res.socket.destroy();
      });
      return;
    }
    rec.bytesSent = body.length;
    res.end(body);
  }

  /** OMA DL 1.0 download descriptor (docs/protocol.md §7.1). */
  descriptor(name: string, baseUrl: string, vendor = 'dm-agent reference server'): string | undefined {
    const f = this.files.get(name);
    if (!f) return undefined;
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    return [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<media xmlns="http://www.openmobilealliance.org/xmlns/dd">',
      '  <DDVersion>1.0</DDVersion>',
      `  <name>${esc(f.name)}</name>`,
      `  <type>${esc(f.type)}</type>`,
      `  <size>${f.bytes.length}</size>`,
      `  <objectURI>${esc(`${baseUrl}/fw/${f.name}`)}</objectURI>`,
      `  <installNotifyURI>${esc(`${baseUrl}/notify/${f.name}`)}</installNotifyURI>`,
      `  <vendor>${esc(vendor)}</vendor>`,
      `  <description>sha256=${f.sha256}</description>`,
      `  <installParam>sha256=${f.sha256}</installParam>`,
      '</media>',
      '',
    ].join('\n');
  }

  /** POST /notify/<name>: body `900 Success` (docs/protocol.md §7.2; CHROMIUM appends whitespace). */
  installNotify(name: string, body: string): InstallNotifyRecord {
    const m = /^\s*(\d{3})\s*(.*?)\s*$/.exec(body);
    const key = name;
    const occurrence = (this.notifyCounts.get(key) || 0) + 1;
    this.notifyCounts.set(key, occurrence);
    const rec: InstallNotifyRecord = {
      time: Date.now(),
      name,
      code: m ? parseInt(m[1], 10) : undefined,
      text: m ? m[2] : '',
      body,
      occurrence,
    };
    this.notifies.push(rec);
    return rec;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
