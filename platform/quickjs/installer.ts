// QuickJS bindings of the SCOMO installers and service activator (logic in src/scomo/installers, shared with Node):
// the CommandRunner is platform/quickjs/run-command.ts. At the end: the SCOMO composition for QuickJS.

import * as std from 'std';
import * as os from 'os';
import { qjsRunCommand } from './run-command.js';
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

export function createDpkgInstaller(options: core.DpkgOptions = {}): core.DpkgInstaller {
  if (options.root && !options.log) mkdirp(`${options.root.replace(/\/+$/, '')}/var/log`);
  return new core.DpkgInstaller(qjsRunCommand, options);
}

export function createOpkgInstaller(options: core.OpkgOptions = {}): core.OpkgInstaller {
  return new core.OpkgInstaller(qjsRunCommand, options);
}

export function createScriptInstaller(options: core.ScriptOptions): core.ScriptInstaller {
  return new core.ScriptInstaller(qjsRunCommand, options);
}

export function createServiceActivator(options: core.ServiceOptions): core.ServiceActivator {
  return new core.ServiceActivator(qjsRunCommand, options);
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
