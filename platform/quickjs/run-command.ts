// The CommandRunner port (src/ports/commands.ts) on QuickJS: files.ts exec (os.exec over pipes, no shell), the
// agent's environment extended by `env`, stdin fed from a temporary file, the tail of each output stream kept. The one
// spawn wrapper of this runtime: the flash writers, the U-Boot env tools, reboot and health check, and the SCOMO
// installers all run through it.

import * as std from 'std';
import * as os from 'os';
import type { CommandOptions, CommandResult, CommandRunner } from '../../src/ports/commands.js';
import { exec, type ExecOptions } from './files.js';

const MAX_CAPTURE = 64 * 1024;
const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;

/**
 * QuickJS's os.exec looks programs up in the agent's own PATH even when the child gets another environment; Node's
 * spawn uses the child's. To behave like Node, a bare command is resolved here against the PATH being passed.
 */
function resolveCommand(command: string, path: string | undefined): string {
  if (command.indexOf('/') >= 0 || path === undefined) return command;
  for (const dir of path.split(':')) {
    if (dir === '') continue;
    const candidate = `${dir}/${command}`;
    const [st, err] = os.stat(candidate);
    if (err === 0 && (st.mode & os.S_IFMT) === os.S_IFREG && (st.mode & 0o111) !== 0) return candidate;
  }
  return command;
}

export const qjsRunCommand: CommandRunner = async (argv: string[], options: CommandOptions = {}): Promise<CommandResult> => {
  const e: ExecOptions = { timeoutMs: options.timeoutMs || DEFAULT_TIMEOUT_MS };
  // files.exec replaces the environment when given one: extend the agent's own instead.
  if (options.env) e.env = { ...std.getenviron(), ...options.env };
  if (options.stdin !== undefined) e.stdin = options.stdin;
  const program = resolveCommand(argv[0], options.env ? options.env.PATH : undefined);
  const r = await exec([program].concat(argv.slice(1)), e);
  return { code: r.code, stdout: r.stdout.slice(-MAX_CAPTURE), stderr: r.stderr.slice(-MAX_CAPTURE), timedOut: r.timedOut };
};
