// An HTTP proxy on 127.0.0.1 that sits between the agent and the reference server and breaks exchanges on purpose
// (issue 10). The agent's server.url and the firmware URLs the scenario hands out point at the proxy; a plan decides,
// per request, which fault to apply. Everything it did is kept in `log`, so a test can say what the agent saw.
//
// Faults (all applied to the answer, after the request reached the server, unless named otherwise):
//   pass                       forward unchanged
//   drop-after {bytes}         send the head and the first `bytes` bytes of the body, then destroy the socket
//   refuse                     destroy the socket without forwarding (the server never sees the request)
//   stall                      forward, then never answer (hold the socket until the client gives up)
//   trickle {delayMs, chunk}   send the answer `chunk` bytes (default 1) every `delayMs`
//   status {status}            forward, then answer this HTTP status with an empty body instead
//   corrupt {offset?}          flip one byte of the body (default: the middle byte)
//   duplicate                  forward, but answer with the previous answer of the same kind again (a replay)
//   reorder                    forward, hold the answer and never send it; the NEXT request of the same kind is
//                              forwarded and answered with the held answer (answers arrive one request late)
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  | { kind: 'pass' }
  | { kind: 'drop-after'; bytes: number }
  | { kind: 'refuse' }
  | { kind: 'stall' }
  | { kind: 'trickle'; delayMs: number; chunk?: number }
  | { kind: 'status'; status: number }
  | { kind: 'corrupt'; offset?: number }
  | { kind: 'duplicate' }
  | { kind: 'reorder' };

/** What a request is: a DM message (POST) or anything else (firmware GETs, descriptors, install-notify). */
export type RequestClass = 'dm' | 'file';

export interface ProxiedRequest {
  /** 1-based count over all requests. */
  n: number;
  /** 1-based count within its class. */
  nInClass: number;
  cls: RequestClass;
  method: string;
  path: string;
}

export interface ProxyLogEntry extends ProxiedRequest {
  fault: Fault['kind'];
  /** HTTP status the server answered (undefined when not forwarded or the server failed). */
  upstreamStatus?: number;
  upstreamBytes?: number;
}

export type FaultPlan = (req: ProxiedRequest) => Fault;

export interface FaultProxy {
  /** http://127.0.0.1:port — the proxy's origin; append the server's paths (/dm, /fw/<name>). */
  baseUrl: string;
  /** The DM URL through the proxy. */
  url: string;
  log: ProxyLogEntry[];
  setPlan(plan: FaultPlan): void;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

function readAll(s: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on('data', (c: Buffer) => parts.push(c));
    s.on('end', () => resolve(Buffer.concat(parts)));
    s.on('error', reject);
  });
}

function forward(target: URL, req: IncomingMessage, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: target.host };
    delete headers['content-length'];
    const up = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...headers, 'content-length': String(body.length) } }, async (res) => {
      try {
        const b = await readAll(res);
        const h: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && k !== 'transfer-encoding' && k !== 'connection') h[k] = v;
        resolve({ status: res.statusCode || 502, headers: h, body: b });
      } catch (e) {
        reject(e);
      }
    });
    up.on('error', reject);
    up.end(body);
  });
}

function send(res: ServerResponse, a: Answer): void {
  res.writeHead(a.status, { ...a.headers, 'content-length': String(a.body.length) });
  res.end(a.body);
}

/** Starts a proxy in front of `target` (e.g. the reference server's baseUrl). */
export async function startFaultProxy(target: string, plan: FaultPlan = () => ({ kind: 'pass' })): Promise<FaultProxy> {
  const t = new URL(target);
  const log: ProxyLogEntry[] = [];
  const counts: Record<RequestClass, number> = { dm: 0, file: 0 };
  const last: Partial<Record<RequestClass, Answer>> = {};
  const held: Partial<Record<RequestClass, Answer>> = {};
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let n = 0;
  let current = plan;

  const server: Server = createServer(async (req, res) => {
    const body = await readAll(req).catch(() => Buffer.alloc(0));
    const cls: RequestClass = req.method === 'POST' && /^\/dm/.test(req.url || '') ? 'dm' : 'file';
    const info: ProxiedRequest = { n: ++n, nInClass: ++counts[cls], cls, method: req.method || 'GET', path: req.url || '/' };
    let fault: Fault;
    try {
      fault = current(info);
    } catch {
      fault = { kind: 'pass' };
    }
    const entry: ProxyLogEntry = { ...info, fault: fault.kind };
    log.push(entry);
    if (fault.kind === 'refuse') {
      req.socket.destroy();
      return;
    }
    let a: Answer;
    try {
      a = await forward(t, req, body);
    } catch (e) {
      res.writeHead(502).end();
      return;
    }
    entry.upstreamStatus = a.status;
    entry.upstreamBytes = a.body.length;
    // A held answer (reorder) goes out now in place of this one, whatever this request's own fault.
    const h = held[cls];
    if (h && fault.kind !== 'reorder') {
      held[cls] = undefined;
      last[cls] = a;
      send(res, h);
      return;
    }
    const previous = last[cls];
    last[cls] = a;
    switch (fault.kind) {
      case 'pass':
        send(res, a);
        return;
      case 'stall':
        return; // never answer; the socket is destroyed on close()
      case 'reorder':
        held[cls] = a;
        return;
      case 'status':
        send(res, { status: fault.status, headers: { 'content-type': 'text/plain' }, body: Buffer.alloc(0) });
        return;
      case 'duplicate':
        send(res, previous || a);
        return;
      case 'corrupt': {
        const b = Buffer.from(a.body);
        if (b.length) b[fault.offset !== undefined ? Math.min(fault.offset, b.length - 1) : b.length >> 1] ^= 0x5a;
        send(res, { ...a, body: b });
        return;
      }
      case 'drop-after': {
        res.writeHead(a.status, { ...a.headers, 'content-length': String(a.body.length) });
        res.write(a.body.subarray(0, Math.min(fault.bytes, a.body.length)), () => {
          const tm = setTimeout(() => {
            timers.delete(tm);
            res.socket?.destroy();
          }, 20);
          timers.add(tm);
        });
        return;
      }
      case 'trickle': {
        const chunk = fault.chunk || 1;
        res.writeHead(a.status, { ...a.headers, 'content-length': String(a.body.length) });
        let off = 0;
        const step = () => {
          if (res.destroyed || res.socket === null) return;
          if (off >= a.body.length) {
            res.end();
            return;
          }
          res.write(a.body.subarray(off, off + chunk));
          off += chunk;
          const tm = setTimeout(() => {
            timers.delete(tm);
            step();
          }, fault.delayMs);
          timers.add(tm);
        };
        step();
        return;
      }
    }
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    url: `${baseUrl}/dm`,
    log,
    setPlan(p) {
      current = p;
    },
    close() {
      for (const tm of timers) clearTimeout(tm);
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
