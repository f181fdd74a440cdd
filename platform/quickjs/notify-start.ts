// Starts every configured notification transport on QuickJS: the spool watcher, plus socat relays for UDP and HTTP
// that write into the same spool (notify-socket.ts explains why). A relay that dies is logged and restarted at most
// once a minute, so a crashing socat cannot spin.
import * as os from 'os';
import type { Log } from '../../src/ports/runtime.js';
import type { NotificationListenConfig, NotificationReceiver } from '../../src/ports/notification.js';
import { NotificationConfigError } from '../../src/notification/config.js';
import { maxPkg0Bytes } from '../../src/notification/pkg0.js';
import { QjsSpoolWatcher } from './notify-spool.js';
import { SocatRelay } from './notify-socket.js';

export interface QjsNotifications {
  watcher: QjsSpoolWatcher | undefined;
  relays: SocatRelay[];
  close(): Promise<void>;
}

const RESTART_EVERY_MS = 60_000;

/** The rule QuickJS adds to the `notifications` section; every command checks it at start-up (platform/quickjs/main.ts). */
export function checkQjsNotifications(config: NotificationListenConfig): void {
  if ((config.udp || config.http) && !config.spool) {
    throw new NotificationConfigError('notifications.spool', 'QuickJS receives UDP and HTTP notifications through the spool folder: set notifications.spool.dir');
  }
}

export async function startQjsNotifications(config: NotificationListenConfig, intake: NotificationReceiver, log: Log): Promise<QjsNotifications> {
  checkQjsNotifications(config);
  const relays: SocatRelay[] = [];
  let watcher: QjsSpoolWatcher | undefined;
  let timer: unknown = null;
  const close = async () => {
    if (timer !== null) os.clearTimeout(timer);
    timer = null;
    if (watcher) watcher.close();
    for (const r of relays) await r.close();
  };
  if (!config.spool) return { watcher, relays, close };
  const spool = config.spool;
  const maxBytes = maxPkg0Bytes(intake.limits) + 64;
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
  return { watcher, relays, close };
}
