// The reference OMA DM 1.2 server: a test peer and demo server for dm-agent (docs/flows.md). HTTP on 127.0.0.1,
// POST /dm (and the RespURI paths it hands out) answered in the request's encoding; firmware files, OMA DL
// descriptors and install-notify; Pkg#0 delivery; and /admin endpoints exposing everything it recorded.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { base64Decode } from '../../src/bytes.js';
import { decodeMessage, encodeWbxml, encodeXml, MIME_WBXML, MIME_XML } from '../../src/syncml/index.js';
import type { SyncML } from '../../src/syncml/model.js';
import { serverHmacHeader, toNonce } from './auth.js';
import { FileServer, type ServedFile } from './files.js';
import { DM_FAULT_MODES, sendHugeBody, sendTrickle } from './dm-faults.js';
import { buildPkg0, deliverPkg0, type Pkg0Target } from './pkg0.js';
import { Recorder } from './recorder.js';
import { serverStarted } from './registry.js';
import { DEFAULT_PARAMS, resolveScenario } from './scenarios.js';
import { DmSession, type SessionEnv } from './session.js';
import { summarize } from './summary.js';
import type {
  ClientAuthOptions,
  DmFault,
  DownloadFault,
  Encoding,
  NotificationRecord,
  Scenario,
  ScenarioFn,
  ScenarioParams,
  ServerCredOptions,
  ServerEvents,
  ServerOptions,
} from './types.js';
import { ServerConfigError } from './types.js';

export interface NotifyRequest {
  /** Where to: UDP WAP push (host, port 2948 default), HTTP POST (url), or a spool folder (dir). */
  host?: string;
  port?: number;
  url?: string;
  spool?: string;
  sessionId?: number;
  uiMode?: 0 | 1 | 2 | 3;
  initiator?: 0 | 1;
  vendor?: string;
  /** Device whose client-issued nonce to use; default: the nonce given here or in serverCred, else 4 zero bytes. */
  devId?: string;
  nonce?: string;
  secret?: string;
  serverId?: string;
}

