// The `notifications` section of the agent configuration (project issue 11), checked with errors naming the key.
//
// README block:
//   "notifications": {                  // server-initiated sessions: package 0 (docs/protocol.md §8); each transport is optional
//     "udp":   { "port": 2948, "address": "0.0.0.0" },   // WAP push over connectionless WSP (docs/protocol.md §8.3)
//     "http":  { "port": 8950, "address": "127.0.0.1",    // POST body = package 0,
//                "path": "/notification" },               //   Content-Type application/vnd.syncml.notification
//     "spool": { "dir": "/var/spool/dm-agent/notify",     // an SMS daemon drops received binary SMS here: raw
//                "pollMs": 2000, "settleMs": 1000 },      //   package 0, WSP push, hex text (gammu) or smstools
//                                                         //   files; processed files go to done/ or bad/.
//                                                         //   settleMs: files younger than this may still be written
//     "dedupWindowMs": 300000,           // the same notification (digest + session id) again within this is ignored
//     "maxVendorBytes": 1024,            // larger vendor-specific data is refused (field "vendor")
//     "queueCapacity": 8,                // notifications waiting while a session runs; more are refused
//     "minVersion": 10,                  // lowest package 0 version field accepted (1.1 = 11)
//     "confirmWaitSeconds": 60,          // user-interaction mode: how long the confirm question waits
//     "whenCannotAsk": "skip",           // user-interaction mode on a device that cannot ask: "skip" or "start"
//     "quickjs": {                       // only for a qjs without dmnative's sockets: UDP and HTTP then run through
//       "socat": "socat"                 //   socat into the spool (platform/quickjs/notify-socket.ts), and the
//     }                                  //   spool section is required
//   }
import { DEFAULT_DEDUP_WINDOW_MS } from './dedup.js';
import { DEFAULT_MAX_VENDOR_BYTES } from './pkg0.js';
import { DEFAULT_QUEUE_CAPACITY } from './queue.js';
import { WAP_PUSH_PORT } from './wsp.js';

export interface ListenConfig {
  port: number;
  address: string;
}

export interface HttpListenConfig extends ListenConfig {
  path: string;
}

export interface SpoolConfig {
  dir: string;
  pollMs: number;
  settleMs: number;
}

export interface NotificationConfig {
  udp?: ListenConfig;
  http?: HttpListenConfig;
  spool?: SpoolConfig;
  dedupWindowMs: number;
  maxVendorBytes: number;
  queueCapacity: number;
  minVersion: number;
  confirmWaitSeconds: number;
  whenCannotAsk: 'start' | 'skip';
  quickjs: { socat: string };
}

export class NotificationConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`config: ${key}: ${message}`);
    this.name = 'NotificationConfigError';
  }
}

type Obj = Record<string, unknown>;

function obj(v: unknown, key: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new NotificationConfigError(key, 'must be an object');
  return v as Obj;
}

function onlyKeys(o: Obj, key: string, allowed: string[]): void {
  for (const k of Object.keys(o)) {
    if (k !== '$comment' && allowed.indexOf(k) < 0) throw new NotificationConfigError(`${key}.${k}`, `unknown key (allowed: ${allowed.join(', ')})`);
  }
}

function int(o: Obj, key: string, name: string, dflt: number, min: number, max: number): number {
  const v = o[name];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new NotificationConfigError(`${key}.${name}`, `must be an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function str(o: Obj, key: string, name: string, dflt: string | undefined): string {
  const v = o[name];
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'string' || v.length === 0) throw new NotificationConfigError(`${key}.${name}`, `must be a non-empty string`);
  return v;
}

/** Checks `notifications` (the section object from the agent config; undefined or {} means no transports). */
export function parseNotificationConfig(input: unknown, key = 'notifications'): NotificationConfig {
  const o = input === undefined ? {} : obj(input, key);
  onlyKeys(o, key, ['udp', 'http', 'spool', 'dedupWindowMs', 'maxVendorBytes', 'queueCapacity', 'minVersion', 'confirmWaitSeconds', 'whenCannotAsk', 'quickjs']);
  const out: NotificationConfig = {
    dedupWindowMs: int(o, key, 'dedupWindowMs', DEFAULT_DEDUP_WINDOW_MS, 0, 7 * 24 * 3600 * 1000),
    maxVendorBytes: int(o, key, 'maxVendorBytes', DEFAULT_MAX_VENDOR_BYTES, 0, 65536),
    queueCapacity: int(o, key, 'queueCapacity', DEFAULT_QUEUE_CAPACITY, 1, 1000),
    minVersion: int(o, key, 'minVersion', 10, 0, 1023),
    confirmWaitSeconds: int(o, key, 'confirmWaitSeconds', 60, 1, 24 * 3600),
    whenCannotAsk: 'skip',
    quickjs: { socat: 'socat' },
  };
  if (o.whenCannotAsk !== undefined) {
    if (o.whenCannotAsk !== 'start' && o.whenCannotAsk !== 'skip') {
      throw new NotificationConfigError(`${key}.whenCannotAsk`, `must be "start" or "skip", got ${JSON.stringify(o.whenCannotAsk)}`);
    }
    out.whenCannotAsk = o.whenCannotAsk;
  }
  if (o.udp !== undefined) {
    const u = obj(o.udp, `${key}.udp`);
    onlyKeys(u, `${key}.udp`, ['port', 'address']);
    out.udp = { port: int(u, `${key}.udp`, 'port', WAP_PUSH_PORT, 0, 65535), address: str(u, `${key}.udp`, 'address', '0.0.0.0') };
  }
  if (o.http !== undefined) {
    const h = obj(o.http, `${key}.http`);
    onlyKeys(h, `${key}.http`, ['port', 'address', 'path']);
    const path = str(h, `${key}.http`, 'path', '/notification');
    if (path[0] !== '/') throw new NotificationConfigError(`${key}.http.path`, `must start with "/", got ${JSON.stringify(path)}`);
    out.http = { port: int(h, `${key}.http`, 'port', 8950, 0, 65535), address: str(h, `${key}.http`, 'address', '127.0.0.1'), path };
  }
  if (o.spool !== undefined) {
    const s = obj(o.spool, `${key}.spool`);
    onlyKeys(s, `${key}.spool`, ['dir', 'pollMs', 'settleMs']);
    out.spool = {
      dir: str(s, `${key}.spool`, 'dir', undefined),
      pollMs: int(s, `${key}.spool`, 'pollMs', 2000, 10, 3600 * 1000),
      settleMs: int(s, `${key}.spool`, 'settleMs', 1000, 0, 3600 * 1000),
    };
  }
  if (o.quickjs !== undefined) {
    const q = obj(o.quickjs, `${key}.quickjs`);
    onlyKeys(q, `${key}.quickjs`, ['socat']);
    out.quickjs = { socat: str(q, `${key}.quickjs`, 'socat', 'socat') };
  }
  return out;
}
