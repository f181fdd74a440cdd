// The service manager's notification protocol (systemd's sd_notify, man sd_notify / sd_watchdog_enabled), runtime-free:
// the messages the daemon sends and the watchdog interval it keeps. Each runtime sends the datagrams
// (platform/node/service-notify.ts, platform/quickjs/service-notify.ts); the unit is scripts/image-lib/dm-agent.service
// and README.md's "Service integration" says how the pieces fit.
import { ConfigError } from './config.js';
import type { ServiceManagerPort } from './ports/service-manager.js';
import type { Clock } from './ports/runtime.js';

/** The states the daemon reports, and the one-line STATUS= text systemctl status shows for each. */
export type ServicePhase = 'starting' | 'idle' | 'in session' | 'updating';

/** One sd_notify message from its assignments, in order. A value may not hold a newline (it would start a new one). */
export function notifyMessage(fields: ReadonlyArray<readonly [string, string | number]>): string {
  return fields
    .map(([k, v]) => {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(k)) throw new RangeError(`sd_notify variable name "${k}" is not upper-case ASCII`);
      const s = String(v);
      if (/[\n\0]/.test(s)) throw new RangeError(`sd_notify ${k} value holds a newline or NUL`);
      return `${k}=${s}`;
    })
    .join('\n');
}

/**
 * How often to send WATCHDOG=1, in milliseconds: half of $WATCHDOG_USEC (systemd kills the service when a whole
 * interval passes without one), or undefined when there is no watchdog for this process ($WATCHDOG_USEC unset, or
 * $WATCHDOG_PID names another process). A malformed value is a configuration error naming the variable.
 */
export function watchdogIntervalMs(w: ServiceManagerPort['watchdog']): number | undefined {
  if (w.usec === undefined || w.usec === '') return undefined;
  if (!/^[0-9]{1,16}$/.test(w.usec) || Number(w.usec) === 0) {
    throw new ConfigError('WATCHDOG_USEC (environment)', `"${w.usec}" is not a positive whole number of microseconds`);
  }
  if (w.pid !== undefined && w.pid !== '') {
    if (!/^[0-9]{1,10}$/.test(w.pid)) throw new ConfigError('WATCHDOG_PID (environment)', `"${w.pid}" is not a process id`);
    if (Number(w.pid) !== w.ownPid) return undefined;
  }
  return Math.max(1, Math.floor(Number(w.usec) / 2000));
}

const STATUS_TEXT: Record<ServicePhase | 'stopping', string> = {
  starting: 'starting: resuming jobs and pending reports',
  idle: 'idle',
  'in session': 'in session',
  updating: 'updating',
  stopping: 'stopping',
};

/**
 * The daemon's side of the protocol: READY=1 once it waits for work, STATUS= as it changes, STOPPING=1 when asked to
 * stop, and WATCHDOG=1 every half interval from the daemon's own event loop, so a loop that no longer runs (a hung
 * agent) misses its pings and systemd restarts it (WatchdogSec=, Restart=on-failure). Until READY=1 each ping also
 * sends EXTEND_TIMEOUT_USEC: resuming an interrupted update before READY may take longer than TimeoutStartSec, and
 * is not a hang as long as the loop runs. Without a port (no $NOTIFY_SOCKET) every call does nothing.
 */
export class ServiceNotifier {
  private readonly intervalMs: number | undefined;
  private ready = false;
  private phase: ServicePhase | 'stopping' | undefined;
  private stopWatchdog: (() => void) | undefined;

  constructor(
    private readonly port: ServiceManagerPort | undefined,
    private readonly clock: Clock,
  ) {
    this.intervalMs = port ? watchdogIntervalMs(port.watchdog) : undefined;
  }

  /** Pings every half WATCHDOG_USEC until stop(); does nothing without a watchdog. */
  startWatchdog(): void {
    const port = this.port;
    const ms = this.intervalMs;
    if (!port || ms === undefined || this.stopWatchdog) return;
    let running = true;
    const cut = new Promise<void>((resolve) => (this.stopWatchdog = () => ((running = false), resolve())));
    const loop = async (): Promise<void> => {
      while (running) {
        await this.clock.sleep(ms, cut);
        if (!running) return;
        port.notify(this.ready ? 'WATCHDOG=1' : notifyMessage([['WATCHDOG', 1], ['EXTEND_TIMEOUT_USEC', ms * 3000]]));
      }
    };
    void loop();
  }

  status(phase: ServicePhase): void {
    if (!this.port || this.phase === 'stopping' || phase === this.phase) return;
    this.phase = phase;
    if (phase === 'idle' && !this.ready) {
      this.ready = true;
      this.port.notify(notifyMessage([['READY', 1], ['STATUS', STATUS_TEXT.idle]]));
    } else this.port.notify(notifyMessage([['STATUS', STATUS_TEXT[phase]]]));
  }

  /**
   * SIGHUP (systemctl reload): RELOADING=1 until the new configuration serves, then status('idle') says READY=1
   * again, so `systemctl reload` returns when the reload is done or has failed (sd_notify(3), RELOADING=).
   */
  reloading(): void {
    if (!this.port || this.phase === 'stopping') return;
    this.phase = undefined;
    this.ready = false;
    this.port.notify(notifyMessage([['RELOADING', 1], ['STATUS', 'reloading the configuration']]));
  }

  stopping(): void {
    if (!this.port || this.phase === 'stopping') return;
    this.phase = 'stopping';
    this.port.notify(notifyMessage([['STOPPING', 1], ['STATUS', STATUS_TEXT.stopping]]));
  }

  /** Ends the watchdog loop (its pending sleep too: Node would otherwise stay alive for it). */
  stop(): void {
    if (this.stopWatchdog) this.stopWatchdog();
  }
}
