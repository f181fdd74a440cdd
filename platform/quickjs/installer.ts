// QuickJS bindings of the SCOMO installers and service activator (logic in src/scomo/installers, shared with Node):
// the CommandRunner is files.ts `exec` (os.exec over pipes, no shell). At the end: the SCOMO composition for QuickJS.

import * as std from 'std';
import * as os from 'os';
import type { CommandOptions, CommandResult, CommandRunner } from '../../src/scomo/installers/command.js';
import * as core from '../../src/scomo/installers/index.js';
import { exec, mkdirp } from './files.js';
import type { ComposeContext } from '../../src/agent/compose.js';
import { parseScomoConfig } from '../../src/scomo/config.js';
import { downloadLimits, parseDownloadConfig } from '../../src/update/download-config.js';
import { composeScomo, type ScomoAdapters } from '../../src/scomo/compose.js';
import type { ScomoReportSource } from '../../src/scomo/report-source.js';
import { QjsDownloader, QjsStagingFiles } from './download.js';
import { loadSha256 } from './hash.js';
import { dpkgStatusSource, manifestFolderSource, opkgStatusSource, qjsPackageFiles } from './inventory.js';

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

// ---- composition: the `scomo` config section with the QuickJS adapters (add createQjsScomoSource to the sources of
// platform/quickjs/platform.ts)
export async function qjsScomoAdapters(caFile?: string): Promise<ScomoAdapters> {
  return {
    dpkgSource: (f) => dpkgStatusSource(f),
    opkgSource: (f) => opkgStatusSource(f),
    manifestSource: (d) => manifestFolderSource(d),
    dpkg: (o) => createDpkgInstaller(o),
    opkg: (o) => createOpkgInstaller(o),
    script: (o) => createScriptInstaller(o),
    service: (o) => createServiceActivator(o),
    downloader: new QjsDownloader({ caFile }),
    stagingFiles: new QjsStagingFiles(await loadSha256()),
    packageFiles: qjsPackageFiles,
    makeStagingDir: (dir) => mkdirp(dir, 0o700),
  };
}

export async function createQjsScomoSource(ctx: ComposeContext): Promise<ScomoReportSource | null> {
  const c = parseScomoConfig(ctx.config.scomo, ctx.config.stateDir);
  if (!c.enabled) return null;
  return composeScomo(c, { store: ctx.store, clock: ctx.ports.clock, random: ctx.ports.random, log: ctx.ports.log, download: downloadLimits(parseDownloadConfig(ctx.config.download)) }, await qjsScomoAdapters(ctx.config.server.tls.caFile));
}
