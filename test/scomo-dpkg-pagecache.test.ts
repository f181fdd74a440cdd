// SCOMO with the real dpkg on the page-cache model, Node adapters (issue 16 items 7 and 8): the production SCOMO path
// (ScomoMo, its journal and outbox in DurableStore over NodeFileStorage on the model, the dpkg installer over
// Node's command runner running the real `dpkg --root` on a scratch root) is cut at every write, create, rename,
// fsync, directory fsync and dpkg exec × drop/keep/prefix (docs/robustness.md §7). After each cut the agent starts
// again on what survived and the invariants of test/support/scomo-dpkg-pagecache.ts checkOutcome are checked.
import { vi } from 'vitest';
import { NodeFileStorage } from '../platform/node/storage.js';
import { nodeDpkgInstaller } from './support/node-installers.js';
import { everyCutSuite, type DpkgRuntime } from './support/scomo-dpkg-pagecache.js';

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
  installer: (root) => nodeDpkgInstaller({ root, forceNotRoot: true, scriptChrootless: true }),
};

everyCutSuite('Node adapters', node);
