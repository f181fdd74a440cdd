// `dm-agent session [--server URL] [--xml]`: one client-initiated session (delivers pending result reports too).
import { EXIT, UsageError } from './args.js';
import type { CommandContext } from './context.js';
import { openAgent } from './open-agent.js';

export async function runSession(ctx: CommandContext): Promise<number> {
  if (ctx.args.words.length > 0) throw new UsageError(`session takes no words, got ${JSON.stringify(ctx.args.words[0])}`);
  const config = await ctx.config();
  const agent = await openAgent(ctx, config, { xml: !!ctx.args.options.xml, access: 'write' });
  try {
    const sid = typeof ctx.args.options['session-id'] === 'string' ? (ctx.args.options['session-id'] as string) : undefined;
    const outcome = await agent.session(sid ? 'server' : 'client', [], sid);
    const jobs = await agent.afterSession();
    const reports = outcome.alerts.map((a) => ({ type: a.alert.type, status: a.status === undefined ? null : a.status }));
    ctx.out.result({ ok: true, sessionId: outcome.sessionId, messagesSent: outcome.messagesSent, serverCommands: outcome.serverCommands, end: outcome.end, reports, jobs });
    ctx.out.line(`session ${outcome.sessionId} ended (${outcome.end}): ${outcome.messagesSent} message(s) sent, ${outcome.serverCommands} server command(s)`);
    for (const r of reports) ctx.out.line(`report ${r.type}: server answered ${r.status === null ? 'nothing' : r.status}`);
    for (const j of jobs) ctx.out.line(`job: ${j}`);
    return EXIT.OK;
  } finally {
    await agent.close();
  }
}
