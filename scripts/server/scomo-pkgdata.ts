// SCOMO's package delivered inside the DM session (issue 20 item 5): instead of a Download/<x> with a PkgURL, the server
// Adds `Inventory/Delivered/<x>` with PkgID, Name and Version, Adds `<x>/Data` = the package itself as a large object
// (Format b64; the session splits it into MoreData chunks that fit the client's MaxMsgSize, Meta Size = the decoded
// bytes on the first, docs/protocol.md §1.10), then Execs `<x>/Operations/Install` with a Correlator; the result comes
// back as an OperationComplete Generic Alert (OMA-TS-DM_SCOMO-V1_0, docs/protocol.md §6.1, §6.4).
//   scomo-pkgdata   on a SCOMO request (or Alert 1200): the served file (--firmware/--file, a .deb for dpkg) delivered
//                   to `<scomoRoot>/Inventory/Delivered/<scomoPkg>` and installed
import { Buffer } from 'node:buffer';
import type { Command } from '../../src/syncml/model.js';
import { add, exec } from './commands.js';
import type { Scenario, ScenarioContext } from './types.js';

const SCOMO_REQUEST = /^urn:oma:at:scomo:1\.1:Update(Device|User)Request$/;

function scomoAsked(ctx: ScenarioContext): boolean {
  return ctx.initiation === '1200' || ctx.alerts.some((a) => a.type !== undefined && SCOMO_REQUEST.test(a.type));
}

export const scomoPkgData: Scenario = {
  name: 'scomo-pkgdata',
  requestStatus: () => 200,
  next(ctx): Command[] {
    if (ctx.step !== 0 || !scomoAsked(ctx)) return [];
    const pkg = ctx.firmware(ctx.params.firmware);
    if (!pkg) throw new Error('scomo-pkgdata needs a served file (--firmware) to deliver as Inventory/Delivered/<x>/Data');
    const p = ctx.params;
    const d = `${p.scomoRoot}/Inventory/Delivered/${p.scomoPkg}`;
    return [
      add(
        { uri: d, node: true },
        { uri: `${d}/PkgID`, data: p.scomoPkgId },
        { uri: `${d}/Name`, data: p.scomoName },
        { uri: `${d}/Version`, data: p.pkgVersion },
      ),
      add({ uri: `${d}/Data`, data: Buffer.from(pkg.bytes).toString('base64'), format: 'b64', type: 'application/vnd.debian.binary-package' }),
      exec(`${d}/Operations/Install`, ctx.newCorrelator('scomo')),
    ];
  },
};
