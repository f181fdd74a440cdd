// The client-initiated FUMO story the end-to-end tests share (FLOWS B): on the device's user request the server
// answers 200, Replaces PkgURL, PkgVersion and the image's SHA-256, and Execs DownloadAndUpdate with a Correlator.
import { exec, replace } from '../../scripts/server/commands.js';
import type { Scenario } from '../../scripts/server/types.js';

export interface FumoStoryOptions {
  name: string;
  /** SHA-256 of the served `fw.bin`, hex. */
  hash: string;
  /** The package version the server names (`./FUMO/PkgVersion`). */
  version: string;
  /** Rewrites the file's URL (e.g. through a fault proxy); read when the server builds its package. */
  url?: (fileUrl: string) => string;
  /** How the server answers result reports (default 200). */
  reportStatus?: () => number;
}

export function fumoUserStory(o: FumoStoryOptions): Scenario {
  const story: Scenario = {
    name: o.name,
    requestStatus: () => 200,
    next(ctx) {
      if (ctx.step !== 0 || !ctx.alerts.some((a) => /userrequest$/.test(a.type || ''))) return [];
      const f = ctx.firmware('fw.bin')!;
      return [
        replace(
          { uri: './FUMO/DownloadAndUpdate/PkgURL', data: o.url ? o.url(f.url) : f.url },
          { uri: './FUMO/PkgVersion', data: o.version },
          { uri: './FUMO/Ext/PkgSHA256', data: o.hash },
        ),
        exec('./FUMO/DownloadAndUpdate', ctx.newCorrelator('fumo')),
      ];
    },
  };
  if (o.reportStatus) {
    const status = o.reportStatus;
    story.reportStatus = () => status();
  }
  return story;
}
