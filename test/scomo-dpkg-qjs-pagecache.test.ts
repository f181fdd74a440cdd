// SCOMO with the real dpkg on the page-cache model, QuickJS adapters (issue 16 items 7 and 8): the same scenario and
// invariants as test/scomo-dpkg-pagecache.test.ts, with QjsStorage under DurableStore (SCOMO journal and outbox) and
// the dpkg installer of src/scomo/installers over QuickJS's command runner (platform/quickjs/run-command.ts → files.ts exec). QuickJS's
// `os`/`std` come from test/support/qjs-os-model.ts, whose exec runs dpkg, dpkg-deb and dpkg-query for real, each
// one cut point: the adapters' TypeScript runs on Node, not on the qjs engine (docs/robustness.md §7).
import { vi } from 'vitest';
import { QJS, useQjsModel } from './support/qjs-os-model.js';
import { QjsStorage } from '../platform/quickjs/storage.js';
import { createDpkgInstaller } from './support/qjs-installers.js';
import { everyCutSuite, type DpkgRuntime } from './support/scomo-dpkg-pagecache.js';

vi.mock('os', async () => (await import('./support/qjs-os-model.js')).QJS.os);
vi.mock('std', async () => (await import('./support/qjs-os-model.js')).QJS.std);
vi.mock('../platform/quickjs/files.js', async (orig) =>
  Object.assign({}, await orig<Record<string, unknown>>(), { exec: (await import('./support/qjs-os-model.js')).qjsExec }),
);
vi.mock('node:fs/promises', async (orig) => (await import('./support/page-cache.js')).routeFs(await orig<Record<string, unknown>>()));
vi.mock('node:fs', async (orig) => {
  const real = await orig<Record<string, unknown>>();
  const promises = (await import('./support/page-cache.js')).routeFs(real.promises as Record<string, unknown>);
  return Object.assign({}, real, { promises, default: Object.assign({}, real, { promises }) });
});

const qjs: DpkgRuntime = {
  storage: (dir) => new QjsStorage(dir, { durability: QJS.durability }),
  // `log` is given so the installer does not create `<root>/var/log` through the modelled os (the scratch root is a
  // real directory outside the model; the fixture made it).
  installer: (root) => createDpkgInstaller({ root, forceNotRoot: true, scriptChrootless: true, log: `${root}/var/log/dpkg.log` }),
  onModel: useQjsModel,
};

everyCutSuite('QuickJS adapters', qjs);
