// `dm-agent daemon [--once]`: the agent's resident loop.
//   1. At start (also after a reboot): resume interrupted FUMO/SCOMO jobs and deliver pending result reports.
//   2. Then serve, one session at a time:
//      - triggers: the user button (user request) and the device schedule (device request), one client-initiated
//        request per trigger and configured target (request.triggerTargets);
//      - notifications: package 0 from the server (UDP WAP push, HTTP, SMS spool; docs/protocol.md §8), verified, then a
//        server-initiated session (Alert 1200, the notification's session id) as its UI mode says.
//   `--once` stops after step 1. SIGTERM/SIGINT stop the loop cleanly.
// The state directory's lock (src/cli/state-lock.ts) is held only while a step (a session, an update, the start-up
// work) runs, so a person's `dm-agent request` between two steps works; when that request holds the lock, the daemon
// waits for it. Under systemd (Type=notify) the daemon tells the service manager when it is ready, what it is doing
// and that its loop still runs (src/service-manager.ts; README.md "Service integration"). Every step starts from the state on disk, since such a request may have changed the DM tree, the
// nonces or the jobs since the daemon's last step.
import { buildUpdateRequest, classifyAnswer, type RequestOrigin } from '../alerts/update-request.js';
import { EXIT } from './args.js';
import type { CommandContext } from './context.js';
import { composeWith, openPorts } from './open-agent.js';
import { acquireStateLock } from './state-lock.js';
import { BusyError } from './errors.js';
import { createProgressRenderer } from './progress.js';
import { isAcknowledgement } from '../dm/report-source.js';
import { startTriggers, type RunningTriggers } from '../triggers/start.js';
import { parseTriggersConfig } from '../triggers/config.js';
import type { Agent } from '../agent/agent.js';
import type { AuthSettings } from '../agent/agent.js';
import {
  NotificationIntake,
  NotificationQueue,
  parseNotificationConfig,
  serveNotifications,
  serverCredentialsFrom,
} from '../notification/index.js';
import { ServiceNotifier, type ServicePhase } from '../service-manager.js';

