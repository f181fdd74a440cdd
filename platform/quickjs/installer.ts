// QuickJS bindings of the SCOMO installers and service activator (logic in src/scomo/installers, shared with Node):
// the CommandRunner is files.ts `exec` (os.exec over pipes, no shell).

import * as std from 'std';
import * as os from 'os';
import type { CommandOptions, CommandResult, CommandRunner } from '../../src/scomo/installers/command.js';
import * as core from '../../src/scomo/installers/index.js';
import { exec, mkdirp } from './files.js';

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

export const qjsCommandRunner: CommandRunner = {
  async run(command: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
    // files.exec replaces the environment when given one: extend the agent's own instead.
    const env = options.env ? { ...std.getenviron(), ...options.env } : undefined;
    const program = resolveCommand(command, options.env ? options.env.PATH : undefined);
    const r = await exec([program].concat(args), { env, timeoutMs: options.timeoutMs || 30 * 60 * 1000 });
    return { code: r.code, stdout: r.stdout, stderr: r.stderr, timedOut: r.timedOut };
  },
};

export function createDpkgInstaller(options: core.DpkgOptions = {}): core.DpkgInstaller {
  if (options.root && !options.log) mkdirp(`${options.root.replace(/\/+$/, '')}/var/log`);
  return new core.DpkgInstaller(qjsCommandRunner, options);
}

export function createOpkgInstaller(options: core.OpkgOptions = {}): core.OpkgInstaller {
  return new core.OpkgInstaller(qjsCommandRunner, options);
}

export function createScriptInstaller(options: core.ScriptOptions): core.ScriptInstaller {
  return new core.ScriptInstaller(qjsCommandRunner, options);
}

export function createServiceActivator(options: core.ServiceOptions): core.ServiceActivator {
  return new core.ServiceActivator(qjsCommandRunner, options);
}

export { routeInstallers } from '../../src/scomo/installers/index.js';
