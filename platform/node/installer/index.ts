// Installer adapters for SCOMO (src/scomo/ports.ts Installer), and a router that sends each component to the
// installer of the source that reported it (dpkg packages to dpkg, manifest components to a script...).

import type { Component } from '../../../src/inventory/component.js';
import { ScomoResult } from '../../../src/scomo/codes.js';
import { ScomoError } from '../../../src/scomo/errors.js';
import type { InstallOutcome, InstallRequest, Installer } from '../../../src/scomo/ports.js';

export { DpkgInstaller, type DpkgOptions } from './dpkg.js';
export { OpkgInstaller, type OpkgOptions } from './opkg.js';
export { ScriptInstaller, type ScriptOptions, DEFAULT_SCRIPT_EXIT_CODES } from './script.js';
export { runCommand, type RunResult, type RunOptions } from './run.js';

export interface InstallerRoute {
  /** Installer for new packages whose PkgType matches (e.g. `application/vnd.debian.binary-package`); `*` = any. */
  pkgTypes: string[];
  /** Component sources it removes (Component.source: `dpkg`, `opkg`, `manifest`...). */
  sources: string[];
  installer: Installer;
}

/** Picks an installer by PkgType for install and by Component.source for remove; none → 1413 / 1411. */
export function routeInstallers(routes: InstallerRoute[]): Installer {
  return {
    install(request: InstallRequest): Promise<InstallOutcome> {
      const type = request.pkgType || '';
      for (const r of routes) if (r.pkgTypes.indexOf('*') >= 0 || r.pkgTypes.indexOf(type) >= 0) return r.installer.install(request);
      return Promise.reject(new ScomoError(ScomoResult.UnsupportedEnvType, `no installer for package type ${JSON.stringify(type)}`));
    },
    remove(component: Component): Promise<void> {
      for (const r of routes) if (r.sources.indexOf(component.source) >= 0) return r.installer.remove(component);
      return Promise.reject(new ScomoError(ScomoResult.NotImplemented, `no installer removes components from ${component.source}`));
    },
  };
}
