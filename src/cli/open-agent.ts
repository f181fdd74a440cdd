// Opens the agent for a command: the runtime's ports for this configuration, composed with the core. A command that
// writes state takes the state directory's lock first (src/cli/state-lock.ts) and gives it up when the agent closes;
// a read-only one never locks and never saves.
import type { AgentConfig } from '../config.js';
import type { CommandContext } from './context.js';
import type { PlatformPorts } from '../ports/platform.js';
import { composeAgent } from '../agent/compose.js';
import type { Agent } from '../agent/agent.js';
import { acquireStateLock } from './state-lock.js';
import { platformSources } from '../agent/platform-sources.js';
import type { ProgressSink } from '../ports/progress.js';
import { createProgressRenderer } from './progress.js';

export type StateAccess = 'read' | 'write';

export async function openAgent(
  ctx: CommandContext,
  config: AgentConfig,
  options: { xml?: boolean; access: StateAccess },
  opened?: PlatformPorts,
): Promise<Agent> {
  const ports = opened || (await openPorts(ctx, config));
  if (options.access === 'read') return composeWith(config, ports, { xml: options.xml, readOnly: true });
  await acquireStateLock(ports.stateLock, config.stateDir, ports.clock, { waitSeconds: ctx.args.global.waitSeconds });
  try {
    return await composeWith(config, ports, { xml: options.xml, onClose: () => ports.stateLock.release(), progress: commandProgress(ctx, ports) });
  } catch (e) {
    await ports.stateLock.release();
    throw e;
  }
}

export function openPorts(ctx: CommandContext, config: AgentConfig): Promise<PlatformPorts> {
  return ctx.host.platform(config, { verbose: ctx.args.global.verbose, json: ctx.args.global.json });
}

/** Composes an agent from the state on disk now (the daemon does this again for every step it runs locked). */
export async function composeWith(
  config: AgentConfig,
  ports: PlatformPorts,
  options: { xml?: boolean; readOnly?: boolean; onClose?: () => Promise<void>; progress?: ProgressSink },
): Promise<Agent> {
  return composeAgent(config, ports, {
    encoding: options.xml ? 'xml' : undefined,
    sources: platformSources(ports),
    readOnly: options.readOnly,
    onClose: options.onClose,
    progress: options.progress,
  });
}

/**
 * A command's update progress on stderr (README.md "Progress"): JSON lines with --json (stdout keeps the one result
 * document), a bar when stderr is a terminal, else a line every 10%.
 */
export function commandProgress(ctx: CommandContext, ports: PlatformPorts): ProgressSink {
  const terminal = ctx.host.stderrTerminal ? ctx.host.stderrTerminal() : null;
  const mode = ctx.args.global.json ? 'json' : terminal ? 'bar' : 'log';
  return createProgressRenderer({
    mode,
    write: (text) => ctx.host.writeStderr(text),
    now: () => ports.clock.now(),
    columns: terminal ? terminal.columns : undefined,
  });
}
