// SCOMO on Node: the `scomo` config section (src/scomo/config.ts) composed (src/scomo/compose.ts) with this
// runtime's adapters. Add `createNodeScomoSource` to the `sources` of platform/node/platform.ts next to
// createNodeFumoSource.

import { mkdirSync, readFileSync } from 'node:fs';
import type { ComposeContext } from '../../../src/agent/compose.js';
import { parseScomoConfig } from '../../../src/scomo/config.js';
import { downloadLimits, parseDownloadConfig } from '../../../src/update/download-config.js';
import { composeScomo, type ScomoAdapters } from '../../../src/scomo/compose.js';
import type { ScomoReportSource } from '../../../src/scomo/report-source.js';
import { NodeDownloader, NodeStagingFiles } from '../download.js';
import { dpkgStatusSource, manifestFolderSource, nodePackageFiles, opkgStatusSource } from '../inventory.js';
import { ServiceActivator } from '../service.js';
import { DpkgInstaller, OpkgInstaller, ScriptInstaller } from './index.js';

export function nodeScomoAdapters(caFile?: string): ScomoAdapters {
  return {
    dpkgSource: (f) => dpkgStatusSource(f),
    opkgSource: (f) => opkgStatusSource(f),
    manifestSource: (d) => manifestFolderSource(d),
    dpkg: (o) => new DpkgInstaller(o),
    opkg: (o) => new OpkgInstaller(o),
    script: (o) => new ScriptInstaller(o),
    service: (o) => new ServiceActivator(o),
    downloader: new NodeDownloader({ ca: caFile ? readFileSync(caFile) : undefined }),
    stagingFiles: new NodeStagingFiles(),
    packageFiles: nodePackageFiles,
    makeStagingDir: (dir) => mkdirSync(dir, { recursive: true, mode: 0o700 }),
  };
}

export async function createNodeScomoSource(ctx: ComposeContext): Promise<ScomoReportSource | null> {
  const c = parseScomoConfig(ctx.config.scomo, ctx.config.stateDir);
  if (!c.enabled) return null;
  return composeScomo(c, { store: ctx.store, clock: ctx.ports.clock, random: ctx.ports.random, log: ctx.ports.log, download: downloadLimits(parseDownloadConfig(ctx.config.download)) }, nodeScomoAdapters(ctx.config.server.tls.caFile));
}
