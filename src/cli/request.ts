// `dm-agent request --device|--user [--fumo X | --scomo | --component ID] [--data STR] [--server URL] [--xml]`
import { buildUpdateRequest, classifyAnswer, fumoNodeUri, type RequestOrigin, type UpdateTarget } from '../alerts/update-request.js';
import { UsageError, EXIT } from './args.js';
import type { CommandContext } from './context.js';
import { RefusedError } from './errors.js';
import { openAgent } from './open-agent.js';

const ANSWER_TEXT: Record<string, string> = {
  'will-update': 'the server will command the update in this session',
  accepted: 'accepted for processing: the server will look into it and come back later (server-initiated session or next scheduled check)',
};

/** Job lines (src/agent/agent.ts, src/agent/fumo-source.ts, src/scomo) that name work left for later. */
const LEFT_FOR_LATER = /left pending|waits at step|report session failed|awaiting reboot/;

export async function runRequest(ctx: CommandContext): Promise<number> {
  const o = ctx.args.options;
  if (ctx.args.words.length > 0) throw new UsageError(`request takes no words, got ${JSON.stringify(ctx.args.words[0])}`);
  if (!!o.device === !!o.user) throw new UsageError('request needs exactly one of --device or --user');
  const origin: RequestOrigin = o.user ? 'user' : 'device';
  const scomoWanted = !!o.scomo || typeof o.component === 'string';
  if (scomoWanted && typeof o.fumo === 'string') throw new UsageError('--fumo cannot be combined with --scomo or --component');
  if (o.scomo && typeof o.component === 'string') throw new UsageError('--scomo (all components) cannot be combined with --component ID');
  const config = await ctx.config();
  const agent = await openAgent(ctx, config, { xml: !!o.xml, access: 'write' });
  try {
    let target: UpdateTarget;
    if (scomoWanted) {
      target = { kind: 'scomo' };
      if (typeof o.component === 'string') target.componentUri = await agent.deployedComponentUri(o.component);
    } else {
      const node = typeof o.fumo === 'string' ? fumoNodeUri(o.fumo) : config.request.fumoNode;
      target = node ? { kind: 'fumo', node } : { kind: 'fumo' };
    }
    const alert = buildUpdateRequest(origin, target, {
      data: typeof o.data === 'string' ? o.data : config.request.data,
      mark: typeof o.mark === 'string' ? o.mark : config.request.mark,
    });
    ctx.out.line(`request: ${origin} ${target.kind === 'fumo' ? 'firmware' : 'software'} update request (${alert.type})${alert.sourceUri ? ' for ' + alert.sourceUri : ''}`);
    const result = await agent.request(alert, { retry: !o['no-retry'] });
    const answer = classifyAnswer(result.status);
    const summary = {
      ok: answer === 'will-update' || answer === 'accepted',
      status: result.status === undefined ? null : result.status,
      answer,
      type: alert.type,
      source: alert.sourceUri || null,
      sessionId: result.outcome.sessionId,
      messagesSent: result.outcome.messagesSent,
      serverCommands: result.outcome.serverCommands,
      jobs: result.jobs,
      // Every job the server commanded (in this session or in a report session) ran to its end before this answer,
      // unless a line says what waits (a reboot, a report the server did not take): src/agent/agent.ts afterSession.
      jobsFinished: !result.jobs.some((j) => LEFT_FOR_LATER.test(j)),
    };
    ctx.out.result(summary);
    if (summary.ok) {
      ctx.out.line(`server answered ${result.status}: ${ANSWER_TEXT[answer]}`);
      ctx.out.line(`session ${result.outcome.sessionId}: ${result.outcome.messagesSent} message(s) sent, ${result.outcome.serverCommands} server command(s)`);
      for (const j of result.jobs) ctx.out.line(`job: ${j}`);
      if (result.jobs.length > 0)
        ctx.out.line(summary.jobsFinished ? 'jobs: all finished, nothing left for later' : 'jobs: some work is left for later (see the lines above)');
      return EXIT.OK;
    }
    if (answer === 'no-status') throw new RefusedError('the server did not answer the request alert with a Status');
    throw new RefusedError(`the server refused the request with status ${result.status}`, result.status);
  } finally {
    await agent.close();
  }
}
