// The service manager's notification socket on QuickJS (systemd Type=notify, man sd_notify): dmnative.notify sends
// each message as one datagram from the agent's own process (platform/quickjs/native/dmnative-notify.c), so the unit
// keeps NotifyAccess=main. A stock qjs without dmnative cannot send: the adapter says so once in the log, and the
// unit's Type=notify would then time out, which is why the images ship the dmnative executable.
import * as os from 'os';
import * as std from 'std';
import type { Log } from '../../src/ports/runtime.js';
import type { ServiceManagerPort } from '../../src/ports/service-manager.js';
import type { DmNative } from './native.js';

export function createQjsServiceManager(log: Log, native: DmNative | null): ServiceManagerPort | undefined {
  const socket = std.getenv('NOTIFY_SOCKET');
  if (!socket) return undefined;
  // QuickJS's os module has no getpid: /proc/self names this process (WATCHDOG_PID is compared with it).
  const [self] = os.readlink('/proc/self');
  const ownPid = Number(self);
  let warned = false;
  const warnOnce = (why: string) => {
    if (warned) return;
    warned = true; // once: a ping every half watchdog interval would repeat it forever
    log.log('warn', `cannot notify the service manager (NOTIFY_SOCKET=${socket}): ${why}`);
  };
  return {
    notify(message) {
      if (!native) return warnOnce('this qjs has no dmnative module');
      try {
        native.notify(message);
      } catch (e) {
        warnOnce((e as Error).message);
      }
    },
    watchdog: { usec: std.getenv('WATCHDOG_USEC'), pid: std.getenv('WATCHDOG_PID'), ownPid },
  };
}