export interface DmServer {
  /** http://host:port/dm */
  url: string;
  /** http://host:port */
  baseUrl: string;
  port: number;
  events: ServerEvents;
  /** Live sessions by key (SessionID + Source/LocURI). */
  sessions: Map<string, DmSession>;
  /** Scenario for every device, or for one device id. */
  setScenario(s: string | Scenario | ScenarioFn, devId?: string): void;
  setParams(p: Partial<ScenarioParams>): void;
  addFile(name: string, source: Uint8Array | string, type?: string): ServedFile;
  setFault(name: string, fault: DownloadFault | undefined): void;
  /** Fault for the next DM exchanges (lost response, HTTP error, delay, huge body, trickle); undefined clears it. */
  setDmFault(fault: DmFault | undefined): void;
  /** Resolves when `pred(events)` holds (polled every 10 ms); rejects after `timeoutMs` (default 5000) naming `what`. */
  waitFor(pred: (e: ServerEvents) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  notify(req: NotifyRequest): Promise<NotificationRecord>;
  /** JSON text of everything recorded (what GET /admin/state returns). */
  state(): string;
  reset(): void;
  close(): Promise<void>;
}

const MAX_BODY = 8 * 1024 * 1024;

function readBody(req: IncomingMessage, limit = MAX_BODY): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error(`body larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(parts))));
    req.on('error', reject);
  });
}

/** The encoding of a request: by its MIME type (docs/protocol.md §1.1), else by sniffing the first byte as the codec does. */
function encodingOf(ctype: string, body: Uint8Array): Encoding {
  const base = ctype.split(';')[0].trim().toLowerCase();
  if (base.endsWith('+wbxml') || base.endsWith('/wbxml') || base === 'application/vnd.wap.wbxml') return 'wbxml';
  if (base.endsWith('+xml') || base.endsWith('/xml')) return 'xml';
  let i = 0;
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09 || body[i] === 0xef || body[i] === 0xbb || body[i] === 0xbf)) i++;
  return body[i] === 0x3c ? 'xml' : 'wbxml';
}

/** The request's headers, lower-case names, repeated ones joined with ", " (what Node gives for most). */
function requestHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

const CONNECTION = Symbol('dm-server connection number');
let connections = 0;
/** A number per TCP connection, given at its first request. */
function connectionNumber(req: IncomingMessage): number {
  const s = req.socket as unknown as Record<symbol, number>;
  if (s[CONNECTION] === undefined) s[CONNECTION] = ++connections;
  return s[CONNECTION];
}

function sendText(res: ServerResponse, code: number, text: string, type = 'text/plain'): void {
  res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(text) }).end(text);
}

export async function startDmServer(opts: ServerOptions = {}): Promise<DmServer> {
  const host = opts.host || '127.0.0.1';
  const serverId = opts.serverId || 'dm-agent-reference-server';
  const random = opts.random || ((n: number) => new Uint8Array(randomBytes(n)));
  const auth: ClientAuthOptions = opts.auth || { type: 'none' };
  if (auth.type !== 'none' && !auth.user) throw new ServerConfigError(`auth ${auth.type} needs a user`);
  const serverCred: ServerCredOptions = opts.serverCred || { type: 'none' };
  const log = opts.log || (() => undefined);
  const rec = new Recorder();
  const files = new FileServer(rec.events.downloads, rec.events.installNotifies);
  for (const [name, src] of Object.entries(opts.files || {})) files.add(name, src);
  for (const [name, fault] of Object.entries(opts.faults || {})) files.setFault(name, fault);
  let params: ScenarioParams = { ...DEFAULT_PARAMS, ...(opts.params || {}) };
  let defaultScenario = resolveScenario(opts.scenario || 'accept-202');
  const perDevice = new Map<string, Scenario>();
  const sessions = new Map<string, DmSession>();
  const clientNonces = new Map<string, Uint8Array>();
  const serverNonces = new Map<string, Uint8Array>();
  const initialClientNonce = toNonce(auth.nonce, () => random(16));
  const initialServerNonce = toNonce(serverCred.nonce, () => new Uint8Array(0));
  let correlators = 0;
  let dmFault: (DmFault & { left: number }) | undefined;
  /** Takes one use of the DM fault when it applies to this request. */
  const takeDmFault = (mode: DmFault['mode'], devId?: string): DmFault | undefined => {
    if (!dmFault || dmFault.mode !== mode || dmFault.left <= 0) return undefined;
    if (dmFault.devId && devId !== undefined && dmFault.devId !== devId) return undefined;
    dmFault.left--;
    return dmFault;
  };
  let baseUrl = '';

  const firstFile = () => files.files.keys().next().value as string | undefined;
  const env: SessionEnv = {
    serverId,
    auth,
    serverCred,
    respUri: opts.respUri !== false,
    respUriOverride: opts.respUriOverride,
    maxMsgSize: opts.maxMsgSize || 65536,
    chunkSize: opts.chunkSize,
    maxMessagesPerSession: opts.maxMessagesPerSession || 100,
    get params() {
      return params;
    },
    rec,
    baseUrl: () => baseUrl,
    clientNonce: (d) => clientNonces.get(d) || initialClientNonce,
    setClientNonce: (d, n) => void clientNonces.set(d, n),
    serverNonce: (d) => serverNonces.get(d) || initialServerNonce,
    setServerNonce: (d, n) => void serverNonces.set(d, n),
    random,
    firmware(name?: string) {
      const n = name || firstFile();
      const f = n ? files.files.get(n) : undefined;
      if (!f) return undefined;
      return { name: f.name, size: f.bytes.length, url: `${baseUrl}/fw/${f.name}`, ddUrl: `${baseUrl}/dd/${f.name}`, sha256: f.sha256, bytes: f.bytes };
    },
    newCorrelator: (prefix) => `${prefix}-${++correlators}-${Date.now().toString(36)}`,
    log: (line) => log(line),
  };

  function sweep(): void {
    const limit = opts.sessionTimeoutMs || 300000;
    const now = Date.now();
    for (const [k, s] of sessions) {
      if (now - s.lastActivity <= limit) continue;
      if (!s.ended) {
        s.expire();
        log(`.. session ${k} expired after ${limit} ms idle`);
      }
      sessions.delete(k);
    }
  }

  async function handleDm(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const ctype = String(req.headers['content-type'] || '');
    const body = await readBody(req);
    const httpFault = takeDmFault('http-error');
    if (httpFault) {
      log(`!! fault: answering HTTP ${httpFault.httpStatus || 503} to a DM message on ${path}`);
      return sendText(res, httpFault.httpStatus || 503, 'fault injected\n');
    }
    let msg: SyncML;
    let encoding: Encoding;
    try {
      msg = decodeMessage(body, ctype);
      encoding = encodingOf(ctype, body);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      rec.violation({ sessionKey: '', devId: '', code: 'undecodable', message: `${path}: ${why}` });
      log(`!! undecodable message on ${path} (${ctype}, ${body.length} B): ${why}`);
      sendText(res, 400, `undecodable DM message: ${why}\n`);
      return;
    }
    sweep();
    const devId = msg.hdr.source.locURI;
    const base = ctype.split(';')[0].trim().toLowerCase();
    if (base !== MIME_WBXML && base !== MIME_XML)
      rec.violation({ sessionKey: '', devId, msgId: msg.hdr.msgID, code: 'content-type', message: `Content-Type "${ctype}", expected ${MIME_WBXML} or ${MIME_XML} (docs/protocol.md §1.1)` });
    const key = `${msg.hdr.sessionID}|${devId}`;
    let session = sessions.get(key);
    if (session && session.ended && msg.hdr.msgID === '1') session = undefined; // a new session reusing the id
    if (!session) {
      session = new DmSession(key, msg.hdr, perDevice.get(devId) || defaultScenario, env);
      sessions.set(key, session);
    }
    const inSummary = summarize('in', msg, body.length, encoding);
    rec.events.messages.push({
      seq: rec.nextSeq(),
      dir: 'in',
      time: Date.now(),
      sessionKey: key,
      sessionId: msg.hdr.sessionID,
      devId,
      msgId: msg.hdr.msgID,
      path,
      encoding,
      bytes: body.length,
      headers: requestHeaders(req),
      connection: connectionNumber(req),
      summary: inSummary,
      msg,
    });
    log(inSummary);
    const hmac = req.headers['x-syncml-hmac'];
    const encode = (m: SyncML) => (encoding === 'wbxml' ? encodeWbxml(m) : new Uint8Array(Buffer.from(encodeXml(m), 'utf8')));
    const reply = session.handle(msg, body, Array.isArray(hmac) ? hmac[0] : hmac, path, (m) => encode(m).length);
    const out = encode(reply);
    const limit = session.clientMaxMsgSizeValue;
    if (limit && out.length > limit) log(`!! our message ${reply.hdr.msgID} is ${out.length} bytes, over the client's MaxMsgSize ${limit}`);
    const headers: Record<string, string | number> = {
      'content-type': encoding === 'wbxml' ? MIME_WBXML : MIME_XML,
      'content-length': out.length,
    };
    const sig = serverHmacHeader(serverCred, serverId, env.serverNonce(devId), out);
    if (sig) headers['x-syncml-hmac'] = sig;
    const outSummary = summarize('out', reply, out.length, encoding);
    rec.events.messages.push({
      seq: rec.nextSeq(),
      dir: 'out',
      time: Date.now(),
      sessionKey: key,
      sessionId: reply.hdr.sessionID,
      devId,
      msgId: reply.hdr.msgID,
      path,
      encoding,
      bytes: out.length,
      httpStatus: 200,
      summary: outSummary,
      msg: reply,
    });
    log(outSummary);
    if (takeDmFault('drop-response', devId)) {
      log(`!! fault: dropping our answer ${reply.hdr.msgID} to ${devId}`);
      res.socket && res.socket.destroy();
      return;
    }
    const delay = takeDmFault('delay', devId);
    if (delay) await new Promise((r) => setTimeout(r, delay.delayMs || 1000));
    const huge = takeDmFault('huge-body', devId);
    if (huge) {
      log(`!! fault: answering ${devId} with ${huge.bytes === undefined ? '1 GiB' : `${huge.bytes} bytes`} of filler${huge.contentLength ? ' (Content-Length)' : ' (no Content-Length)'}`);
      const r = await sendHugeBody(res, huge, String(headers['content-type']), devId);
      rec.events.dmFaults.push(r);
      log(`!! fault: huge-body ended after ${r.bytesSent} bytes${r.clientClosed ? ', the client hung up' : ''}`);
      return;
    }
    const trickle = takeDmFault('trickle', devId);
    if (trickle) {
      log(`!! fault: trickling our answer ${reply.hdr.msgID} to ${devId}, ${trickle.chunkBytes || 1} byte(s) every ${trickle.intervalMs === undefined ? 500 : trickle.intervalMs} ms`);
      const r = await sendTrickle(res, trickle, headers, out, devId);
      rec.events.dmFaults.push(r);
      log(`!! fault: trickle ended after ${r.bytesSent} of ${r.bytesPlanned} bytes${r.clientClosed ? ', the client hung up' : ''}`);
      return;
    }
    res.writeHead(200, headers).end(out);
  }

