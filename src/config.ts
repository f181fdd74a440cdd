// The agent's JSON configuration: parsing, validation with errors that name the key, and defaults.
// The keys server.url/id/clientAuth/serverAuth and stateDir are a stable contract (README.md, Command line); every key is
// documented in the README's configuration table.
/** The auth types of `clientAuth`/`serverAuth` (docs/protocol.md §3.1); src/dm/auth.ts maps them to SyncML names. */
export type AuthType = 'none' | 'basic' | 'md5' | 'hmac';

export interface AuthConfig {
  type: AuthType;
  name: string;
  secret: string;
  /**
   * The nonce provisioned with the credentials (base64), used until the peer's first Chal has replaced it: both
   * sides must start from the same nonce, or the first MD5/HMAC session of a server that sends no command can never
   * succeed (OMA-TS-DM_Security-V1_2 §5.1 nonce rules; docs/security.md). Absent: clientAuth starts with an empty
   * nonce, serverAuth with a random one.
   */
  nonce?: string;
}

export interface ServerConfig {
  url: string;
  id: string;
  clientAuth: AuthConfig;
  serverAuth: AuthConfig;
  /** Message encoding: WBXML (default, application/vnd.syncml.dm+wbxml) or XML. */
  encoding: 'wbxml' | 'xml';
  /** Largest message we accept (SyncHdr Meta/MaxMsgSize, docs/protocol.md §1.3). */
  maxMsgSize: number;
  /**
   * Hard cap on the bytes read of one server message while it streams (default = maxMsgSize, at least maxMsgSize):
   * past it the transport hangs up and the session ends (exit 7). See docs/transport.md.
   */
  maxResponseBytes: number;
  /** Largest object we accept (SyncHdr Meta/MaxObjSize). */
  maxObjSize: number;
  /** Per-request timeout of the transport. */
  timeoutMs: number;
  /** Cap on messages per session, against servers that never end a session. */
  maxMessages: number;
  /** Follow HTTP redirects (refused by default: a DM server uses RespURI instead). */
  followRedirects: boolean;
  tls: { caFile?: string; certFile?: string; keyFile?: string; pinnedPubKey?: string; insecure?: boolean };
  /** Host names a RespURI may name besides the configured server's host (docs/security.md). Default none. */
  respUriHosts: string[];
}

export interface RequestConfig {
  /** Vendor data put in the client-initiated Generic Alert's Data (empty when absent; Data is always present). */
  data: string;
  /** Meta/Mark of the client-initiated alerts (docs/protocol.md §1.11). */
  mark?: string;
  /** The FUMO node a firmware request is about (`./FUMO/<x>`), or absent for "any firmware". */
  fumoNode?: string;
  /** Retries after a failed request (network error, non-2xx, status other than 200/202), with capped backoff. */
  retries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** What the daemon asks for on a button press or scheduled check: firmware (FUMO), software (SCOMO), or both. */
  triggerTargets: Array<'fumo' | 'scomo'>;
}

export interface AgentConfig {
  server: ServerConfig;
  stateDir: string;
  request: RequestConfig;
  /** Sections owned by other modules (device, fumo, scomo, download, triggers, ui, notifications), validated there. */
  device: Record<string, unknown>;
  fumo: Record<string, unknown>;
  scomo: Record<string, unknown>;
  /** Package download bounds for FUMO and SCOMO (src/update/download-config.ts). */
  download: Record<string, unknown>;
  triggers: Record<string, unknown>;
  ui: Record<string, unknown>;
  notifications: Record<string, unknown>;
  log: { level: 'debug' | 'info' | 'warn' | 'error'; json: boolean };
}

export class ConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`config: ${key}: ${message}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_STATE_DIR = '/var/lib/dm-agent';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function section(parent: Obj, key: string, path: string): Obj {
  const v = parent[key];
  if (v === undefined) return {};
  if (!isObj(v)) throw new ConfigError(path, `must be an object, got ${describe(v)}`);
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v)}` : typeof v;
}

function str(o: Obj, key: string, path: string, dflt?: string): string {
  const v = o[key];
  if (v === undefined) {
    if (dflt === undefined) throw new ConfigError(path, 'is required');
    return dflt;
  }
  if (typeof v !== 'string') throw new ConfigError(path, `must be a string, got ${describe(v)}`);
  return v;
}

function optStr(o: Obj, key: string, path: string): string | undefined {
  return o[key] === undefined ? undefined : str(o, key, path);
}

