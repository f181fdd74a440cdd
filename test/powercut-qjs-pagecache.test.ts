// The QuickJS adapters on the page-cache model: QjsStorage under DurableStore (FUMO journal and outbox),
// QjsStagingFiles (download sidecar, staged package reads) and the QuickJS file writer (QjsFileWriter /
// QjsSlotWriter), with their Durability port doing the fsyncs dmnative does,
// cut at every write, create, rename, link, unlink, fsync and directory fsync × drop/keep/prefix, with the same checks
// as the Node run (test/support/fumo-pagecache.ts fileScenario). QuickJS's `os`/`std` come from
// test/support/qjs-os-model.ts: the adapters' code runs on Node, not on the qjs engine, and the package transfer
// itself is the Node downloader's (the QuickJS one runs curl, which the model cannot hold).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startPkgServer, PkgServer } from './support/pkg-server';
import { CRASH_CHOICES, useModel } from './support/page-cache';
import { CHECKPOINT, fileScenario, usePkgServer } from './support/fumo-pagecache';
import { QJS, useQjsModel } from './support/qjs-os-model';
import { QjsStorage } from '../platform/quickjs/storage';
import { FileWriter } from '../src/update/writers/file';
import { qjsWriterPorts } from '../platform/quickjs/writer-ports';
import { jsSha256 } from '../platform/quickjs/hash';
import { QjsStagingFiles } from '../platform/quickjs/download';

vi.mock('os', async () => (await import('./support/qjs-os-model')).QJS.os);
vi.mock('std', async () => (await import('./support/qjs-os-model')).QJS.std);
vi.mock('../platform/quickjs/files.js', async (orig) =>
  Object.assign({}, await orig<Record<string, unknown>>(), { exec: (await import('./support/qjs-os-model')).qjsExec }),
);
vi.mock('node:fs/promises', async (orig) => (await import('./support/page-cache')).routeFs(await orig<Record<string, unknown>>()));
vi.mock('node:fs', async (orig) => {
  const real = await orig<Record<string, unknown>>();
  const promises = (await import('./support/page-cache')).routeFs(real.promises as Record<string, unknown>);
  return Object.assign({}, real, { promises, default: Object.assign({}, real, { promises }) });
});

let srv: PkgServer;
beforeAll(async () => {
  srv = await startPkgServer();
  usePkgServer(srv);
});
afterAll(() => {
  useModel(null);
  return srv.close();
});

const qjsFile = {
  storage: (dir: string) => new QjsStorage(dir, { durability: QJS.durability }),
  writer: (target: string) => new FileWriter(qjsWriterPorts(jsSha256(), QJS.durability).fs, target),
  files: () => new QjsStagingFiles(jsSha256(), QJS.durability),
  onModel: useQjsModel,
};

describe('QuickJS adapters on the page-cache model: file-writer update, every cut point × drop/keep/prefix', () => {
  for (const [healthy, cp] of [
    [true, CHECKPOINT],
    [true, 0],
    [false, CHECKPOINT],
  ] as const) {
    it(`health check ${healthy ? 'passes → 200, new image' : 'fails → rollback, 410, old image'}${cp ? '' : ', no install checkpoint'}`, async () => {
      const clean = await fileScenario(null, 'keep', healthy, qjsFile, cp);
      const total = clean.points.length;
      let exercised = 0;
      for (let n = 1; n <= total + 2; n++) {
        for (const choice of CRASH_CHOICES) if ((await fileScenario(n, choice, healthy, qjsFile, cp)).cut) exercised++;
      }
      // eslint-disable-next-line no-console
      console.log(`QuickJS file writer + QjsStorage + QjsStagingFiles (health ${healthy}, checkpoints every ${cp}) on the page-cache model: ${total} cut points, ${exercised} scenarios with a cut, failures 0`);
      expect(exercised).toBeGreaterThanOrEqual(total * CRASH_CHOICES.length);
    }, 900_000);
  }
});
