// `dm-agent status`, `dm-agent info`, `dm-agent tree get|list URI`: read-only views of the agent's state.
import { EXIT, UsageError } from './args.js';
import type { CommandContext } from './context.js';
import { openAgent, openPorts } from './open-agent.js';
import { runningDaemon } from './request-handoff.js';
import { InputError } from './errors.js';
import { base64Encode } from '../bytes.js';
import { summaryLines } from './status-text.js';
import { nextCheck } from '../triggers/next-check.js';

export async function runInfo(ctx: CommandContext): Promise<number> {
  const config = await ctx.config();
  const agent = await openAgent(ctx, config, { access: 'read' });
  try {
    const facts = await agent.ports.deviceInfo.read();
    ctx.out.result({ ok: true, runtime: ctx.host.runtime, device: facts });
    const width = Math.max(...Object.keys(facts).map((k) => k.length));
    for (const k of Object.keys(facts)) ctx.out.line(`${(k + ':').padEnd(width + 2)}${(facts as unknown as Record<string, string>)[k]}`);
    return EXIT.OK;
  } finally {
    await agent.close();
  }
}

export async function runStatus(ctx: CommandContext): Promise<number> {
  const config = await ctx.config();
  const ports = await openPorts(ctx, config);
  const agent = await openAgent(ctx, config, { access: 'read' }, ports);
  try {
    // A daemon on this state directory: requests are handed to it (docs/handoff.md). Unknown when its lock file cannot
    // be opened (a state directory this user may read but not write): status still shows the rest.
    let d: { pid: number | null } | undefined;
    let daemonUnknown = '';
    try {
      d = await runningDaemon(ports);
    } catch (e) {
      daemonUnknown = (e as Error).message;
    }
    const daemon = { running: daemonUnknown ? null : !!d, pid: d ? d.pid : null };
    const { lines, details, reportLines, summary: own, pendingReports, ...sources } = await agent.statusReport();
    const summary = { ...own, nextCheck: await nextCheck(config.triggers, agent.ports.storage) };
    // One document (README.md, Command line → `status --json`): the summary's fields at the top, then each source's
    // own data (fumo, scomo), the damaged state met, and the human lines (`lines`) for scripts that grep them.
    ctx.out.result({ ok: true, server: config.server.url || null, stateDir: config.stateDir, daemon, ...summary, pendingReports, ...sources, lines });
    ctx.out.line(`server:          ${config.server.url || '(not configured)'}`);
    ctx.out.line(`state directory: ${config.stateDir}`);
    ctx.out.line(`daemon:          ${daemonUnknown ? `unknown (${daemonUnknown})` : !d ? 'not running' : d.pid === null ? 'running' : `running (pid ${d.pid})`}`);
    const summaryText = summaryLines(summary, pendingReports.length, agent.ports.clock.now());
    // The pending reports, one per line, right under their count.
    const at = summaryText.findIndex((l) => l.indexOf('pending reports:') === 0) + 1;
    for (const line of summaryText.slice(0, at).concat(reportLines, summaryText.slice(at), details)) ctx.out.line(line);
    return EXIT.OK;
  } finally {
    await agent.close();
  }
}

export async function runTree(ctx: CommandContext): Promise<number> {
  const [verb, uri, extra] = ctx.args.words;
  if (verb !== 'get' && verb !== 'list') throw new UsageError('tree needs get or list');
  if (!uri) throw new UsageError(`tree ${verb} needs a URI such as ./DevInfo`);
  if (extra !== undefined) throw new UsageError(`tree ${verb} takes one URI`);
  const config = await ctx.config();
  const agent = await openAgent(ctx, config, { access: 'read' });
  try {
    const target = verb === 'list' && uri.indexOf('?') < 0 ? `${uri}?list=StructData` : uri;
    const r = await agent.localGet(target);
    if (r.status >= 300) throw new InputError(`tree ${verb} ${uri}: status ${r.status}${r.reason ? ' (' + r.reason + ')' : ''}`);
    const items = r.items.map((i) => ({
      uri: i.uri,
      format: i.format,
      type: i.type || null,
      data: i.data === undefined ? null : typeof i.data === 'string' ? i.data : base64Encode(i.data),
    }));
    ctx.out.result({ ok: true, status: r.status, items });
    for (const i of items) {
      if (verb === 'get' && items.length === 1) ctx.out.line(i.data === null ? '' : i.data);
      else ctx.out.line(i.format === 'node' ? `${i.uri}/` : `${i.uri} = ${i.data === null ? '' : i.data}`);
    }
    return EXIT.OK;
  } finally {
    await agent.close();
  }
}