  async function notify(r: NotifyRequest): Promise<NotificationRecord> {
    const sessionId = r.sessionId || 1 + (random(2)[0] << 8 | random(1)[0]) % 0xfffe;
    const devNonce = r.devId ? serverNonces.get(r.devId) : undefined;
    const nonce = r.nonce !== undefined ? base64Decode(r.nonce) : devNonce || (serverCred.nonce !== undefined ? initialServerNonce : new Uint8Array(4));
    const pkg = buildPkg0({
      serverId: r.serverId || serverId,
      secret: r.secret !== undefined ? r.secret : serverCred.secret || '',
      nonce,
      uiMode: r.uiMode === undefined ? 0 : r.uiMode,
      initiator: r.initiator === undefined ? 1 : r.initiator,
      sessionId,
      vendor: r.vendor,
    });
    let target: Pkg0Target;
    if (r.url) target = { via: 'http', url: r.url };
    else if (r.spool) target = { via: 'spool', dir: r.spool };
    else if (r.host) target = { via: 'udp', host: r.host, port: r.port };
    else throw new ServerConfigError('notify needs host (UDP), url (HTTP) or spool (folder)');
    const sent = await deliverPkg0(pkg, sessionId, target);
    rec.events.notifications.push(sent);
    log(`-> pkg0 session ${pkg.sessionIdHex} via ${sent.via} to ${sent.to} (${sent.bytes} B)`);
    return sent;
  }

