// SCOMO DownloadInstall with its state in the PRODUCTION store (DurableStore over NodeFileStorage, as
// src/scomo/compose.ts gets it from src/agent/compose.ts) on the page-cache model (test/support/page-cache.ts): power
// is cut at every write, create, rename, fsync and directory fsync of the SCOMO journal and outbox, and what was not
// durable is dropped, kept or torn (prefix). Then the agent starts again on what survived, resumes and delivers its
// OperationComplete reports to a recording server. Checked: an accepted job ends with exactly one distinct report
// and the component installed; a job whose Exec never got its 202 and never reached the disk runs nowhere; a report
// never comes back after its acknowledgement was durable.
// Not modelled here: the installer itself (an in-memory fake standing for dpkg; the real dpkg runs in
// test/scomo-dpkg-pagecache.test.ts and test/scomo-dpkg-qjs-pagecache.test.ts) and the package download.
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Component } from '../src/inventory/component.js';
import { ScomoMo, type ScomoConfig } from '../src/scomo/index.js';
import { DurableStore } from '../src/state/durable-store.js';
import { NodeFileStorage } from '../platform/node/storage.js';
import { CRASH_CHOICES, CrashChoice, PageCache, PowerCut, useModel } from './support/page-cache.js';

vi.mock('node:fs/promises', async (orig) => (await import('./support/page-cache.js')).routeFs(await orig<Record<string, unknown>>()));
vi.mock('node:fs', async (orig) => {
  const real = await orig<Record<string, unknown>>();
  const promises = (await import('./support/page-cache.js')).routeFs(real.promises as Record<string, unknown>);
  return Object.assign({}, real, { promises, default: Object.assign({}, real, { promises }) });
});

afterAll(() => useModel(null));

const STATE = '/pcm/state';

interface World {
  components: Component[];
}

function make(world: World): ScomoMo {
  const config: ScomoConfig = {
    sources: [{ name: 'pkgs', list: async () => world.components.map((c) => ({ ...c })) }],
    store: new DurableStore(new NodeFileStorage(STATE), undefined, { setAside: { now: () => Date.now() } }),
    download: async () => ({ path: '/cache/app_2.0.pkg', sha256: 'aa' }),
    installer: {
      async install() {
        world.components = [{ id: 'app', name: 'app', version: '2.0', state: 'active', source: 'pkgs' }];
        return { componentIds: ['app'] };
      },
      async remove() {},
    },
    files: { remove: async () => undefined },
  };
  return new ScomoMo(config);
}

async function story(cutAt: number | null, choice: CrashChoice) {
  const pc = new PageCache('/pcm');
  await pc.mkdir(STATE);
  useModel(pc);
  pc.cutAt = cutAt;
  const where = () => `cut at #${cutAt} (${pc.cutLabel}, ${choice})`;
  const world: World = { components: [{ id: 'app', name: 'app', version: '1.0', state: 'active', source: 'pkgs' }] };
  const received: string[] = [];
  const ackedDurably = new Set<string>();
  let accepted = false;
  for (let life = 0; life < 6; life++) {
    const a = make(world);
    let cut = false;
    try {
      if (life === 0) {
        await a.list('Inventory/Deployed');
        await a.add('Download/p', {});
        await a.add('Download/p/PkgURL', { data: 'https://e/app_2.0.pkg' });
        accepted = (await a.exec('Download/p/Operations/DownloadInstall', { correlator: 'c1' })) === 202;
      } else a.resume();
      await a.idle();
      for (const r of await a.pendingReports()) {
        expect(ackedDurably.has(r.id), `report ${r.id} re-sent after its ack was durable (${where()})`).toBe(false);
        received.push(r.id);
        if (await a.acknowledge(r.id)) ackedDurably.add(r.id);
      }
      if (life > 0 && (await a.pendingReports()).length === 0 && (await a.pendingJobs()).length === 0) {
        const deployed = await a.get('Inventory/Deployed/app/Version');
        return { accepted, distinct: new Set(received).size, version: world.components[0].version, deployed: deployed.data, points: pc.points, cut: pc.cutLabel };
      }
    } catch (e) {
      if (!(e instanceof PowerCut)) throw new Error(`${where()}: ${(e as Error).stack}`);
      cut = true;
    }
    await a.idle().catch(() => undefined); // the dead instance's runner stops at its next write
    // The power is off after a cut even when only the job runner met it (no call of the test threw): use the choice.
    pc.crash(cut || pc.off ? choice : 'keep');
  }
  throw new Error(`reports still pending after 6 lives (${where()})`);
}

describe('SCOMO on the page-cache model: every cut point × drop/keep/prefix', () => {
  it('one true OperationComplete per accepted job, none for a job that never reached the disk', async () => {
    const clean = await story(null, 'keep');
    expect(clean).toMatchObject({ accepted: true, distinct: 1, version: '2.0', deployed: '2.0' });
    const total = clean.points.length;
    let exercised = 0;
    for (let n = 1; n <= total + 2; n++) {
      for (const choice of CRASH_CHOICES) {
        const r = await story(n, choice);
        const where = `cut at #${n} (${r.cut}, ${choice})`;
        if (r.cut) exercised++;
        if (!r.accepted && r.distinct === 0) {
          expect(r.version, where).toBe('1.0');
          continue;
        }
        expect(r.distinct, where).toBe(1);
        expect(r.version, where).toBe('2.0');
        expect(r.deployed, where).toBe('2.0');
      }
    }
    // eslint-disable-next-line no-console
    console.log(`SCOMO on the page-cache model: ${total} cut points in the clean run; ${exercised} scenarios with a cut, failures 0`);
    expect(exercised).toBeGreaterThanOrEqual(total * CRASH_CHOICES.length);
  }, 300_000);
});
