// Argument parsing of the dm-server command line (scripts/dm-server.ts), separate so tests can call it.
import { basename } from 'node:path';
import { scenarioNames } from './scenarios.js';
import type { DmFault, DownloadFault, ServerAuthType, ServerOptions } from './types.js';
import { DM_FAULT_MODES } from './dm-faults.js';

export const USAGE = `usage: dm-server [options]
  --port N                 listen port (default 0 = random)
  --host H                 listen address (default 127.0.0.1)
  --scenario NAME          ${scenarioNames().join(' | ')} (default accept-202)
  --auth TYPE              client auth we require: none | basic | md5 | hmac (default none); --auth basic
                           against an md5/hmac client is the downgrade impostor (the client must refuse, exit 6)
  --user U --secret S      the client's credentials
  --nonce B64              nonce we expect first (md5/hmac; default random)
  --server-id ID           our server id (DMAcc ServerID, pkg0)
  --server-auth TYPE       our credentials for the client: none | basic | md5 | hmac
  --server-user N --server-secret S --server-nonce B64
  --wrong-server-cred      send wrong server credentials (the client must execute nothing, acknowledge no report,
                           follow no RespURI, and exit 6)
  --respuri URL            hostile: hand out this RespURI instead of our own (another host, or http under https)
  --firmware FILE          serve FILE at /fw/<basename> (repeatable); scenarios point at the first one
  --descriptor             FUMO/SCOMO PkgURL points at the OMA DL descriptor /dd/<name>
  --fault NAME:MODE[=N]    hostile answers for GET /fw/NAME (repeatable):
                             endless         200 without Content-Length, the file over and over, never ending
                             oversize=N      200 without Content-Length, the file and N more bytes
                             trickle=N       the body at N bytes/s
                             stall=N         N body bytes, then silence with the connection open
                             drop=N          close the connection after N body bytes
                             delay=MS        answer MS late;  status=CODE  answer CODE instead of the file
  --fumo-uri URI           FUMO node when the client names none (default ./FUMO)
  --no-respuri             do not hand out a RespURI
  --max-messages N         abort a session at its N-th client message (default 100)
  --chunk-size N           large-object chunk size in bytes
  --session-timeout MS     idle session expiry (default 300000)
  --tls-cert FILE --tls-key FILE   serve HTTPS with this PEM certificate and key
  --dm-fault JSON          arm a hostile DM answer, as POST /admin/dm-fault takes it, e.g.
                           '{"mode":"huge-body","bytes":1073741824,"contentLength":false,"times":1}'
                           modes: drop-response (process, then cut the connection) | http-error (httpStatus,
                           default 503) | delay (delayMs) | huge-body (bytes of filler, default 1 GiB, Content-Length
                           only with contentLength:true) | trickle (the real answer chunkBytes (1) every intervalMs
                           (500)); times: how many DM requests (default 1); devId: one device only
  --url-file FILE          write the DM URL into FILE once listening (for scripts)
  --log-json               log JSON lines instead of text
`;

export class UsageError extends Error {}

/** `fw.bin:endless`, `fw.bin:oversize=4096`, `fw.bin:trickle=200`, `fw.bin:stall=1000`, `fw.bin:drop=5000`, ... */
export function parseFault(spec: string): [string, DownloadFault] {
  const m = /^([A-Za-z0-9._-]+):([a-z]+)(?:=(\d+))?$/.exec(spec);
  if (!m) throw new UsageError(`--fault needs NAME:MODE[=N], e.g. fw.bin:trickle=200, got "${spec}"`);
  const [, name, mode, arg] = m;
  const n = arg === undefined ? undefined : Number(arg);
  const need = (): number => {
    if (n === undefined) throw new UsageError(`--fault ${mode} needs =N, got "${spec}"`);
    return n;
  };
  switch (mode) {
    case 'endless': return [name, { endless: true }];
    case 'oversize': return [name, { oversizeBytes: need() }];
    case 'trickle': return [name, { trickleBytesPerSec: Math.max(1, need()) }];
    case 'stall': return [name, { stallAfterBytes: need() }];
    case 'drop': return [name, { dropAfterBytes: need() }];
    case 'delay': return [name, { delayMs: need() }];
    case 'status': return [name, { httpStatus: need() }];
  }
  throw new UsageError(`--fault mode must be endless, oversize, trickle, stall, drop, delay or status, got "${mode}"`);
}

