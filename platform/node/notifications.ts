// Node: the notification transports of the `notifications` section (UDP WAP push, HTTP endpoint, spool folder), all
// feeding one intake (src/notification). The daemon starts them; close() stops them all.
import type { Log } from '../../src/ports/runtime.js';
import type { NotificationListenConfig, NotificationReceiver } from '../../src/ports/notification.js';
import { UdpNotificationListener } from './notify-udp.js';
import { HttpNotificationEndpoint } from './notify-http.js';
import { SpoolWatcher } from './notify-spool.js';

export async function startNodeNotifications(c: NotificationListenConfig, intake: NotificationReceiver, log: Log): Promise<{ close(): Promise<void> }> {
  const open: Array<{ close(): Promise<void> }> = [];
  try {
    if (c.udp) {
      const u = new UdpNotificationListener({ port: c.udp.port, address: c.udp.address, intake, log });
      await u.start();
      open.push(u);
    }
    if (c.http) {
      const h = new HttpNotificationEndpoint({ port: c.http.port, address: c.http.address, path: c.http.path, intake, log });
      await h.start();
      open.push(h);
    }
    if (c.spool) {
      const s = new SpoolWatcher({ dir: c.spool.dir, pollMs: c.spool.pollMs, settleMs: c.spool.settleMs, intake, log });
      await s.start();
      open.push(s);
    }
  } catch (e) {
    await Promise.all(open.map((o) => o.close()));
    throw e;
  }
  return { close: () => Promise.all(open.map((o) => o.close())).then(() => undefined) };
}
