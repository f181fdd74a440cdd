// Node bindings of the SCOMO installers (logic in src/scomo/installers, shared with QuickJS): dpkg, opkg, a script,
// and the router. Same constructors as the core classes minus the CommandRunner, which is Node's (platform/node/run-command.ts).

import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import * as core from '../../../src/scomo/installers/index.js';
import { nodeRunCommand } from '../run-command.js';

export { routeInstallers, type InstallerRoute, DEFAULT_SCRIPT_EXIT_CODES } from '../../../src/scomo/installers/index.js';
export type { DpkgOptions, OpkgOptions, ScriptOptions } from '../../../src/scomo/installers/index.js';

export class DpkgInstaller extends core.DpkgInstaller {
  constructor(options: core.DpkgOptions = {}) {
    // dpkg only warns when it cannot open its log: make `<root>/var/log` so a scratch root keeps its own log.
    if (options.root && !options.log) mkdirSync(path.join(options.root, 'var/log'), { recursive: true });
    super(nodeRunCommand, options);
  }
}

export class OpkgInstaller extends core.OpkgInstaller {
  constructor(options: core.OpkgOptions = {}) {
    super(nodeRunCommand, options);
  }
}

export class ScriptInstaller extends core.ScriptInstaller {
  constructor(options: core.ScriptOptions) {
    super(nodeRunCommand, options);
  }
}
