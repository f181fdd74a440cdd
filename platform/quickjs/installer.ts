// QuickJS bindings of the SCOMO installers and service activator (logic in src/scomo/installers, shared with Node):
// the CommandRunner is platform/quickjs/run-command.ts. At the end: SCOMO's ports on QuickJS.

import { qjsRunCommand } from './run-command.js';
import * as core from '../../src/scomo/installers/index.js';
import { mkdirp } from './files.js';
import type { ScomoPorts } from '../../src/ports/scomo.js';
import { QjsDownloader, QjsStagingFiles } from './download.js';
import { loadSha256 } from './hash.js';
import { qjsInventoryFiles, qjsPackageFiles } from './inventory.js';

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

/** SCOMO's ports on QuickJS (src/ports/scomo.ts); the core builds SCOMO over them (src/scomo/compose.ts). */
export async function qjsScomoPorts(caFile?: string): Promise<ScomoPorts> {
  return {
    run: qjsRunCommand,
    inventoryFiles: qjsInventoryFiles,
    downloader: new QjsDownloader({ caFile }),
    stagingFiles: new QjsStagingFiles(await loadSha256()),
    packageFiles: qjsPackageFiles,
    makeDir: (dir) => mkdirp(dir, 0o700),
  };
}
