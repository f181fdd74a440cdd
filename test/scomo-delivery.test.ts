// Issue 20 item 5, the SCOMO half: a package delivered inside the DM session (OMA-TS-DM_SCOMO-V1_0
// Inventory/Delivered/<x>/Data as a large object, docs/protocol.md §6.1, §1.10) is streamed to staging, installed by
// Exec <x>/Operations/Install through the installer and reported with its Correlator; over the package cap it is
// refused with 413; a delivery cut by the end of the session or of the process leaves nothing behind and says why.
// One scenario (test/scomo-delivery-scenario.ts) over each runtime's real SCOMO ports: Node here, qjs bundled.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeScomoPorts } from '../platform/node/installer/scomo-source.js';
import { bundleForQjs, ensureQjsAsync, qjsSkipReason, runQjs } from './support/qjs.js';
import { runScomoDeliveryScenario } from './scomo-delivery-scenario.js';

const skip = qjsSkipReason('host');
if (skip) console.warn(`[SCOMO delivery on qjs] skipped: ${skip}`);
const work = mkdtempSync(path.join(tmpdir(), 'scomo-delivery-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function device(name: string): { dir: string; script: string } {
  const dir = path.join(work, name);
  mkdirSync(dir, { recursive: true });
  const script = path.join(dir, 'installer.sh');
  writeFileSync(script, `#!/bin/sh\nset -e\ncase "$1" in\n  install) cp "$SCOMO_PKG_PATH" "${dir}/installed-$SCOMO_PKG_ID"; echo "component=$SCOMO_PKG_ID" ;;\n  *) exit 0 ;;\nesac\n`);
  chmodSync(script, 0o755);
  return { dir, script };
}

let onNode: Record<string, unknown>;
let bundle = '';
beforeAll(async () => {
  const d = device('node');
  onNode = JSON.parse(JSON.stringify(await runScomoDeliveryScenario(nodeScomoPorts(), d.dir, d.script)));
  if (skip) return;
  await ensureQjsAsync('host');
  bundle = await bundleForQjs('test/scomo-delivery.qjs-entry.ts', path.join(work, 'scomo-delivery.js'));
}, 900_000);

function expectAnswers(out: Record<string, unknown>): void {
  // The node and its leaves 200 each; Data 213 for 4 chunks, 200 for the last; the bytes staged are the package's.
  expect(out.add).toBe('200 x4');
  expect(out.data).toBe('213 x4, 200');
  expect(out.stagedSameBytes).toBe(true);
  // Exec Install answers 202; the job installs the staged file through the installer and reports 1200.
  expect(out.exec).toBe('202');
  expect(out.jobs).toEqual(['SCOMO ./SCOMO/Inventory/Delivered/app/Operations/Install: 1200 successful (com.example.app-2.0)']);
  expect(out.installedSameBytes).toBe(true);
  const reports = out.reports as Array<{ source: string; correlator: string; data: string }>;
  expect(reports).toHaveLength(1);
  expect(reports[0]).toMatchObject({ source: './SCOMO/Inventory/Delivered/app/Operations/Install', correlator: 'corr-app' });
  expect(reports[0].data).toContain('<ResultCode>1200</ResultCode>');
  // PkgID and Version as the server set them, State 20 Installed, Data never read back (405).
  expect(out.leaves).toEqual(['com.example.app-2.0', '2.0', '20', 405]);
  // Over scomo.maxPackageSize (1 MiB): 413 for every chunk, nothing staged, Exec Install refused (405).
  expect(out.overCap).toEqual(['200 x4', '413 x25', '405']);
  expect(out.overCapStaged).toBe(null);
  // The session ended mid-object: 213 for the chunks received, then the partial copy removed.
  expect(out.sessionCut).toBe('213 x3');
  expect(out.sessionCutStaged).toBe(null);
  // The process ended mid-object: journaled with its Size and partly on disk; the next start removed it and says why.
  expect(out.journaled).toEqual({ size: 200_000 });
  expect(out.partialOnDisk).toBe(true);
  expect(out.afterRestartStaged).toBe(null);
  expect((out.status as string[]).join('\n')).toMatch(/Delivered\/power: the package delivered through DM .* was cut off before its last chunk; the partial copy was removed/);
  expect((out.status as string[]).join('\n')).toMatch(/Delivered\/cut: the package delivery was not completed/);
  expect(out.afterRestartExec).toBe('405');
}

describe('SCOMO: a package delivered inside the DM session (Inventory/Delivered/<x>/Data)', () => {
  it('Node: streamed to staging, installed by Exec Install and reported; 413 over the cap; cut deliveries removed', () => {
    expectAnswers(onNode);
  });

  it.skipIf(!!skip)('qjs: the same answers as Node', async () => {
    const d = device('qjs');
    const r = await runQjs('host', bundle, [JSON.stringify(d)], { timeoutMs: 600_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expectAnswers(out);
    expect(out).toEqual(onNode);
  }, 600_000);
});
