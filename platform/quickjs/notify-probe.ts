// On-target probe for server notifications on QuickJS (test/notification-quickjs.test.ts runs it; a person can run it
// on a gateway the same way):
//   qjs -m notify-probe.js '<json>'
// json: { notifications: <the config section>, credentials: [{ serverId, secret, nonceHex }], expect: N, timeoutMs,
//         listen?: { httpTimeoutMs, httpMaxConnections } }
// Starts the configured transports, prints {"ready":true, socat, listening} as its first line (socat: the relay
// command lines; listening: what listens through dmnative), then waits until N notifications are
// queued (or the timeout), takes them one at a time as the daemon would, and prints one JSON document: the
// notifications (session id, server, ui mode, via, layers, resync) and what each spool pass did.
import * as std from 'std';
import * as os from 'os';
import { fromHex } from '../../src/bytes.js';
import { parseNotificationConfig } from '../../src/notification/config.js';
import { NotificationIntake } from '../../src/notification/intake.js';
import { NotificationQueue, type QueuedNotification } from '../../src/notification/queue.js';
import type { ServerCredentials } from '../../src/notification/verify.js';
import { createQjsLog } from './log.js';
import { startQjsNotifications, type QjsListenOptions } from './notify-start.js';
import { runProbe, describeError } from './probe.js';

interface ProbeInput {
  notifications: unknown;
  credentials: { serverId: string; secret: string; nonceHex: string }[];
  expect: number;
  timeoutMs?: number;
  listen?: QjsListenOptions;
}

runProbe(async (args) => {
  const input = JSON.parse(args[0]) as ProbeInput;
  const config = parseNotificationConfig(input.notifications);
  const credentials: ServerCredentials[] = input.credentials.map((c) => ({ serverId: c.serverId, secret: c.secret, nonce: () => fromHex(c.nonceHex) }));
  const queue = new NotificationQueue(config.queueCapacity);
  const log = createQjsLog({ json: true, minLevel: 'debug' });
  const intake = new NotificationIntake({
    credentials: () => credentials,
    queue,
    clock: { now: () => Date.now() },
    log,
    dedupWindowMs: config.dedupWindowMs,
    maxVendorBytes: config.maxVendorBytes,
    minVersion: config.minVersion,
  });
  let started;
  try {
    started = await startQjsNotifications(config, intake, log, input.listen);
  } catch (e) {
    return { startError: describeError(e) };
  }
  std.out.puts(JSON.stringify({ ready: true, socat: started.relays.map((r) => r.command()), listening: started.listening }) + '\n');
  std.out.flush();
  const got: QueuedNotification[] = [];
  const deadline = Date.now() + (input.timeoutMs === undefined ? 10_000 : input.timeoutMs);
  while (got.length < input.expect && Date.now() < deadline) {
    const n = queue.take();
    if (n) got.push(n);
    else await new Promise<void>((resolve) => os.setTimeout(resolve, 20));
  }
  await started.close();
  return {
    notifications: got.map((n) => ({ sessionId: n.sessionIdHex, serverId: n.serverId, uiMode: n.uiMode, via: n.via, from: n.from, layers: n.layers, resync: n.resync })),
    relaysAliveAfterClose: started.relays.map((r) => r.alive()),
  };
});