function num(o: Obj, key: string, path: string, dflt: number, min: number, max: number): number {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !isFinite(v) || Math.floor(v) !== v) throw new ConfigError(path, `must be an integer, got ${describe(v)}`);
  if (v < min || v > max) throw new ConfigError(path, `must be between ${min} and ${max}, got ${v}`);
  return v;
}

function bool(o: Obj, key: string, path: string, dflt: boolean): boolean {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new ConfigError(path, `must be true or false, got ${describe(v)}`);
  return v;
}

function checkKeys(o: Obj, allowed: string[], path: string): void {
  for (const k of Object.keys(o)) {
    if (allowed.indexOf(k) < 0) throw new ConfigError(path ? `${path}.${k}` : k, `unknown key (allowed: ${allowed.join(', ')})`);
  }
}

function auth(o: Obj, path: string): AuthConfig {
  checkKeys(o, ['type', 'name', 'secret', 'nonce'], path);
  const type = str(o, 'type', `${path}.type`, 'none');
  if (type !== 'none' && type !== 'basic' && type !== 'md5' && type !== 'hmac') {
    throw new ConfigError(`${path}.type`, `must be one of none, basic, md5, hmac, got ${JSON.stringify(type)}`);
  }
  const name = str(o, 'name', `${path}.name`, '');
  const secret = str(o, 'secret', `${path}.secret`, '');
  if (type !== 'none' && !name) throw new ConfigError(`${path}.name`, `is required when type is ${type}`);
  const nonce = optStr(o, 'nonce', `${path}.nonce`);
  if (nonce !== undefined && !/^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(nonce)) {
    throw new ConfigError(`${path}.nonce`, 'must be base64 (the provisioned nonce bytes)');
  }
  return nonce === undefined ? { type, name, secret } : { type, name, secret, nonce };
}

