// `dm-agent daemon [--once]`: placeholder until the trigger and notification adapters are wired (issue 6, 11).
import { EXIT } from './args.js';
import type { CommandContext } from './main.js';
import { openAgent } from './open-agent.js';

export async function runDaemon(ctx: CommandContext): Promise<number> {
  const config = await ctx.config();
  const agent = await openAgent(ctx, config, {});
  try {
    // Resume jobs interrupted by a reboot or crash, then deliver pending reports.
    const jobs = await agent.afterSession();
    for (const j of jobs) ctx.out.line(`job: ${j}`);
    ctx.out.result({ ok: true, jobs });
    return EXIT.OK;
  } finally {
    await agent.close();
  }
}
