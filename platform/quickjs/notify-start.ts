// Starts every configured notification transport on QuickJS: the spool watcher, and UDP and HTTP listeners. On our
// own qjs build the agent listens itself through dmnative's sockets (notify-udp.ts, notify-http.ts), like Node; on a
// qjs without them (a stock qjs, an older build) socat relays write into the spool instead (notify-socket.ts explains
// how), which is why the spool is then required. A relay that dies is logged and restarted at most once a minute, so
// a crashing socat cannot spin.
import * as os from 'os';
import type { Log } from '../../src/ports/runtime.js';
import type { NotificationListenConfig, NotificationReceiver } from '../../src/ports/notification.js';
import { NotificationConfigError } from '../../src/notification/config.js';
import { maxPkg0Bytes } from '../../src/notification/pkg0.js';
import { QjsSpoolWatcher } from './notify-spool.js';
import { SocatRelay } from './notify-socket.js';
import { QjsUdpListener } from './notify-udp.js';
import { QjsHttpEndpoint } from './notify-http.js';
import { loadDmNative, type DmNative } from './native.js';

export interface QjsNotifications {
  watcher: QjsSpoolWatcher | undefined;
  relays: SocatRelay[];
  /** What listens itself through dmnative (empty when socat relays do it). */
  listening: { kind: 'udp' | 'http'; address: string; port: number }[];
  close(): Promise<void>;
}

/** Test and hostile-input knobs of the native HTTP endpoint (defaults as on Node: 10 s, 8 connections). */
export interface QjsListenOptions {
  httpTimeoutMs?: number;
  httpMaxConnections?: number;
  /** Use the socat relays even though dmnative has sockets (tests of the fallback). */
  forceSocat?: boolean;
}

/** The dmnative socket calls when this qjs has them (our build since dmnative-net.c), else null: socat is needed. */
export function nativeSockets(dm: DmNative | null): DmNative | null {
  return dm !== null && typeof dm.udpBind === 'function' && typeof dm.tcpListen === 'function' ? dm : null;
}

const RESTART_EVERY_MS = 60_000;

/**
 * The rule QuickJS adds to the `notifications` section when it has no sockets of its own; every command checks it at
 * start-up (platform/quickjs/main.ts).
 */
export function checkQjsNotifications(config: NotificationListenConfig, haveSockets: boolean): void {
  if (!haveSockets && (config.udp || config.http) && !config.spool) {
    throw new NotificationConfigError('notifications.spool', 'QuickJS receives UDP and HTTP notifications through the spool folder: set notifications.spool.dir');
  }
}

export async function startQjsNotifications(config: NotificationListenConfig, intake: NotificationReceiver, log: Log, options: QjsListenOptions = {}): Promise<QjsNotifications> {
  const sockets = options.forceSocat ? null : nativeSockets(await loadDmNative());
  checkQjsNotifications(config, sockets !== null);
  const relays: SocatRelay[] = [];
  const listeners: (QjsUdpListener | QjsHttpEndpoint)[] = [];
  const listening: QjsNotifications['listening'] = [];
  let watcher: QjsSpoolWatcher | undefined;
  let timer: unknown = null;
  const close = async () => {
    if (timer !== null) os.clearTimeout(timer);
    timer = null;
    if (watcher) watcher.close();
    for (const l of listeners) l.close();
    for (const r of relays) await r.close();
  };
  // A little room over the largest package 0, in case a sender wraps it in a WSP push (as on Node).
  const maxBytes = maxPkg0Bytes(intake.limits) + 64;
  if (sockets !== null) {
    try {
      if (config.udp) {
        const l = new QjsUdpListener(sockets, { ...config.udp, maxBytes, intake, log });
        listeners.push(l);
        listening.push({ kind: 'udp', ...l.start() });
      }
      if (config.http) {
        const h = new QjsHttpEndpoint(sockets, { ...config.http, maxBytes, intake, log, timeoutMs: options.httpTimeoutMs, maxConnections: options.httpMaxConnections });
        listeners.push(h);
        listening.push({ kind: 'http', ...h.start() });
      }
      if (config.spool) {
        watcher = new QjsSpoolWatcher({ dir: config.spool.dir, pollMs: config.spool.pollMs, settleMs: config.spool.settleMs, intake, log });
        watcher.start();
      }
    } catch (e) {
      await close();
      throw e;
    }
    return { watcher, relays, listening, close };
  }
  if (!config.spool) return { watcher, relays, listening, close };
  const spool = config.spool;
  try {
    if (config.udp) relays.push(new SocatRelay({ kind: 'udp', ...config.udp, spoolDir: spool.dir, socat: config.quickjs.socat, maxBytes, log }));
    if (config.http) relays.push(new SocatRelay({ kind: 'http', ...config.http, spoolDir: spool.dir, socat: config.quickjs.socat, maxBytes, log }));
    watcher = new QjsSpoolWatcher({ dir: spool.dir, pollMs: spool.pollMs, settleMs: spool.settleMs, intake, log });
    watcher.start();
    for (const r of relays) await r.start();
  } catch (e) {
    await close();
    throw e;
  }
  const lastRestart = relays.map(() => 0);
  const watch = () => {
    relays.forEach((r, i) => {
      if (r.alive() || Date.now() - lastRestart[i] < RESTART_EVERY_MS) return;
      lastRestart[i] = Date.now();
      log.log('error', 'socat notification relay stopped; restarting it', { command: r.command().join(' ') });
      r.start().catch((e) => log.log('error', 'socat notification relay failed to restart', { error: String(e) }));
    });
    timer = os.setTimeout(watch, 5000);
  };
  if (relays.length > 0) timer = os.setTimeout(watch, 5000);
  return { watcher, relays, listening, close };
}
