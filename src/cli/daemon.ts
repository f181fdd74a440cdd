// `dm-agent daemon [--once]`: the agent's resident loop.
//   1. At start (also after a reboot): resume interrupted FUMO/SCOMO jobs and deliver pending result reports.
//   2. Then serve, one session at a time:
//      - triggers: the user button (user request) and the device schedule (device request), one client-initiated
//        request per trigger and configured target (request.triggerTargets);
//      - notifications: package 0 from the server (UDP WAP push, HTTP, SMS spool; digest §8), verified, then a
//        server-initiated session (Alert 1200, the notification's session id) as its UI mode says.
//   `--once` stops after step 1. SIGTERM/SIGINT stop the loop cleanly.
import { buildUpdateRequest, classifyAnswer, type RequestOrigin } from '../alerts/update-request.js';
import { EXIT } from './args.js';
import type { CommandContext } from './main.js';
import { openAgent } from './open-agent.js';
import { isAcknowledgement } from '../agent/reports.js';
import type { Agent } from '../agent/agent.js';
import type { AuthSettings } from '../agent/agent.js';
import {
  NotificationIntake,
  NotificationQueue,
  parseNotificationConfig,
  serveNotifications,
  serverCredentialsFrom,
} from '../notification/index.js';

export async function runDaemon(ctx: CommandContext): Promise<number> {
  const config = await ctx.config();
  const agent = await openAgent(ctx, config, {});
  const log = agent.ports.log;
  const ports = agent.ports;
  const closers: Array<() => Promise<void>> = [];
  try {
    const jobs = await startupWork(agent);
    for (const j of jobs) ctx.out.line(`job: ${j}`);
    if (ctx.args.options.once) {
      ctx.out.result({ ok: true, jobs });
      return EXIT.OK;
    }
    // Sessions never overlap: triggers and notifications take turns through this chain.
    // A failed session (network, a server that did not authenticate) is reported to its caller and logged there;
    // it must not poison the chain, or the daemon would end with that old error at shutdown.
    let chain: Promise<void> = Promise.resolve();
    const exclusive = (f: () => Promise<void>): Promise<void> => {
      const run = chain.then(f);
      chain = run.catch(() => undefined);
      return run;
    };

    let stopping = false;
    let wake: (() => void) | null = null;
    const stopped = new Promise<void>((resolve) => (wake = resolve));
    if (ports.onStop) {
      ports.onStop(() => {
        stopping = true;
        if (wake) wake();
      });
    }

    const ncfg = parseNotificationConfig(config.notifications);
    let served: Promise<unknown> = Promise.resolve();
    if ((ncfg.udp || ncfg.http || ncfg.spool) && ports.startNotifications) {
      // Secrets change only between sessions (digest §3.3): refreshed after each one; the nonce is read live.
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
          exclusive(async () => {
            const o = await agent.session('server', [], sessionId);
            log.log('info', `server-initiated session ${o.sessionId} ended (${o.end})`);
            for (const j of await agent.afterSession()) log.log('info', `job: ${j}`);
            server = (await agent.parts.credentials()).server;
          }),
      });
    }

    let triggers: Awaited<ReturnType<NonNullable<typeof ports.startTriggers>>> | undefined;
    if (ports.startTriggers) {
      triggers = await ports.startTriggers(config.triggers);
      const t = triggers;
      closers.push(() => t.stop());
    }
    if (!triggers && closers.length === 0) {
      log.log('warn', 'nothing configured to wait for (no triggers, no notifications); daemon exits');
      return EXIT.OK;
    }
    log.log('info', 'daemon ready: waiting for the button, the schedule, notifications or a stop signal');
    while (!stopping) {
      const ev = await Promise.race([triggers ? triggers.queue.next() : new Promise<null>(() => undefined), stopped.then(() => null)]);
      if (!ev || stopping) break;
      await exclusive(() => onTrigger(agent, ev.request, ev.kind));
    }
    for (const close of closers.splice(0)) await close();
    await served;
    await chain;
    log.log('info', 'daemon stopped');
    return EXIT.OK;
  } finally {
    for (const close of closers) await close().catch(() => undefined);
    await agent.close();
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
