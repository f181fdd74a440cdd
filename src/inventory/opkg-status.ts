// OpenWrt opkg's database `/usr/lib/opkg/status`. Same stanza format as dpkg, but the flag word is a comma list
// (`ok`, `user`, `hold`, `noprune`, `replace`, `prefer`, `obsolete`, `reinstreq`): packages installed by hand carry
// `install user installed`. Anything `installed` without `reinstreq` is deployed.

import { Component } from './component.js';
import { parsePackageStatus } from './package-status.js';

export const OPKG_STATUS_PATH = '/usr/lib/opkg/status';

export function parseOpkgStatus(text: string, origin = OPKG_STATUS_PATH): Component[] {
  return parsePackageStatus(text, origin, {
    source: 'opkg',
    isInstalled: (s) => s.state === 'installed' && (s.want === 'install' || s.want === 'hold') && s.flags.indexOf('reinstreq') < 0,
  });
}