  const state = () => rec.toJSON({ url: baseUrl + '/dm', scenario: defaultScenario.name, serverId });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url || '/', 'http://x');
    const path = u.pathname;
    const method = req.method || 'GET';
    if (path === '/dm' || path.indexOf('/dm/s/') === 0) {
      if (method !== 'POST') return sendText(res, 405, 'POST a DM message\n');
      return handleDm(req, res, path);
    }
    let m = /^\/fw\/([^/]+)$/.exec(path);
    if (m && (method === 'GET' || method === 'HEAD')) return files.serveFile(decodeURIComponent(m[1]), req, res);
    m = /^\/dd\/([^/]+)$/.exec(path);
    if (m && method === 'GET') {
      const dd = files.descriptor(decodeURIComponent(m[1]), baseUrl);
      return dd ? sendText(res, 200, dd, 'application/vnd.oma.dd+xml') : sendText(res, 404, 'no such descriptor\n');
    }
    m = /^\/notify\/([^/]+)$/.exec(path);
    if (m && method === 'POST') {
      const body = Buffer.from(await readBody(req, 64 * 1024)).toString('utf8');
      const r = files.installNotify(decodeURIComponent(m[1]), body);
      log(`<- install-notify ${r.name}: ${r.code} ${r.text}`);
      return sendText(res, 200, 'OK\n');
    }
    if (path === '/admin/state' && method === 'GET') return sendText(res, 200, state(), 'application/json');
    if (path.indexOf('/admin/') === 0 && method === 'POST') {
      const text = Buffer.from(await readBody(req, 1024 * 1024)).toString('utf8');
      let body: Record<string, unknown>;
      try {
        body = text.trim() ? JSON.parse(text) : {};
      } catch {
        return sendText(res, 400, 'body must be JSON\n');
      }
      try {
        if (path === '/admin/notify') return sendText(res, 200, JSON.stringify(await notify(body as NotifyRequest)), 'application/json');
        if (path === '/admin/scenario') {
          api.setScenario(String(body.name), body.devId === undefined ? undefined : String(body.devId));
          if (body.params) api.setParams(body.params as Partial<ScenarioParams>);
          return sendText(res, 200, '{"ok":true}', 'application/json');
        }
        if (path === '/admin/fault') {
          files.setFault(String(body.name), body.clear ? undefined : (body as DownloadFault));
          return sendText(res, 200, '{"ok":true}', 'application/json');
        }
        if (path === '/admin/dm-fault') {
          api.setDmFault(body.clear ? undefined : (body as unknown as DmFault));
          return sendText(res, 200, '{"ok":true}', 'application/json');
        }
        if (path === '/admin/reset') {
          api.reset();
          return sendText(res, 200, '{"ok":true}', 'application/json');
        }
      } catch (e) {
        return sendText(res, 400, `${e instanceof Error ? e.message : String(e)}\n`);
      }
    }
    sendText(res, 404, `no route for ${method} ${path}\n`);
  }

  const listener: RequestListener = (req, res) => {
    route(req, res).catch((e) => {
      log(`!! ${req.method} ${req.url}: ${e instanceof Error ? e.stack || e.message : String(e)}`);
      if (!res.headersSent) sendText(res, 500, 'internal error\n');
      else res.destroy();
    });
  };
  const pem = (v: string) => (v.indexOf('-----BEGIN') >= 0 ? v : readFileSync(v, 'utf8'));
  const server: Server = opts.tls ? createTlsServer({ key: pem(opts.tls.key), cert: pem(opts.tls.cert) }, listener) : createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port || 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `${opts.tls ? 'https' : 'http'}://${host.indexOf(':') >= 0 ? `[${host}]` : host}:${port}`;
  const timer = setInterval(sweep, 1000);
  timer.unref();

  const api: DmServer = {
    url: `${baseUrl}/dm`,
    baseUrl,
    port,
    events: rec.events,
    sessions,
    setScenario(s, devId) {
      const sc = resolveScenario(s);
      if (devId) perDevice.set(devId, sc);
      else defaultScenario = sc;
    },
    setParams(p) {
      params = { ...params, ...p };
    },
    addFile: (name, source, type) => files.add(name, source, type),
    setFault: (name, fault) => files.setFault(name, fault),
    setDmFault(fault) {
      if (fault && DM_FAULT_MODES.indexOf(fault.mode) < 0)
        throw new ServerConfigError(`DM fault mode must be one of ${DM_FAULT_MODES.join(', ')}, got "${fault.mode}"`);
      dmFault = fault ? { ...fault, left: fault.times === undefined ? 1 : fault.times } : undefined;
    },
    waitFor(pred, timeoutMs = 5000, what = 'condition') {
      const t0 = Date.now();
      return new Promise<void>((resolve, reject) => {
        const tick = () => {
          if (pred(rec.events)) return resolve();
          if (Date.now() - t0 > timeoutMs) return reject(new Error(`dm-server: ${what} not reached within ${timeoutMs} ms`));
          setTimeout(tick, 10);
        };
        tick();
      });
    },
    notify,
    state,
    reset() {
      rec.reset();
      sessions.clear();
    },
    close() {
      clearInterval(timer);
      for (const s of sessions.values()) if (!s.ended) s.record.endReason = s.record.endReason || 'server-closed';
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  if (opts.dmFault) api.setDmFault(opts.dmFault);
  serverStarted(api);
  return api;
}
