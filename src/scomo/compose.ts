// Builds the SCOMO report source (MO + tree plugin + jobs) from the `scomo` config section and one runtime's
// adapters. Node (platform/node/installer/scomo-source.ts) and QuickJS (platform/quickjs/installer.ts) only say how
// to make each adapter; what is built from which key is decided here, once.

import type { Clock, Log, Random } from '../ports/runtime.js';
import type { InventorySource } from '../inventory/source.js';
import type { Downloader, StagingFiles } from '../ports/update.js';
import type { DownloadLimitKey, DownloadOptions } from '../update/download.js';
import type { JsonStore } from '../ports/scomo.js';
import type { Activator, Installer, PackageFiles } from '../ports/scomo.js';
import type { ScomoConfigSection } from './config.js';
import type { DpkgOptions, OpkgOptions, ScriptOptions, ServiceOptions } from './installers/index.js';
import { ScomoMo } from './mo.js';
import { createPackageDownload } from './download.js';
import { ScomoReportSource, scomoReportSource } from './report-source.js';

/** How one runtime makes each adapter. */
export interface ScomoAdapters {
  dpkgSource(file: string): InventorySource;
  opkgSource(file: string): InventorySource;
  manifestSource(dir: string): InventorySource;
  dpkg(options: DpkgOptions): Installer;
  opkg(options: OpkgOptions): Installer;
  script(options: ScriptOptions): Installer & Activator;
  service(options: ServiceOptions): Activator;
  downloader: Downloader;
  stagingFiles: StagingFiles;
  packageFiles: PackageFiles;
  /** Creates the staging directory (private, 0700). */
  makeStagingDir(dir: string): void;
}

export interface ScomoComposeContext {
  store: JsonStore;
  clock: Clock;
  random: Random;
  log: Log;
  /** The `download` section's bounds (src/update/download-config.ts); scomo.maxPackageSize is added here. */
  download?: Partial<Pick<DownloadOptions, DownloadLimitKey>>;
}

export function composeScomo(c: ScomoConfigSection, ctx: ScomoComposeContext, a: ScomoAdapters): ScomoReportSource | null {
  if (!c.enabled) return null;
  const sources: InventorySource[] = [];
  if (c.inventory.dpkg) sources.push(a.dpkgSource(c.inventory.dpkg));
  if (c.inventory.opkg) sources.push(a.opkgSource(c.inventory.opkg));
  if (c.inventory.manifests) sources.push(a.manifestSource(c.inventory.manifests));

  let installer: Installer | undefined;
  let activator: Activator | undefined;
  // The service manager first: dpkg/opkg use it to leave an InstallInactive package stopped (postinst may start it).
  if (c.service) activator = a.service({ kind: c.service.type, enable: c.service.enable, services: c.service.services });
  const i = c.installer;
  if (i && i.type === 'dpkg') installer = a.dpkg({ root: i.root, purge: i.purge, activator });
  if (i && i.type === 'opkg') installer = a.opkg({ offlineRoot: i.root, activator });
  if (i && i.type === 'script') {
    const script = a.script({ script: i.script, exitCodes: i.exitCodes });
    installer = script;
    if (!activator) activator = script; // the script activates/deactivates too, unless a service manager is configured
  }

  a.makeStagingDir(c.stagingDir);
  const mo = new ScomoMo({
    rootUri: c.uri,
    sources,
    store: ctx.store,
    download: createPackageDownload({
      downloader: a.downloader,
      files: a.stagingFiles,
      stagingDir: c.stagingDir,
      policy: { allowedHosts: c.allowedHosts, allowHttp: c.allowHttp },
      clock: ctx.clock,
      random: ctx.random,
      limits: Object.assign({}, ctx.download || {}, c.maxPackageSize !== undefined ? { maxSize: c.maxPackageSize } : {}),
    }),
    files: a.packageFiles,
    installer,
    activator,
    log: ctx.log,
    alert: c.alert,
    supportedEnvTypes: c.envTypes,
  });
  return scomoReportSource(mo, c.acl === undefined ? {} : { acl: c.acl });
}
