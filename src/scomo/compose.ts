// Builds the SCOMO report source (MO + tree plugin + jobs) from the `scomo` config section over one runtime's
// ScomoPorts (src/ports/scomo.ts: system calls only): the inventory sources, the installers and the package download
// are built here, once, the same on every runtime.

import type { Clock, Log, Random } from '../ports/runtime.js';
import type { InventorySource } from '../inventory/source.js';
import { fileSources } from '../inventory/file-sources.js';
import type { DownloadLimitKey, DownloadOptions } from '../update/download.js';
import type { JsonStore } from '../ports/scomo.js';
import type { Activator, Installer, ScomoPorts } from '../ports/scomo.js';
import type { ScomoConfigSection } from './config.js';
import type { ProgressSink } from '../ports/progress.js';
import { DpkgInstaller, OpkgInstaller, ScriptInstaller, ServiceActivator, type DpkgOptions } from './installers/index.js';
import { ScomoMo } from './mo.js';
import { createPackageDownload } from './download.js';
import { ScomoReportSource, scomoReportSource } from './report-source.js';

export interface ScomoComposeContext {
  store: JsonStore;
  clock: Clock;
  random: Random;
  log: Log;
  /** The `download` section's bounds (src/update/download-config.ts); scomo.maxPackageSize is added here. */
  download?: Partial<Pick<DownloadOptions, DownloadLimitKey>>;
  /** A read-only command (`status`): no file is removed (src/scomo/delivery.ts dropCutDeliveries). */
  readOnly?: boolean;
  /** Where package downloads report their bytes (src/cli/progress.ts shows them); absent: nowhere. */
  progress?: ProgressSink;
}

/** The dpkg installer over a runtime's ports. dpkg only warns when it cannot open its log: a root of its own gets
 * `<root>/var/log` (unless a log file is named), so it keeps its own log. */
export function dpkgInstaller(ports: Pick<ScomoPorts, 'run' | 'makeDir'>, options: DpkgOptions = {}): DpkgInstaller {
  if (options.root && !options.log) ports.makeDir(`${options.root.replace(/\/+$/, '')}/var/log`);
  return new DpkgInstaller(ports.run, options);
}

export function composeScomo(c: ScomoConfigSection, ctx: ScomoComposeContext, a: ScomoPorts): ScomoReportSource | null {
  if (!c.enabled) return null;
  const files = fileSources(a.inventoryFiles);
  const sources: InventorySource[] = [];
  if (c.inventory.dpkg) sources.push(files.dpkgStatusSource(c.inventory.dpkg));
  if (c.inventory.opkg) sources.push(files.opkgStatusSource(c.inventory.opkg));
  if (c.inventory.manifests) sources.push(files.manifestFolderSource(c.inventory.manifests));

  let installer: Installer | undefined;
  let activator: Activator | undefined;
  // The service manager first: dpkg/opkg use it to leave an InstallInactive package stopped (postinst may start it).
  if (c.service) activator = new ServiceActivator(a.run, { kind: c.service.type, enable: c.service.enable, services: c.service.services });
  const i = c.installer;
  if (i && i.type === 'dpkg') installer = dpkgInstaller(a, { root: i.root, purge: i.purge, activator });
  if (i && i.type === 'opkg') installer = new OpkgInstaller(a.run, { offlineRoot: i.root, activator });
  if (i && i.type === 'script') {
    const script = new ScriptInstaller(a.run, { script: i.script, exitCodes: i.exitCodes });
    installer = script;
    if (!activator) activator = script; // the script activates/deactivates too, unless a service manager is configured
  }

  a.makeDir(c.stagingDir);
  const limits = Object.assign({}, ctx.download || {}, c.maxPackageSize !== undefined ? { maxSize: c.maxPackageSize } : {});
  const mo = new ScomoMo({
    rootUri: c.uri,
    sources,
    store: ctx.store,
    download: createPackageDownload({
      downloader: a.downloader,
      files: a.stagingFiles,
      sha256: () => a.sha256(),
      stagingDir: c.stagingDir,
      policy: { allowedHosts: c.allowedHosts, allowHttp: c.allowHttp },
      clock: ctx.clock,
      random: ctx.random,
      limits,
      progress: ctx.progress,
    }),
    // Packages delivered through DM (Inventory/Delivered/<x>/Data) go to the same staging directory, with the same cap.
    delivery: a.stagingFs ? { fs: a.stagingFs, files: a.stagingFiles, stagingDir: c.stagingDir, sha256: () => a.sha256(), maxSize: limits.maxSize } : undefined,
    files: a.packageFiles,
    installer,
    activator,
    log: ctx.log,
    alert: c.alert,
    supportedEnvTypes: c.envTypes,
    readOnly: ctx.readOnly,
  });
  return scomoReportSource(mo, c.acl === undefined ? {} : { acl: c.acl });
}
