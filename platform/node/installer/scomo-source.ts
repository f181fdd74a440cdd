// SCOMO on Node: the MO wired to this runtime's inventory files, installer, service manager and the FUMO download
// pipeline, as configured in the `scomo` section (src/scomo/config.ts). Add `createNodeScomoSource` to the
// `sources` of platform/node/platform.ts next to createNodeFumoSource.

import { mkdirSync, readFileSync } from 'node:fs';
import type { ComposeContext } from '../../../src/agent/compose.js';
import type { InventorySource } from '../../../src/inventory/source.js';
import { ScomoMo } from '../../../src/scomo/mo.js';
import { parseScomoConfig } from '../../../src/scomo/config.js';
import { createPackageDownload } from '../../../src/scomo/download.js';
import type { Activator, Installer } from '../../../src/scomo/ports.js';
import { ScomoReportSource, scomoReportSource } from '../../../src/scomo/report-source.js';
import { NodeDownloader, NodeStagingFiles } from '../download.js';
import { dpkgStatusSource, manifestFolderSource, nodePackageFiles, opkgStatusSource } from '../inventory.js';
import { ServiceActivator } from '../service.js';
import { DpkgInstaller, OpkgInstaller, ScriptInstaller } from './index.js';

export async function createNodeScomoSource(ctx: ComposeContext): Promise<ScomoReportSource | null> {
  const c = parseScomoConfig(ctx.config.scomo, ctx.config.stateDir);
  if (!c.enabled) return null;
  const sources: InventorySource[] = [];
  if (c.inventory.dpkg) sources.push(dpkgStatusSource(c.inventory.dpkg));
  if (c.inventory.opkg) sources.push(opkgStatusSource(c.inventory.opkg));
  if (c.inventory.manifests) sources.push(manifestFolderSource(c.inventory.manifests));

  let installer: Installer | undefined;
  let activator: Activator | undefined;
  const i = c.installer;
  if (i && i.type === 'dpkg') installer = new DpkgInstaller({ root: i.root, purge: i.purge });
  if (i && i.type === 'opkg') installer = new OpkgInstaller({ offlineRoot: i.root });
  if (i && i.type === 'script') {
    const script = new ScriptInstaller({ script: i.script, exitCodes: i.exitCodes });
    installer = script;
    activator = script;
  }
  if (c.service) activator = new ServiceActivator({ kind: c.service.type, enable: c.service.enable, services: c.service.services });

  mkdirSync(c.stagingDir, { recursive: true, mode: 0o700 });
  const tls = ctx.config.server.tls;
  const mo = new ScomoMo({
    rootUri: c.uri,
    sources,
    store: ctx.store,
    download: createPackageDownload({
      downloader: new NodeDownloader({ ca: tls.caFile ? readFileSync(tls.caFile) : undefined }),
      files: new NodeStagingFiles(),
      stagingDir: c.stagingDir,
      policy: { allowedHosts: c.allowedHosts, allowHttp: c.allowHttp },
      clock: ctx.ports.clock,
      random: ctx.ports.random,
    }),
    files: nodePackageFiles,
    installer,
    activator,
    log: ctx.ports.log,
    alert: c.alert,
    supportedEnvTypes: c.envTypes,
  });
  return scomoReportSource(mo, c.acl === undefined ? {} : { acl: c.acl });
}
