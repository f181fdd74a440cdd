// Opens the agent for a command: the runtime's ports for this configuration, composed with the core.
import type { AgentConfig } from '../config.js';
import type { CommandContext } from './main.js';
import { composeAgent } from '../agent/compose.js';
import type { Agent } from '../agent/agent.js';

export async function openAgent(ctx: CommandContext, config: AgentConfig, options: { xml?: boolean }): Promise<Agent> {
  const ports = await ctx.host.platform(config, { verbose: ctx.args.global.verbose, json: ctx.args.global.json });
  return composeAgent(config, ports, { encoding: options.xml ? 'xml' : undefined, sources: ports.sources });
}
