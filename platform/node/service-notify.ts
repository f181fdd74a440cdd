// The service manager's notification socket on Node (systemd Type=notify, man sd_notify). Node's core cannot send
// a unix datagram (node:dgram is UDP only), so each message goes through `systemd-notify VAR=VALUE...`, which ships
// with systemd wherever there is a $NOTIFY_SOCKET to talk to. Its sender is a child of the agent, not the service's
// main PID: the unit needs NotifyAccess=all on Node (README.md "Service integration"); the images run the QuickJS
// executable, which sends from the main PID itself (platform/quickjs/service-notify.ts) and keeps NotifyAccess=main.
// An npm binding (a native addon) was not taken: it would not run on QuickJS and adds a compiled dependency for the
// one runtime that the images do not ship.
// systemd-notify waits until the manager has read the message (its barrier), so the child's exit cannot race the
// manager's look-up of its unit; the agent does not wait for it (execFile is asynchronous).
import { execFile } from 'node:child_process';
import type { Log } from '../../src/ports/runtime.js';
import type { ServiceManagerPort } from '../../src/ports/service-manager.js';

export function createNodeServiceManager(log: Log, env: NodeJS.ProcessEnv = process.env): ServiceManagerPort | undefined {
  if (!env.NOTIFY_SOCKET) return undefined;
  let warned = false;
  // One child at a time: two racing children could deliver READY=1 before the STATUS= sent ahead of it.
  let queue: Promise<void> = Promise.resolve();
  const send = (message: string) =>
    new Promise<void>((resolve) =>
      execFile('systemd-notify', message.split('\n'), { timeout: 10_000 }, (err) => {
        if (err && !warned) {
          warned = true; // once: a ping every half watchdog interval would repeat it forever
          log.log('warn', `systemd-notify failed (NOTIFY_SOCKET=${env.NOTIFY_SOCKET}): ${err.message.split('\n')[0]}`);
        }
        resolve();
      }),
    );
  return {
    notify(message) {
      queue = queue.then(() => send(message));
    },
    watchdog: { usec: env.WATCHDOG_USEC, pid: env.WATCHDOG_PID, ownPid: process.pid },
  };
}
