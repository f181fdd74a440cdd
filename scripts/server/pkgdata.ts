// Packages delivered inside the DM session (issue 20 item 5): instead of a PkgURL to download from, the server sends
// the package itself as a large object (docs/protocol.md §1.10; the session splits it into MoreData chunks that fit
// the client's MaxMsgSize, Meta Size = the decoded bytes on the first), then Execs the operation that installs it.
//   fumo-pkgdata   on a FUMO request (or Alert 1200): Replace PkgName, PkgVersion, Ext/PkgSHA256 and
//                  `<x>/Update/PkgData` (the served file, Format b64), then Exec `<x>/Update` with a Correlator
//                  (OMA-TS-DM_FUMO-V1_0 Update/PkgData; docs/protocol.md §5.3 step 1, DM delivery)
import { Buffer } from 'node:buffer';
import type { Command } from '../../src/syncml/model.js';
import { exec, replace } from './commands.js';
import type { Scenario, ScenarioContext } from './types.js';

const FUMO_REQUEST = /^org\.openmobilealliance\.dm\.firmwareupdate\.(devicerequest|userrequest)$/;

function fumoAsked(ctx: ScenarioContext): boolean {
  return ctx.initiation === '1200' || ctx.alerts.some((a) => a.type !== undefined && FUMO_REQUEST.test(a.type));
}

export const fumoPkgData: Scenario = {
  name: 'fumo-pkgdata',
  requestStatus: () => 200,
  next(ctx): Command[] {
    if (ctx.step !== 0 || !fumoAsked(ctx)) return [];
    const fw = ctx.firmware(ctx.params.firmware);
    if (!fw) throw new Error('fumo-pkgdata needs a served file (--file) to deliver as PkgData');
    const x = ctx.params.fumoUri;
    return [
      replace(
        { uri: `${x}/PkgName`, data: ctx.params.pkgName },
        { uri: `${x}/PkgVersion`, data: ctx.params.pkgVersion },
        { uri: `${x}/Ext/PkgSHA256`, data: fw.sha256 },
      ),
      replace({ uri: `${x}/Update/PkgData`, data: Buffer.from(fw.bytes).toString('base64'), format: 'b64' }),
      exec(`${x}/Update`, ctx.newCorrelator('fumo')),
    ];
  },
};
