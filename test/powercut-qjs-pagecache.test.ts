// The QuickJS adapters on the page-cache model: QjsStorage under DurableStore (FUMO journal and outbox),
// QjsDownloader (the staged package as its sink writes curl's output), QjsStagingFiles (download sidecar, staged
// package reads) and the writers of src/update/writers/ over the QuickJS writer ports (platform/quickjs/writer-ports.ts),
// with their Durability port doing the fsyncs dmnative does, cut at every write, create, rename, link, unlink, fsync,
// directory fsync, curl start and exec (fw_setenv, the installer, the reboot) × drop/keep/prefix, with the same checks
// as the Node run: the file-writer update (test/support/fumo-pagecache.ts fileScenario: fsynced download bytes
// survive, the next GET resumes at what survived, the installed image hashes right), the A/B update with the real
// fw_setenv reached through the QuickJS command runner (files.ts exec → the model's exec →
// test/support/device-programs.ts) and the command-writer (RAUC) update (test/support/fumo-pagecache-ab.ts; these two
// download with the Node downloader). QuickJS's `os`/`std` come from test/support/qjs-os-model.ts, and so does curl
// (real HTTP to the loopback package server, its head file and the body it pipes modelled there): the adapters' code
// runs on Node, not on the qjs engine.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startPkgServer, PkgServer } from './support/pkg-server.js';
import { CRASH_CHOICES, type CrashChoice, useModel } from './support/page-cache.js';
import { CHECKPOINT, ROOT, SYNC_EVERY, type Outcome, fileScenario, usePkgServer } from './support/fumo-pagecache.js';
import { type WriterRuntime, abScenario, raucScenario } from './support/fumo-pagecache-ab.js';
import { QJS, useQjsModel } from './support/qjs-os-model.js';
import { QjsStorage } from '../platform/quickjs/storage.js';
import { FileWriter } from '../src/update/writers/file.js';
import { qjsWriterPorts } from '../platform/quickjs/writer-ports.js';
import { jsSha256 } from '../platform/quickjs/hash.js';
import { QjsDownloader, QjsStagingFiles } from '../platform/quickjs/download.js';

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

let srv: PkgServer;
beforeAll(async () => {
  srv = await startPkgServer();
  usePkgServer(srv);
});
afterAll(() => {
  useModel(null);
  return srv.close();
});

/** The QuickJS writer ports on the model; their command runner reaches the device's programs through the model's exec. */
const qjs: WriterRuntime = {
  storage: (dir: string) => new QjsStorage(dir, { durability: QJS.durability }),
  files: () => new QjsStagingFiles(jsSha256(), QJS.durability),
  ports: () => qjsWriterPorts(jsSha256(), QJS.durability),
  onModel: (pc, programs) => useQjsModel(pc, programs),
};

const qjsFile = {
  storage: (dir: string) => new QjsStorage(dir, { durability: QJS.durability }),
  writer: (target: string) => new FileWriter(qjsWriterPorts(jsSha256(), QJS.durability).fs, target),
  files: () => new QjsStagingFiles(jsSha256(), QJS.durability),
  // curl's head file goes to a directory of its own on the model (a tmpfs on a device); polled every ms so that a
  // run does not wait for the 100 ms default.
  downloader: () => new QjsDownloader({ durability: QJS.durability, syncEveryBytes: SYNC_EVERY, tempBase: `${ROOT}/tmp`, pollMs: 1 }),
  onModel: useQjsModel,
};

/**
 * One pass: QjsDownloader.fetch (the modelled curl's stdout) streamed into the writer, hashed by the QuickJS hasher
 * (pure JS here: dmnative is C and this model runs the adapters' TypeScript on Node; dmnative's own paths are
 * test/quickjs-sha256.test.ts), the read-back through the QuickJS medium hash on the model.
 */
const qjsFileOnePass = Object.assign({}, qjsFile, { sha256: () => jsSha256().hasher() });
const qjsOnePass: WriterRuntime = Object.assign({}, qjs, { sha256: () => jsSha256().hasher() });

describe('QuickJS adapters on the page-cache model: file-writer update, every cut point × drop/keep/prefix', () => {
  for (const [healthy, cp, rt] of [
    [true, CHECKPOINT, qjsFile],
    [true, 0, qjsFile],
    [false, CHECKPOINT, qjsFile],
    [true, CHECKPOINT, qjsFileOnePass],
    [true, 0, qjsFileOnePass],
  ] as const) {
    const how = rt === qjsFileOnePass ? ', streamed in one pass' : '';
    it(`health check ${healthy ? 'passes → 200, new image' : 'fails → rollback, 410, old image'}${cp ? '' : ', no install checkpoint'}${how}`, async () => {
      const clean = await fileScenario(null, 'keep', healthy, rt, cp);
      const total = clean.points.length;
      let exercised = 0;
      for (let n = 1; n <= total + 2; n++) {
        for (const choice of CRASH_CHOICES) if ((await fileScenario(n, choice, healthy, rt, cp)).cut) exercised++;
      }
      // eslint-disable-next-line no-console
      console.log(`QuickJS file writer + QjsStorage + QjsDownloader + QjsStagingFiles (health ${healthy}, checkpoints every ${cp}${how}) on the page-cache model: ${total} cut points, ${exercised} scenarios with a cut, failures 0`);
      expect(exercised).toBeGreaterThanOrEqual(total * CRASH_CHOICES.length);
    }, 900_000);
  }
});

type Scenario = (cutAt: number | null, choice: CrashChoice, rt: WriterRuntime, srv: PkgServer, label: string) => Promise<Outcome>;

for (const [name, run, rt] of [
  ['A/B update (real fw_setenv through the QuickJS command runner)', abScenario, qjs],
  ['A/B update streamed into the slot in one pass', abScenario, qjsOnePass],
  ['command-writer (RAUC) update', raucScenario, qjs],
] as [string, Scenario, WriterRuntime][]) {
  describe(`QuickJS writer ports on the page-cache model: ${name}, every cut point × drop/keep/prefix`, () => {
    it('bootable known image, checkpoint kept, FUMO State consistent, one true report, converges', async () => {
      const clean = await run(null, 'keep', rt, srv, 'QuickJS');
      const total = clean.points.length;
      const kinds: Record<string, number> = {};
      for (const p of clean.points) kinds[p.replace(/:.*/, '')] = (kinds[p.replace(/:.*/, '')] || 0) + 1;
      let exercised = 0;
      for (let n = 1; n <= total + 2; n++) {
        for (const choice of CRASH_CHOICES) if ((await run(n, choice, rt, srv, 'QuickJS')).cut) exercised++;
      }
      // eslint-disable-next-line no-console
      console.log(`QuickJS ${name} on the page-cache model: ${total} cut points ${JSON.stringify(kinds)}, ${exercised} scenarios with a cut, failures 0`);
      expect(exercised).toBeGreaterThanOrEqual(total * CRASH_CHOICES.length);
    }, 900_000);
  });
}