function dmFault(text: string): DmFault {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--dm-fault needs JSON, got ${JSON.stringify(text)}: ${(e as Error).message}`);
  }
  const f = v as DmFault;
  if (typeof v !== 'object' || v === null || DM_FAULT_MODES.indexOf(f.mode) < 0) {
    throw new UsageError(`--dm-fault needs {"mode": ${DM_FAULT_MODES.join(' | ')}, ...}, got ${text}`);
  }
  return f;
}

const AUTH_TYPES = ['none', 'basic', 'md5', 'hmac'];

export function parseArgs(argv: string[]): { opts: ServerOptions; json: boolean; urlFile?: string } {
  const opts: ServerOptions = { params: {} };
  let json = false;
  let urlFile: string | undefined;
  let tlsCert: string | undefined;
  let tlsKey: string | undefined;
  const files: Record<string, string> = {};
  let i = 0;
  const value = (flag: string): string => {
    const v = argv[++i];
    if (v === undefined || v.indexOf('--') === 0) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  const int = (flag: string): number => {
    const v = value(flag);
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} needs a non-negative integer, got "${v}"`);
    return n;
  };
  const authType = (flag: string): ServerAuthType => {
    const v = value(flag);
    if (AUTH_TYPES.indexOf(v) < 0) throw new UsageError(`${flag} must be one of ${AUTH_TYPES.join(', ')}, got "${v}"`);
    return v as ServerAuthType;
  };
  const auth = { type: 'none' as ServerAuthType, user: undefined as string | undefined, secret: undefined as string | undefined, nonce: undefined as string | undefined };
  const srv = { type: 'none' as ServerAuthType, name: undefined as string | undefined, secret: undefined as string | undefined, nonce: undefined as string | undefined, wrong: false };
  for (; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--port': opts.port = int(a); break;
      case '--host': opts.host = value(a); break;
      case '--scenario': opts.scenario = value(a); break;
      case '--auth': auth.type = authType(a); break;
      case '--user': auth.user = value(a); break;
      case '--secret': auth.secret = value(a); break;
      case '--nonce': auth.nonce = value(a); break;
      case '--server-id': opts.serverId = value(a); break;
      case '--server-auth': srv.type = authType(a); break;
      case '--server-user': srv.name = value(a); break;
      case '--server-secret': srv.secret = value(a); break;
      case '--server-nonce': srv.nonce = value(a); break;
      case '--wrong-server-cred': srv.wrong = true; break;
      case '--firmware': { const f = value(a); files[basename(f)] = f; break; }
      case '--descriptor': opts.params!.useDescriptor = true; break;
      case '--fault': { const [name, fault] = parseFault(value(a)); (opts.faults = opts.faults || {})[name] = Object.assign((opts.faults || {})[name] || {}, fault); break; }
      case '--fumo-uri': opts.params!.fumoUri = value(a); break;
      case '--no-respuri': opts.respUri = false; break;
      case '--respuri': opts.respUriOverride = value(a); break;
      case '--max-messages': opts.maxMessagesPerSession = int(a); break;
      case '--chunk-size': opts.chunkSize = int(a); break;
      case '--session-timeout': opts.sessionTimeoutMs = int(a); break;
      case '--log-json': json = true; break;
      case '--url-file': urlFile = value(a); break;
      case '--dm-fault': opts.dmFault = dmFault(value(a)); break;
      case '--tls-cert': tlsCert = value(a); break;
      case '--tls-key': tlsKey = value(a); break;
      case '-h':
      case '--help': throw new UsageError('');
      default: throw new UsageError(`unknown option ${a}`);
    }
  }
  if (auth.type !== 'none' && (!auth.user || auth.secret === undefined)) throw new UsageError(`--auth ${auth.type} needs --user and --secret`);
  opts.auth = { type: auth.type, user: auth.user, secret: auth.secret, nonce: auth.nonce };
  if (srv.type !== 'none' && srv.secret === undefined) throw new UsageError(`--server-auth ${srv.type} needs --server-secret`);
  opts.serverCred = { type: srv.type, name: srv.name, secret: srv.secret, nonce: srv.nonce, wrong: srv.wrong };
  opts.files = files;
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  if (tlsCert && tlsKey) opts.tls = { cert: tlsCert, key: tlsKey };
  return { opts, json, urlFile };
}

