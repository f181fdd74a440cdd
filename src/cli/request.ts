// `dm-agent request --device|--user [--fumo X | --scomo | --component ID] [--data STR] [--server URL] [--xml]`
// When a daemon runs on the same state directory the request is handed to it (docs/handoff.md) instead of competing
// with it for the state lock; otherwise this process runs it. Either way the same lines, JSON and exit code.
import { EXIT } from './args.js';
import type { CommandContext } from './context.js';
import { openAgent, openPorts } from './open-agent.js';
import { requestSpecFromOptions } from './request-spec.js';
import { runRequestSpec } from './request-run.js';
import { requestThroughDaemon, runningDaemon } from './request-handoff.js';

export async function runRequest(ctx: CommandContext): Promise<number> {
  const spec = requestSpecFromOptions(ctx.args.words, ctx.args.options);
  const config = await ctx.config();
  const ports = await openPorts(ctx, config);
  const daemon = await runningDaemon(ports);
  if (daemon) {
    const handed = await requestThroughDaemon(ctx, ports, config, spec, daemon.pid);
    // The daemon stopped before it took the request: it was withdrawn, and this process runs it after all.
    if (handed !== 'daemon gone') return handed;
  }
  const agent = await openAgent(ctx, config, { xml: spec.xml, access: 'write' }, ports);
  try {
    const report = await runRequestSpec(agent, config, spec, (line) => ctx.out.line(line));
    ctx.out.result(report.summary);
    for (const line of report.lines) ctx.out.line(line);
    return EXIT.OK;
  } finally {
    await agent.close();
  }
}
