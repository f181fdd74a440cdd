// `dm-agent` command line: the same words, output and exit codes on Node and QuickJS (the command-line contract in README.md).
import { ConfigError, parseConfigText, type AgentConfig } from '../config.js';
import { EXIT, parseArgs, UsageError, type ParsedArgs } from './args.js';
import { commandHelp, HELP } from './help.js';
import type { CliHost } from './host.js';
import { createOutput } from './output.js';
import type { CommandContext } from './context.js';
import { utf8Decode } from '../bytes.js';
import { runRequest } from './request.js';
import { runWbxml } from './wbxml.js';
import { runInfo, runStatus, runTree } from './inspect.js';
import { runSession } from './session.js';
import { runDaemon } from './daemon.js';
import { exitCodeFor, describeError } from './errors.js';
import { validateSections } from './config-sections.js';

declare const __DM_AGENT_VERSION__: string;
export const VERSION = typeof __DM_AGENT_VERSION__ === 'string' ? __DM_AGENT_VERSION__ : '0.0.0-dev';

export const DEFAULT_CONFIG_PATH = '/etc/dm-agent/config.json';

export async function runCli(argv: string[], host: CliHost): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    host.writeStderr(`dm-agent: ${(e as Error).message}\n(run dm-agent --help)\n`);
    return EXIT.USAGE;
  }
  if (args.global.version) {
    host.writeStdout(`dm-agent ${VERSION} (${host.runtime})\n`);
    return EXIT.OK;
  }
  if (args.helpFor) {
    host.writeStdout(commandHelp(args.helpFor) as string);
    return EXIT.OK;
  }
  if (args.global.help || !args.command) {
    host.writeStdout(HELP);
    return args.command || args.global.help ? EXIT.OK : EXIT.USAGE;
  }
  const out = createOutput((t) => host.writeStdout(t), args.global.json);
  let cached: AgentConfig | undefined;
  const ctx: CommandContext = {
    args,
    host,
    out,
    async config() {
      if (!cached) cached = await loadConfig(args, host);
      return cached;
    },
    async reloadConfig() {
      cached = await loadConfig(args, host);
      return cached;
    },
  };
  try {
    const code = await dispatch(ctx);
    out.flush();
    return code;
  } catch (e) {
    const code = exitCodeFor(e);
    const message = describeError(e);
    if (args.global.json) host.writeStdout(JSON.stringify({ ok: false, error: message, exitCode: code }) + '\n');
    host.writeStderr(`dm-agent: ${message}\n`);
    if (code === EXIT.ERROR && args.global.verbose && e instanceof Error && e.stack) host.writeStderr(e.stack + '\n');
    return code;
  }
}

async function dispatch(ctx: CommandContext): Promise<number> {
  switch (ctx.args.command) {
    case 'request':
      return runRequest(ctx);
    case 'session':
      return runSession(ctx);
    case 'daemon':
      return runDaemon(ctx);
    case 'status':
      return runStatus(ctx);
    case 'info':
      return runInfo(ctx);
    case 'tree':
      return runTree(ctx);
    case 'wbxml':
      return runWbxml(ctx);
    default:
      throw new UsageError(`unknown command ${ctx.args.command}`);
  }
}

async function loadConfig(args: ParsedArgs, host: CliHost): Promise<AgentConfig> {
  const server = typeof args.options.server === 'string' ? args.options.server : undefined;
  let path = args.global.config;
  if (!path && host.fileExists(DEFAULT_CONFIG_PATH)) path = DEFAULT_CONFIG_PATH;
  let text = '{}';
  if (path) {
    try {
      text = utf8Decode(await host.readFile(path));
    } catch (e) {
      throw new ConfigError('--config', `cannot read ${path}: ${(e as Error).message}`);
    }
  }
  const config = parseConfigText(text, { stateDir: args.global.stateDir, serverUrl: server });
  if (!config.server.url && args.command !== 'info' && args.command !== 'status' && args.command !== 'tree') {
    throw new ConfigError('server.url', 'is required (set it in the config file or pass --server URL)');
  }
  validateSections(config);
  if (host.checkConfig) host.checkConfig(config);
  return config;
}