export async function runDaemon(ctx: CommandContext): Promise<number> {
  const config = await ctx.config();
  const ports = await openPorts(ctx, config);
  const log = ports.log;
  // Update progress in the daemon's log: a line every 10% of each phase (download, flash, read-back), whatever stderr is.
  const progress = createProgressRenderer({ mode: 'log', write: (line) => log.log('info', line.replace(/\n$/, '')), now: () => ports.clock.now() });
  // Pings from the start: resuming an interrupted update comes before READY=1 and must not look like a hang.
  const service = new ServiceNotifier(ports.serviceManager, ports.clock);
  service.startWatchdog();
  service.status('starting');
  let ready = false;
  // The daemon's view between steps (notification checks read the server's credentials and nonce from it); it never
  // saves: after each step it is replaced by that step's agent.
  const first = await composeWith(config, ports, { readOnly: true });
  let agent: Agent = first;
  const closers: Array<() => Promise<void>> = [];
  let stopping = false;

  /** Runs one step holding the state lock, on an agent composed afresh from disk; undefined when stopped while waiting. */
  const locked = async <T>(f: (a: Agent) => Promise<T>, phase: ServicePhase = 'in session'): Promise<T | undefined> => {
    try {
      await acquireStateLock(ports.stateLock, config.stateDir, ports.clock, {
        waitSeconds: Infinity,
        cancelled: () => stopping,
        onWait: (holder) => log.log('info', `${holder}; waiting for it`),
      });
    } catch (e) {
      if (e instanceof BusyError && stopping) return undefined;
      throw e;
    }
    if (ready) service.status(phase);
    try {
      const step = await composeWith(config, ports, { progress });
      try {
        return await f(step);
      } finally {
        await step.close();
        agent = step;
      }
    } finally {
      await ports.stateLock.release();
      if (ready && !stopping) service.status('idle');
    }
  };

  try {
    const jobs = (await locked(startupWork)) || [];
    for (const j of jobs) ctx.out.line(`job: ${j}`);
    if (ctx.args.options.once) {
      ctx.out.result({ ok: true, jobs });
      return EXIT.OK;
    }
    // Sessions never overlap: triggers and notifications take turns through this chain.
    // A failed session (network, a server that did not authenticate) is reported to its caller and logged there;
    // it must not poison the chain, or the daemon would end with that old error at shutdown.
    let chain: Promise<unknown> = Promise.resolve();
    const exclusive = (f: (a: Agent) => Promise<void>): Promise<void> => {
      const run = chain.then(() => locked(f));
      chain = run.catch(() => undefined);
      return run;
    };

    let wake: (() => void) | null = null;
    const stopped = new Promise<void>((resolve) => (wake = resolve));
    if (ports.onStop) {
      ports.onStop(() => {
        stopping = true;
        service.stopping();
        if (wake) wake();
      });
    }

    const ncfg = parseNotificationConfig(config.notifications);
    let served: Promise<unknown> = Promise.resolve();
    if ((ncfg.udp || ncfg.http || ncfg.spool) && ports.startNotifications) {
      // Secrets change only between sessions (docs/protocol.md §3.3): refreshed after each one; the nonce is read live.
      let server: AuthSettings = (await agent.parts.credentials()).server;
      const queue = new NotificationQueue(ncfg.queueCapacity);
      const intake = new NotificationIntake({
        credentials: () => [serverCredentialsFrom({ id: config.server.id, serverAuth: server }, () => agent.parts.nonces.serverNonce())],
        queue,
        clock: ports.clock,
        log,
        dedupWindowMs: ncfg.dedupWindowMs,
        maxVendorBytes: ncfg.maxVendorBytes,
        minVersion: ncfg.minVersion,
      });
      const transports = await ports.startNotifications(ncfg, intake, log);
      closers.push(async () => {
        queue.close();
        await transports.close();
      });
      served = serveNotifications({
        queue,
        ui: ports.ui,
        log,
        clock: ports.clock,
        plan: { maxWaitSeconds: ncfg.confirmWaitSeconds, whenCannotAsk: ncfg.whenCannotAsk },
        runSession: (sessionId) =>
          exclusive(async (a) => {
            const o = await a.session('server', [], sessionId);
            log.log('info', `server-initiated session ${o.sessionId} ended (${o.end})`);
            service.status('updating');
            for (const j of await a.afterSession()) log.log('info', `job: ${j}`);
            server = (await a.parts.credentials()).server;
          }).then(() => undefined),
      });
    }

    // The button (when the platform has one) and the schedule, both the core's logic (src/triggers).
    let triggers: RunningTriggers | undefined = await startTriggers(parseTriggersConfig(config.triggers), {
      clock: ports.clock,
      random: ports.random,
      storage: ports.storage,
      log: ports.log,
      startButton: ports.startButton,
    });
    {
      const t = triggers;
      closers.push(() => t.stop());
    }
    if (!triggers && closers.length === 0) {
      log.log('warn', 'nothing configured to wait for (no triggers, no notifications); daemon exits');
      return EXIT.OK;
    }
    log.log('info', 'daemon ready: waiting for the button, the schedule, notifications or a stop signal');
    ready = true;
    service.status('idle');
    while (!stopping) {
      const ev = await Promise.race([triggers ? triggers.queue.next() : new Promise<null>(() => undefined), stopped.then(() => null)]);
      if (!ev || stopping) break;
      // onTrigger logs its own failures; this catches a step that could not start (the state could not be read).
      await exclusive((a) => onTrigger(a, ev.request, ev.kind)).catch((e) => log.log('error', `${ev.kind} trigger: ${(e as Error).message}`));
    }
    for (const close of closers.splice(0)) await close();
    await served;
    await chain;
    log.log('info', 'daemon stopped');
    return EXIT.OK;
  } finally {
    service.stop();
    for (const close of closers) await close().catch(() => undefined);
    await first.close();
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

/** One trigger = one client-initiated request per configured target (FUMO and/or SCOMO); errors are logged, not fatal. */
async function onTrigger(agent: Agent, origin: RequestOrigin, kind: string): Promise<void> {
  const log = agent.ports.log;
  for (const target of agent.config.request.triggerTargets) {
    try {
      const fumoNode = agent.config.request.fumoNode;
      const alert = buildUpdateRequest(origin, target === 'scomo' ? { kind: 'scomo' } : fumoNode ? { kind: 'fumo', node: fumoNode } : { kind: 'fumo' }, {
        data: agent.config.request.data,
        mark: agent.config.request.mark,
      });
      const r = await agent.request(alert, { retry: true });
      const answer = classifyAnswer(r.status);
      log.log(answer === 'refused' || answer === 'no-status' ? 'warn' : 'info', `${kind} trigger: ${origin} ${target} request answered ${r.status === undefined ? 'nothing' : r.status} (${answer})`, {
        session: r.outcome.sessionId,
      });
      for (const j of r.jobs) log.log('info', `job: ${j}`);
    } catch (e) {
      log.log('error', `${kind} trigger: ${origin} ${target} request failed: ${(e as Error).message}`);
    }
  }
}