/** A list of host names (no scheme, port or path; IPv6 in brackets), lower-cased. */
function hostList(o: Obj, key: string, path: string): string[] {
  const v = o[key];
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new ConfigError(path, `must be a list of host names, got ${describe(v)}`);
  return v.map((h, i) => {
    if (typeof h !== 'string' || !/^([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$|^\[[0-9a-f:.]+\]$/i.test(h)) {
      throw new ConfigError(`${path}[${i}]`, `must be a host name such as "dm2.example.com" (no scheme, port or path), got ${describe(h)}`);
    }
    return h.toLowerCase();
  });
}

export function validateUrl(url: string, path: string): string {
  const m = /^(https?):\/\/([^/?#]+)(\/[^#]*)?$/i.exec(url);
  if (!m) throw new ConfigError(path, `must be an http:// or https:// URL, got ${JSON.stringify(url)}`);
  if (m[2].indexOf('@') >= 0) throw new ConfigError(path, 'must not carry credentials (use server.clientAuth)');
  return url;
}

/** Validates a parsed JSON config and fills in defaults. Throws ConfigError naming the offending key. */
export function parseConfig(input: unknown, overrides: { stateDir?: string; serverUrl?: string } = {}): AgentConfig {
  if (!isObj(input)) throw new ConfigError('(root)', `must be a JSON object, got ${describe(input)}`);
  checkKeys(
    input,
    ['server', 'stateDir', 'request', 'device', 'fumo', 'scomo', 'download', 'triggers', 'ui', 'notifications', 'log', '$comment'],
    '',
  );
  const s = section(input, 'server', 'server');
  checkKeys(
    s,
    ['url', 'id', 'clientAuth', 'serverAuth', 'encoding', 'maxMsgSize', 'maxResponseBytes', 'maxObjSize', 'timeoutMs', 'maxMessages', 'followRedirects', 'tls', 'respUriHosts'],
    'server',
  );
  const url = overrides.serverUrl !== undefined ? overrides.serverUrl : str(s, 'url', 'server.url', '');
  if (url) validateUrl(url, overrides.serverUrl !== undefined ? '--server' : 'server.url');
  const encoding = str(s, 'encoding', 'server.encoding', 'wbxml');
  if (encoding !== 'wbxml' && encoding !== 'xml') throw new ConfigError('server.encoding', `must be wbxml or xml, got ${JSON.stringify(encoding)}`);
  const tls = section(s, 'tls', 'server.tls');
  checkKeys(tls, ['caFile', 'certFile', 'keyFile', 'pinnedPubKey', 'insecure'], 'server.tls');
  const maxMsgSize = num(s, 'maxMsgSize', 'server.maxMsgSize', 16384, 512, 16 * 1024 * 1024);
  // Below MaxMsgSize it would refuse messages the server may send; 64 MiB bounds the memory one message can take.
  if (typeof s.maxResponseBytes === 'number' && s.maxResponseBytes < maxMsgSize) {
    throw new ConfigError('server.maxResponseBytes', `must be at least server.maxMsgSize (${maxMsgSize}), got ${s.maxResponseBytes}`);
  }
  const maxResponseBytes = num(s, 'maxResponseBytes', 'server.maxResponseBytes', maxMsgSize, maxMsgSize, 64 * 1024 * 1024);
  const server: ServerConfig = {
    url,
    id: str(s, 'id', 'server.id', 'dm-server'),
    clientAuth: auth(section(s, 'clientAuth', 'server.clientAuth'), 'server.clientAuth'),
    serverAuth: auth(section(s, 'serverAuth', 'server.serverAuth'), 'server.serverAuth'),
    encoding,
    maxMsgSize,
    maxResponseBytes,
    maxObjSize: num(s, 'maxObjSize', 'server.maxObjSize', 1024 * 1024, 512, 1024 * 1024 * 1024),
    timeoutMs: num(s, 'timeoutMs', 'server.timeoutMs', 30000, 100, 600000),
    maxMessages: num(s, 'maxMessages', 'server.maxMessages', 50, 2, 10000),
    followRedirects: bool(s, 'followRedirects', 'server.followRedirects', false),
    tls: {
      caFile: optStr(tls, 'caFile', 'server.tls.caFile'),
      certFile: optStr(tls, 'certFile', 'server.tls.certFile'),
      keyFile: optStr(tls, 'keyFile', 'server.tls.keyFile'),
      pinnedPubKey: optStr(tls, 'pinnedPubKey', 'server.tls.pinnedPubKey'),
      insecure: bool(tls, 'insecure', 'server.tls.insecure', false),
    },
    respUriHosts: hostList(s, 'respUriHosts', 'server.respUriHosts'),
  };
  const r = section(input, 'request', 'request');
  checkKeys(r, ['data', 'mark', 'fumoNode', 'retries', 'retryBaseMs', 'retryMaxMs', 'triggerTargets'], 'request');
  const targets = r.triggerTargets === undefined ? ['fumo'] : r.triggerTargets;
  if (!Array.isArray(targets) || targets.length === 0 || targets.some((t) => t !== 'fumo' && t !== 'scomo')) {
    throw new ConfigError('request.triggerTargets', 'must be a non-empty list of "fumo" and/or "scomo"');
  }
  const request: RequestConfig = {
    data: str(r, 'data', 'request.data', ''),
    mark: optStr(r, 'mark', 'request.mark'),
    fumoNode: optStr(r, 'fumoNode', 'request.fumoNode'),
    retries: num(r, 'retries', 'request.retries', 0, 0, 100),
    retryBaseMs: num(r, 'retryBaseMs', 'request.retryBaseMs', 2000, 0, 3600000),
    retryMaxMs: num(r, 'retryMaxMs', 'request.retryMaxMs', 300000, 0, 86400000),
    triggerTargets: targets as Array<'fumo' | 'scomo'>,
  };
  const l = section(input, 'log', 'log');
  checkKeys(l, ['level', 'json'], 'log');
  const level = str(l, 'level', 'log.level', 'info');
  if (level !== 'debug' && level !== 'info' && level !== 'warn' && level !== 'error') {
    throw new ConfigError('log.level', `must be debug, info, warn or error, got ${JSON.stringify(level)}`);
  }
  return {
    server,
    stateDir: overrides.stateDir !== undefined ? overrides.stateDir : str(input, 'stateDir', 'stateDir', DEFAULT_STATE_DIR),
    request,
    device: section(input, 'device', 'device'),
    fumo: section(input, 'fumo', 'fumo'),
    scomo: section(input, 'scomo', 'scomo'),
    download: section(input, 'download', 'download'),
    triggers: section(input, 'triggers', 'triggers'),
    ui: section(input, 'ui', 'ui'),
    notifications: section(input, 'notifications', 'notifications'),
    log: { level, json: bool(l, 'json', 'log.json', false) },
  };
}

/** Parses config text; JSON syntax errors name the position. */
export function parseConfigText(text: string, overrides: { stateDir?: string; serverUrl?: string } = {}): AgentConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError('(file)', `is not valid JSON: ${(e as Error).message}`);
  }
  return parseConfig(parsed, overrides);
}

/** Secrets of a config, so that output paths can prove they never print them. */
export function configSecrets(c: AgentConfig): string[] {
  return [c.server.clientAuth.secret, c.server.serverAuth.secret].filter((s) => s.length > 0);
}
