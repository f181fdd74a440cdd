// Opens the agent for a command: the runtime's ports for this configuration, composed with the core.
import { ConfigError, type AgentConfig } from '../config.js';
import type { CommandContext } from './main.js';
import { composeAgent } from '../agent/compose.js';
import type { Agent } from '../agent/agent.js';

export async function openAgent(ctx: CommandContext, config: AgentConfig, options: { xml?: boolean }): Promise<Agent> {
  const ports = await ctx.host.platform(config, { verbose: ctx.args.global.verbose, json: ctx.args.global.json });
  try {
    return await composeAgent(config, ports, { encoding: options.xml ? 'xml' : undefined, sources: ports.sources });
  } catch (e) {
    // A section validated by its own module (scomo, fumo, device...) names the key; keep it a configuration error.
    if (e instanceof Error && /Config(uration)?Error$/.test(e.name) && !(e instanceof ConfigError)) throw new ConfigError((e as Error & { key?: string }).key || 'config', e.message);
    throw e;
  }
}
