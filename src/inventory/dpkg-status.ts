// dpkg's database `/var/lib/dpkg/status` (dpkg(1), "Status: want flag state"). A package counts as deployed when
// its state is `installed` with the error flag `ok` and want `install` or `hold` (a held package is still installed;
// `deinstall ok config-files` and half-installed/reinstreq packages are not deployed components).

import { Component } from './component.js';
import { parsePackageStatus } from './package-status.js';

export const DPKG_STATUS_PATH = '/var/lib/dpkg/status';

export function parseDpkgStatus(text: string, origin = DPKG_STATUS_PATH): Component[] {
  return parsePackageStatus(text, origin, {
    source: 'dpkg',
    isInstalled: (s) => s.state === 'installed' && s.flags.length === 1 && s.flags[0] === 'ok' && (s.want === 'install' || s.want === 'hold'),
  });
}
