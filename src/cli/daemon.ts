// `dm-agent daemon [--once]`: the agent's resident loop.
//   1. At start (also after a reboot): resume interrupted FUMO/SCOMO jobs and deliver pending result reports.
//   2. Then wait for triggers — the user button (user request) and the device schedule (device request) — and run one
//      client-initiated request per trigger, one session at a time. `--once` stops after step 1.
import { buildUpdateRequest, classifyAnswer, type RequestOrigin } from '../alerts/update-request.js';
import { EXIT } from './args.js';
import type { CommandContext } from './main.js';
import { openAgent } from './open-agent.js';
import type { Agent } from '../agent/agent.js';

export async function runDaemon(ctx: CommandContext): Promise<number> {
  const config = await ctx.config();
  const agent = await openAgent(ctx, config, {});
  const log = agent.ports.log;
  try {
    const jobs = await startupWork(agent);
    for (const j of jobs) ctx.out.line(`job: ${j}`);
    if (ctx.args.options.once) {
      ctx.out.result({ ok: true, jobs });
      return EXIT.OK;
    }
    const ports = agent.ports;
    if (!ports.startTriggers) {
      log.log('warn', 'this platform has no trigger support; daemon has nothing to wait for');
      return EXIT.OK;
    }
    const triggers = await ports.startTriggers(config.triggers);
    let stopping = false;
    let wake: (() => void) | null = null;
    const stopped = new Promise<void>((resolve) => (wake = resolve));
    if (ports.onStop) {
      ports.onStop(() => {
        stopping = true;
        if (wake) wake();
      });
    }
    log.log('info', 'daemon ready: waiting for the button, the schedule or a stop signal');
    while (!stopping) {
      const ev = await Promise.race([triggers.queue.next(), stopped.then(() => null)]);
      if (!ev || stopping) break;
      await onTrigger(agent, ev.request, ev.kind);
    }
    await triggers.stop();
    log.log('info', 'daemon stopped');
    return EXIT.OK;
  } finally {
    await agent.close();
  }
}

async function startupWork(agent: Agent): Promise<string[]> {
  try {
    return await agent.afterSession();
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
      const alert = buildUpdateRequest(origin, target === 'scomo' ? { kind: 'scomo' } : agent.config.request.fumoNode ? { kind: 'fumo', node: agent.config.request.fumoNode } : { kind: 'fumo' }, {
        data: agent.config.request.data,
        mark: agent.config.request.mark,
      });
      const r = await agent.request(alert, { retry: true });
      const answer = classifyAnswer(r.status);
      log.log(answer === 'refused' || answer === 'no-status' ? 'warn' : 'info', `${kind} trigger: ${origin} ${target} request answered ${r.status === undefined ? 'nothing' : r.status} (${answer})`, { session: r.outcome.sessionId });
      for (const j of r.jobs) log.log('info', `job: ${j}`);
    } catch (e) {
      log.log('error', `${kind} trigger: ${origin} ${target} request failed: ${(e as Error).message}`);
    }
  }
}
