// The SCOMO installers of src/scomo/installers over QuickJS's command runner, for the qjs test entries and the QuickJS
// power-cut model (the agent builds them in src/scomo/compose.ts from ScomoPorts).
import * as core from '../../src/scomo/installers/index.js';
import { dpkgInstaller } from '../../src/scomo/compose.js';
import { qjsRunCommand } from '../../platform/quickjs/run-command.js';
import { mkdirp } from '../../platform/quickjs/files.js';

export function createDpkgInstaller(options: core.DpkgOptions = {}): core.DpkgInstaller {
  return dpkgInstaller({ run: qjsRunCommand, makeDir: (dir) => mkdirp(dir, 0o700) }, options);
}

export function createScriptInstaller(options: core.ScriptOptions): core.ScriptInstaller {
  return new core.ScriptInstaller(qjsRunCommand, options);
}

export function createServiceActivator(options: core.ServiceOptions): core.ServiceActivator {
  return new core.ServiceActivator(qjsRunCommand, options);
}
