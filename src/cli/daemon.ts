// `dm-agent daemon [--once]`: the agent's resident loop.
//   1. At start (also after a reboot): resume interrupted FUMO/SCOMO jobs and deliver pending result reports.
//   2. Then serve, one session at a time (src/cli/daemon-serve.ts):
//      - requests handed over by `dm-agent request` (docs/handoff.md), so a person or a button script never races
//        the daemon for the state directory;
//      - triggers: the user button (user request) and the device schedule (device request), one client-initiated
//        request per trigger and configured target (request.triggerTargets);
//      - notifications: package 0 from the server (UDP WAP push, HTTP, SMS spool; docs/protocol.md §8), verified, then a
//        server-initiated session (Alert 1200, the notification's session id) as its UI mode says.
//   `--once` stops after step 1. SIGTERM/SIGINT stop the loop cleanly; SIGHUP (`systemctl reload`) reads the
//   configuration again between two steps, and keeps the running one when the new one is wrong.
// One daemon per state directory: it holds `<stateDir>/daemon.lock` for its life. The state lock itself
// (src/cli/state-lock.ts) is held only while a step (a session, an update, the start-up work) runs, so a `session` or
// `tree` command between two steps works; when such a command holds the lock, the daemon waits for it. Under systemd
// (Type=notify) the daemon tells the service manager when it is ready, what it is doing and that its loop still runs
// (src/service-manager.ts; README.md "Service integration").
import { EXIT } from './args.js';
import type { CommandContext } from './context.js';
import { openPorts } from './open-agent.js';
import { acquireStateLock, busyMessage } from './state-lock.js';

/** How long a starting daemon waits for daemon.lock held by someone's look (`request`, `status`) before it gives up. */
const DAEMON_LOCK_WAIT_S = 2;
import { BusyError, describeError } from './errors.js';
import { isAcknowledgement } from '../dm/report-source.js';
import type { Agent } from '../agent/agent.js';
import { ServiceNotifier } from '../service-manager.js';
import { Doorbell } from './doorbell.js';
import { DaemonSteps, serveConfiguration, type DaemonSignals } from './daemon-serve.js';
import type { AgentConfig } from '../config.js';
import type { PlatformPorts } from '../ports/platform.js';
import { REQUESTS_DIR, sweepRequests } from './handoff.js';

export async function runDaemon(ctx: CommandContext): Promise<number> {
  let config = await ctx.config();
  let ports = await openPorts(ctx, config);
  const service = new ServiceNotifier(ports.serviceManager, ports.clock);
  const bell = new Doorbell();
  const signals: DaemonSignals = { stopping: false, reloadAsked: false, bell };
  // Signal handlers are registered once, through the first ports: they belong to the process, not to a configuration.
  if (ports.onStop) {
    ports.onStop(() => {
      signals.stopping = true;
      service.stopping();
      bell.ring();
    });
  }
  if (ports.onReload) {
    ports.onReload(() => {
      signals.reloadAsked = true;
      bell.ring();
    });
  }
  // Before the daemon lock: a `request` that finds the lock held rings its holder, and a ring (SIGUSR2) that came
  // before the handler was set would end the process.
  if (ports.onRing) ports.onRing(() => bell.ring());
  // The daemon lock is taken once and kept across reloads: flock belongs to the open descriptor, so a second
  // acquisition from this same process (through the ports a reload builds) would find it taken. `--once` serves no
  // requests: it runs beside a daemon like any other one-shot command, through the state lock.
  const daemonLock = ctx.args.options.once ? undefined : ports.daemonLock;
  if (daemonLock) {
    // `request` and `status` look whether a daemon runs by taking this lock for an instant: a daemon starting in that
    // instant waits a moment instead of failing (systemd would restart it only after RestartSec).
    try {
      await acquireStateLock(daemonLock, config.stateDir, ports.clock, { waitSeconds: DAEMON_LOCK_WAIT_S });
    } catch (e) {
      if (!(e instanceof BusyError)) throw e;
      const attempt = await daemonLock.tryAcquire();
      if (!attempt.ok) throw new BusyError(`${busyMessage(config.stateDir, attempt.holderPid)}: a daemon already runs on this state directory`);
    }
  }
  // Pings from the start: resuming an interrupted update comes before READY=1 and must not look like a hang.
  service.startWatchdog();
  service.status('starting');

  try {
    if (ports.spoolFs) {
      for (const id of await sweepRequests(ports.spoolFs, `${config.stateDir}/${REQUESTS_DIR}`, ports.clock.now()))
        ports.log.log('warn', `handed-over request ${id} was interrupted by the daemon's stop; answered as unknown`);
    }
    const startup = new DaemonSteps(config, ports, service, signals);
    const jobs = (await startup.locked(startupWork)) || [];
    for (const j of jobs) ctx.out.line(`job: ${j}`);
    if (ctx.args.options.once) {
      ctx.out.result({ ok: true, jobs });
      return EXIT.OK;
    }
    for (;;) {
      await serveConfiguration(new DaemonSteps(config, ports, service, signals));
      if (signals.stopping) break;
      signals.reloadAsked = false;
      const next = await reload(ctx, config, ports, service);
      config = next.config;
      ports = next.ports;
    }
    ports.log.log('info', 'daemon stopped');
    return EXIT.OK;
  } finally {
    service.stop();
    if (daemonLock) await daemonLock.release();
  }
}

/**
 * SIGHUP: the configuration file is read and checked again; a wrong one is logged with the key it names and the
 * daemon goes on with the configuration it has (a typo must not take a remote device off line). The state directory
 * cannot change under a running daemon (its lock and its jobs live there): that needs a restart.
 */
async function reload(
  ctx: CommandContext,
  config: AgentConfig,
  ports: PlatformPorts,
  service: ServiceNotifier,
): Promise<{ config: AgentConfig; ports: PlatformPorts }> {
  service.reloading();
  try {
    const next = await ctx.reloadConfig();
    if (next.stateDir !== config.stateDir)
      throw new Error(`stateDir cannot change while the daemon runs (${JSON.stringify(config.stateDir)} -> ${JSON.stringify(next.stateDir)}); restart the service instead`);
    const nextPorts = await openPorts(ctx, next);
    nextPorts.log.log('info', 'configuration reloaded');
    return { config: next, ports: nextPorts };
  } catch (e) {
    ports.log.log('error', `configuration not reloaded: ${describeError(e)}; the daemon keeps the configuration it runs with`);
    return { config, ports };
  }
}

async function startupWork(agent: Agent): Promise<string[]> {
  try {
    const lines = await agent.afterSession();
    // afterSession opens a report session only when a job ran just now. Reports left pending by an earlier run
    // (its report session failed: network down, server 5xx) are delivered here too, as step 1 promises.
    let pending = 0;
    for (const s of agent.parts.reports) pending += (await s.pendingReports()).length;
    if (lines.length === 0 && pending > 0) {
      try {
        const o = await agent.session('client');
        lines.push(`report session ${o.sessionId}: ${o.alerts.filter((a) => isAcknowledgement(a.status)).length} of ${o.alerts.length} pending result report(s) acknowledged`);
      } catch (e) {
        lines.push(`report session failed (${(e as Error).message}); the reports stay pending`);
      }
    }
    return lines;
  } catch (e) {
    agent.ports.log.log('error', `resuming jobs failed: ${(e as Error).message}`);
    return [];
  }
}
