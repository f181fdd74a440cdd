// Shared by test/service-manager.test.ts on Node and, bundled, on QuickJS (service-manager.qjs-entry.ts): the sd_notify
// messages (src/service-manager.ts) and the journald log line format (src/log-format.ts), as plain JSON answers.
import type { Clock } from '../src/ports/runtime.js';
import { notifyMessage, ServiceNotifier, watchdogIntervalMs } from '../src/service-manager.js';
import { formatLogLine } from '../src/log-format.js';

const attempt = (f: () => unknown): unknown => {
  try {
    return f();
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
};

/** A clock whose sleeps end only when the scenario says so (or when cut). */
function manualClock(): Clock & { slept: number[]; tick(): Promise<void> } {
  let wake: (() => void) | undefined;
  const slept: number[] = [];
  const settle = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  return {
    slept,
    now: () => 0,
    sleep(ms, cut) {
      slept.push(ms);
      return new Promise<void>((resolve) => {
        wake = resolve;
        if (cut) cut.then(() => resolve());
      });
    },
    async tick() {
      await settle();
      const w = wake;
      wake = undefined;
      if (w) w();
      await settle();
    },
  };
}

export async function runServiceManagerScenario(): Promise<unknown[]> {
  const out: unknown[] = [];
  out.push(notifyMessage([['READY', 1], ['STATUS', 'idle']]));
  out.push(attempt(() => notifyMessage([['STATUS', 'two\nlines']])));
  out.push(attempt(() => notifyMessage([['ready', 1]])));
  out.push(
    [
      { usec: '120000000', ownPid: 7 },
      { usec: '400000', pid: '42', ownPid: 42 },
      { usec: '400000', pid: '43', ownPid: 42 },
      { ownPid: 42 },
      { usec: '', ownPid: 42 },
      { usec: '2m', ownPid: 42 },
      { usec: '0', ownPid: 42 },
      { usec: '400000', pid: 'me', ownPid: 42 },
    ].map((w) => attempt(() => watchdogIntervalMs(w)) ?? null),
  );

  // The daemon's sequence: starting (pings extend the start timeout), ready, a session, a ping, stop.
  const sent: string[] = [];
  const clock = manualClock();
  const n = new ServiceNotifier({ notify: (m) => sent.push(m), watchdog: { usec: '400000', ownPid: 1 } }, clock);
  n.startWatchdog();
  n.status('starting');
  await clock.tick();
  n.status('idle');
  n.status('idle');
  n.status('in session');
  n.status('updating');
  n.status('idle');
  await clock.tick();
  n.stopping();
  n.status('idle');
  n.stop();
  await clock.tick();
  out.push(sent, clock.slept);
  // Without a port (no $NOTIFY_SOCKET): nothing at all, not even a sleep.
  const quiet = manualClock();
  const none = new ServiceNotifier(undefined, quiet);
  none.startWatchdog();
  none.status('idle');
  out.push(quiet.slept.length);

  // journald lines: priority prefix, no timestamp; the ordinary lines keep theirs.
  const t = Date.UTC(2026, 10, 22, 4, 40, 0, 123);
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    out.push(formatLogLine(t, level, 'session started', { server: 'dm.example.com', n: 1 }, false, true));
    out.push(formatLogLine(t, level, 'two\nlines', { server: 'dm.example.com' }, true, true));
  }
  out.push(formatLogLine(t, 'warn', 'plain', { k: 'v' }, false), formatLogLine(t, 'warn', 'plain', undefined, true));
  return out;
}
