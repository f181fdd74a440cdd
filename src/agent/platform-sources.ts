// The report sources a platform's ports make possible (FUMO, SCOMO), built by the core from the configuration: the
// platform hands over system-call ports only (src/ports/fumo.ts, src/ports/scomo.ts), built on first use (QuickJS
// loads its hash module for them), and only for a management object the configuration enables.

import type { FumoAdapters } from '../ports/fumo.js';
import type { ScomoPorts } from '../ports/scomo.js';
import { parseScomoConfig } from '../scomo/config.js';
import { composeScomo } from '../scomo/compose.js';
import type { ScomoReportSource } from '../scomo/report-source.js';
import { downloadLimits, parseDownloadConfig } from '../update/download-config.js';
import type { ComposeContext, SourceFactory } from './compose.js';
import { composeFumo } from './fumo-compose.js';
import { parseFumoConfig } from './fumo-config.js';

/** FUMO (when `fumo.writer` is configured) over the platform's FUMO ports. */
export function fumoSourceFactory(ports: () => Promise<FumoAdapters>): SourceFactory {
  return async (ctx) => (parseFumoConfig(ctx.config.fumo, ctx.config.stateDir).writer ? composeFumo(ctx, await ports()) : null);
}

/** SCOMO (when `scomo` is enabled) over the platform's SCOMO ports. */
export function scomoSourceFactory(ports: () => Promise<ScomoPorts>): (ctx: ComposeContext) => Promise<ScomoReportSource | null> {
  return async (ctx: ComposeContext): Promise<ScomoReportSource | null> => {
    const c = parseScomoConfig(ctx.config.scomo, ctx.config.stateDir);
    if (!c.enabled) return null;
    const download = downloadLimits(parseDownloadConfig(ctx.config.download));
    return composeScomo(c, { store: ctx.store, clock: ctx.ports.clock, random: ctx.ports.random, log: ctx.ports.log, download, readOnly: ctx.readOnly, progress: ctx.progress }, await ports());
  };
}

/** Every source the platform offers, in report order: FUMO first, then SCOMO. */
export function platformSources(p: { fumo?(): Promise<FumoAdapters>; scomo?(): Promise<ScomoPorts> }): SourceFactory[] {
  const out: SourceFactory[] = [];
  if (p.fumo) out.push(fumoSourceFactory(() => p.fumo!()));
  if (p.scomo) out.push(scomoSourceFactory(() => p.scomo!()));
  return out;
}
