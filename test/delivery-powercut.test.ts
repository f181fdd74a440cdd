// A package delivered inside the DM session (src/update/delivery.ts: FUMO Update/PkgData, SCOMO Delivered/<x>/Data)
// cut by a power loss at every cut point × drop/keep/prefix, production code (the Node writer ports, staging files,
// DurableStore) on the page-cache model (test/support/page-cache.ts): whenever the journal says the package is
// complete, the staging file holds exactly that package, whatever the cache lost. It fails when the fsync of the
// file or of its directory in finish() is removed (scripts/mutate-durability).
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CRASH_CHOICES, type CrashChoice, PageCache, PowerCut, useModel } from './support/page-cache.js';
import { PackageDelivery } from '../src/update/delivery.js';
import { DurableStore } from '../src/state/durable-store.js';
import { NodeStagingFiles } from '../platform/node/download.js';
import { NodeFileStorage } from '../platform/node/storage.js';
import { nodeWriterFs } from '../platform/node/writer-ports.js';
import { Sha256 } from '../platform/node/hash.js';

vi.mock('node:fs/promises', async (orig) => (await import('./support/page-cache.js')).routeFs(await orig<Record<string, unknown>>()));
vi.mock('node:fs', async (orig) => {
  const real = await orig<Record<string, unknown>>();
  const promises = (await import('./support/page-cache.js')).routeFs(real.promises as Record<string, unknown>);
  return Object.assign({}, real, { promises, default: Object.assign({}, real, { promises }) });
});

const ROOT = '/pcm-delivery';
const STATE = `${ROOT}/state`;
const STAGING = `${ROOT}/staging/pkgdata.bin`;
const pkg = new Uint8Array(randomBytes(5 * 64 * 1024 + 123));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Outcome {
  points: string[];
  cut: boolean;
}

async function deliver(cutAt: number | null, choice: CrashChoice): Promise<Outcome> {
  const pc = new PageCache(ROOT);
  await pc.mkdir(STATE);
  await pc.mkdir(`${ROOT}/staging`);
  useModel(pc);
  pc.cutAt = cutAt;
  const at = () => `cut at #${cutAt} (${pc.cutLabel}, ${choice})`;
  const store = new DurableStore(new NodeFileStorage(STATE));
  let cut = false;
  try {
    // As the FUMO engine does: the delivery is journaled before its first byte, its end recorded by complete/fail.
    await store.put('delivery', { receiving: true });
    const d = await PackageDelivery.open({
      fs: nodeWriterFs,
      files: new NodeStagingFiles(),
      stagingFile: STAGING,
      budget: 1 << 30,
      hasher: new Sha256(),
      complete: async (p) => store.put('delivery', { complete: true, sha256: p.sha256, size: p.size }),
      fail: async (why) => store.put('delivery', { failed: why }),
    });
    for (let off = 0; off < pkg.length; off += 64 * 1024) await d.write(pkg.subarray(off, Math.min(pkg.length, off + 64 * 1024)));
    expect(await d.finish(), at()).toBe(200);
  } catch (e) {
    if (!(e instanceof PowerCut)) throw new Error(`${at()}: ${(e as Error).stack}`);
    cut = true;
  }
  pc.crash(cut ? choice : 'drop');
  // The next boot: a package the journal calls complete must be there, byte for byte.
  const doc = (await new DurableStore(new NodeFileStorage(STATE)).get('delivery')) as { complete?: boolean; sha256?: string; size?: number } | null;
  if (doc && doc.complete) {
    expect(doc.sha256, at()).toBe(sha(pkg));
    const file = pc.peek(STAGING);
    expect(file !== null && file.length === pkg.length && sha(file) === doc.sha256, `the staging file holds the package the journal calls complete (${at()})`).toBe(true);
  }
  if (!cut) expect(doc && doc.complete, 'a delivery without a cut is complete after a crash that drops the cache').toBe(true);
  return { points: pc.points.slice(), cut };
}

afterAll(() => useModel(null));

describe('power cut during a package delivered through DM, production code on the page-cache model', () => {
  it('every cut point × drop/keep/prefix: a package the journal calls complete is on the medium', async () => {
    const clean = await deliver(null, 'drop');
    const total = clean.points.length;
    let exercised = 0;
    for (let n = 1; n <= total + 1; n++) for (const choice of CRASH_CHOICES) if ((await deliver(n, choice)).cut) exercised++;
    // eslint-disable-next-line no-console
    console.log(`delivery through DM on the page-cache model: ${total} cut points, ${exercised} scenarios with a cut, failures 0`);
    expect(exercised).toBeGreaterThanOrEqual(total * CRASH_CHOICES.length);
  }, 300_000);
});
