// SCOMO with the real dpkg on the page-cache model, Node adapters (issue 16 items 7 and 8): the production SCOMO path
// (ScomoMo, its journal and outbox in DurableStore over NodeFileStorage on the model, the Node DpkgInstaller of
// platform/node/installer running the real `dpkg --root` on a scratch root) is cut at every write, create, rename,
// fsync, directory fsync and dpkg exec × drop/keep/prefix (docs/robustness.md §7). After each cut the agent starts
// again on what survived and the invariants of test/support/scomo-dpkg-pagecache.ts checkOutcome are checked.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rmSync } from 'node:fs';
import { NodeFileStorage } from '../platform/node/storage.js';
import { DpkgInstaller } from '../platform/node/installer/index.js';
import { CRASH_CHOICES, useModel } from './support/page-cache.js';
import { checkOutcome, dpkgStory, haveDpkg, makeFixture, type DpkgRuntime, type Fixture } from './support/scomo-dpkg-pagecache.js';

vi.mock('node:fs/promises', async (orig) => (await import('./support/page-cache.js')).routeFs(await orig<Record<string, unknown>>()));
vi.mock('node:fs', async (orig) => {
  const real = await orig<Record<string, unknown>>();
  const promises = (await import('./support/page-cache.js')).routeFs(real.promises as Record<string, unknown>);
  return Object.assign({}, real, { promises, default: Object.assign({}, real, { promises }) });
});
// Each program the Node installer runs is one cut point before it starts (dpkg's files are outside the model).
vi.mock('../platform/node/run-command.js', async (orig) => {
  const real = await orig<typeof import('../platform/node/run-command.js')>();
  const { dpkgCutPoint } = await import('./support/scomo-dpkg-pagecache.js');
  const nodeRunCommand: typeof real.nodeRunCommand = async (argv, options) => {
    dpkgCutPoint(argv[0]);
    return real.nodeRunCommand(argv, options);
  };
  return { ...real, nodeRunCommand };
});

const node: DpkgRuntime = {
  storage: (dir) => new NodeFileStorage(dir),
  installer: (root) => new DpkgInstaller({ root, forceNotRoot: true, scriptChrootless: true }),
};

let fx: Fixture;
beforeAll(() => {
  if (haveDpkg()) fx = makeFixture();
});
afterAll(() => {
  useModel(null);
  if (fx) rmSync(fx.work, { recursive: true, force: true });
});

describe.runIf(haveDpkg())('SCOMO with the real dpkg on the page-cache model (Node adapters): every cut point × drop/keep/prefix', () => {
  it('the package is installed exactly when its one report says 1200; a report never returns after its ack was durable', async () => {
    const clean = await dpkgStory(fx, null, 'keep', node);
    checkOutcome(clean, 'clean run');
    expect(clean).toMatchObject({ accepted: true, dpkg: 'ii 2.0', deployed: '2.0' });
    const total = clean.points.length;
    const execs = clean.points.filter((p) => p.indexOf('exec:') === 0);
    expect(execs).toEqual(['exec:dpkg-deb', 'exec:dpkg-query', 'exec:dpkg']);
    let exercised = 0;
    for (let n = 1; n <= total + 2; n++) {
      for (const choice of CRASH_CHOICES) {
        const o = await dpkgStory(fx, n, choice, node);
        if (o.cut) exercised++;
        checkOutcome(o, `cut at #${n} (${o.cut}, ${choice})`);
      }
    }
    // eslint-disable-next-line no-console
    console.log(`SCOMO + real dpkg (Node adapters) on the page-cache model: ${total} cut points (${execs.length} dpkg execs), ${exercised} scenarios with a cut, failures 0`);
    expect(exercised).toBeGreaterThanOrEqual(total * CRASH_CHOICES.length);
  }, 900_000);
});
