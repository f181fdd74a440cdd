// What every command of the command line is given: its parsed words, the host it runs on, its output and the
// configuration. Its own file, so that the command files and src/cli/main.ts (which dispatches to them) do not
// import each other.
import type { AgentConfig } from '../config.js';
import type { ParsedArgs } from './args.js';
import type { CliHost } from './host.js';
import type { Output } from './output.js';

export interface CommandContext {
  args: ParsedArgs;
  host: CliHost;
  out: Output;
  /** Loads and validates the configuration (lazily: `wbxml` needs none). */
  config(): Promise<AgentConfig>;
  /** Reads the configuration file again (the daemon on SIGHUP); on an error the previous one stays in place. */
  reloadConfig(): Promise<AgentConfig>;
}
