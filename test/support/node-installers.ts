// The SCOMO installers of src/scomo/installers over Node's command runner, for tests that drive one installer without
// the whole SCOMO composition (the agent builds them in src/scomo/compose.ts from ScomoPorts).
import { mkdirSync } from 'node:fs';
import * as core from '../../src/scomo/installers/index.js';
import { dpkgInstaller } from '../../src/scomo/compose.js';
import { nodeRunCommand } from '../../platform/node/run-command.js';

export { routeInstallers } from '../../src/scomo/installers/index.js';

export function nodeDpkgInstaller(options: core.DpkgOptions = {}): core.DpkgInstaller {
  return dpkgInstaller({ run: nodeRunCommand, makeDir: (dir) => mkdirSync(dir, { recursive: true, mode: 0o700 }) }, options);
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

export class ServiceActivator extends core.ServiceActivator {
  constructor(options: core.ServiceOptions) {
    super(nodeRunCommand, options);
  }
}
