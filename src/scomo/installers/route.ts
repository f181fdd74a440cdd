// One Installer over several: new packages go by PkgType, removals by the source that reported the component
// (dpkg packages to dpkg, manifest components to a script...).

import type { Component } from '../../inventory/component.js';
import { ScomoResult } from '../codes.js';
import { ScomoError } from '../errors.js';
import type { InstallOutcome, InstallRequest, Installer } from '../../ports/scomo.js';

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
