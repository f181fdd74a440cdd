// Power cut at EVERY write, truncate, create, rename, link, unlink, fsync, directory fsync, U-Boot env write and
// reboot of a full A/B firmware update, with the PRODUCTION code on a model of the page cache (test/support/
// page-cache.ts): NodeFileStorage + DurableStore (FUMO journal and outbox), NodeDownloader/NodeStagingFiles (staging
// file and its sidecar), the writers of src/update/writers/ over the Node writer ports (slots), the real
// fw_setenv/fw_printenv on the env copies (real files outside the model: each fw_setenv is one cut point and counts as
// durable once it returns; a torn env copy is covered by test/powercut-update.test.ts); and a command-writer (RAUC)
// update with RAUC modelled (test/support/device-programs.ts). Scenarios: test/support/fumo-pagecache-ab.ts. node:fs/promises is routed to the model for paths under /pcm; nothing else is faked.
//
// A first clean run counts the cut points. Then for each N and each crash choice (drop the unsynced operations, keep
// them all, keep a torn prefix) the N-th cut point loses power; the simulated U-Boot boots; the agent starts again
// on what survived and runs to the end, the session layer delivering reports to a recording server. Checked:
//   - at every boot, every slot the env calls bootable (dm_X_ok != 0) holds a complete known image (old or new),
//     so the bootloader's choice and its fallback are both good;
//   - an install resumed after a cut continues at the journaled checkpoint (the synced prefix survived);
//   - download bytes an fsync made durable survive, a cut loses at most syncEveryBytes + one socket read, and the
//     next GET resumes (Range) at what survived;
//   - the job converges: new image booted and committed in the env, FUMO State Idle after the acknowledgement;
//   - the server got exactly one distinct final report, it is 200, and the new image runs; a report never comes
//     back after its acknowledgement was durable (at-least-once: only an unacknowledged one is sent again).

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startPkgServer, PkgServer } from './support/pkg-server.js';
import { CRASH_CHOICES, CrashChoice, useModel } from './support/page-cache.js';
import { CHECKPOINT, Outcome, fileScenario, usePkgServer } from './support/fumo-pagecache.js';
import { type WriterRuntime, abScenario, raucScenario } from './support/fumo-pagecache-ab.js';
import { NodeStagingFiles } from '../platform/node/download.js';
import { NodeFileStorage } from '../platform/node/storage.js';
import { nodeWriterFs } from '../platform/node/writer-ports.js';
import { FileWriter } from './support/node-writers.js';
import { Sha256 } from '../platform/node/hash.js';

vi.mock('node:fs/promises', async (orig) => (await import('./support/page-cache.js')).routeFs(await orig<Record<string, unknown>>()));
vi.mock('node:fs', async (orig) => {
  const real = await orig<Record<string, unknown>>();
  const promises = (await import('./support/page-cache.js')).routeFs(real.promises as Record<string, unknown>);
  return Object.assign({}, real, { promises, default: Object.assign({}, real, { promises }) });
});

const nodeStorage = (dir: string) => new NodeFileStorage(dir);
/** The Node writer ports; the device's programs (fw_setenv, RAUC) stand for the spawn wrapper. */
const node: WriterRuntime = {
  storage: nodeStorage,
  files: () => new NodeStagingFiles(),
  ports: (_pc, programs) => ({ fs: nodeWriterFs, run: programs }),
};
/** The same ports with the platform's hasher: the package streamed into the slot in one pass. */
const nodeOnePass: WriterRuntime = Object.assign({}, node, { sha256: () => new Sha256() });

let srv: PkgServer;
beforeAll(async () => {
  srv = await startPkgServer();
  usePkgServer(srv);
});
afterAll(() => {
  useModel(null);
  return srv.close();
});

type Scenario = (cutAt: number | null, choice: CrashChoice, rt: WriterRuntime, srv: PkgServer, label: string) => Promise<Outcome>;

for (const [name, run, rt] of [
  ['an A/B update', abScenario, node],
  ['an A/B update streamed into the slot in one pass', abScenario, nodeOnePass],
  ['a command-writer (RAUC) update', raucScenario, node],
] as [string, Scenario, WriterRuntime][]) {
  describe(`power cut at every cut point of ${name}, production code on the page-cache model`, () => {
    it('every cut point × drop/keep/prefix: bootable known image, checkpoint kept, one true report, converges', async () => {
      const clean = await run(null, 'keep', rt, srv, 'Node');
      const total = clean.points.length;
      const kinds: Record<string, number> = {};
      for (const p of clean.points) {
        const k = p.replace(/:.*/, '');
        kinds[k] = (kinds[k] || 0) + 1;
      }
      let runs = 0;
      let exercised = 0;
      const only = process.env.POWERCUT_CHOICES ? (process.env.POWERCUT_CHOICES.split(',') as CrashChoice[]) : CRASH_CHOICES;
      for (let n = 1; n <= total + 2; n++) {
        for (const choice of only) {
          const o = await run(n, choice, rt, srv, 'Node');
          runs++;
          if (o.cut) exercised++;
        }
      }
      // eslint-disable-next-line no-console
      console.log(`${name} on the page-cache model (Node ports): ${total} cut points in the clean run ${JSON.stringify(kinds)}; ${runs} scenarios (${only.join('/')}), ${exercised} with a cut, failures 0`);
      expect(exercised).toBeGreaterThanOrEqual(total * only.length);
    }, 900_000);
  });
}

// The single-file writer (src/update/writers/file.ts on the Node ports): see fileScenario in test/support/fumo-pagecache.ts.
const nodeFile = { storage: nodeStorage, writer: (target: string) => new FileWriter(target) };
const nodeFileOnePass = Object.assign({}, nodeFile, { sha256: () => new Sha256() });

describe('power cut at every cut point of a file-writer update, production code on the page-cache model', () => {
  for (const [healthy, cp, rt] of [
    [true, CHECKPOINT, nodeFile],
    [true, 0, nodeFile],
    [false, CHECKPOINT, nodeFile],
    [true, CHECKPOINT, nodeFileOnePass],
    [true, 0, nodeFileOnePass],
  ] as const) {
    const how = rt === nodeFileOnePass ? ', streamed in one pass' : '';
    it(`health check ${healthy ? 'passes → 200, new image' : 'fails → rollback, 410, old image'}${cp ? '' : ', no install checkpoint'}${how} at every cut point × drop/keep/prefix`, async () => {
      const clean = await fileScenario(null, 'keep', healthy, rt, cp);
      const total = clean.points.length;
      let exercised = 0;
      for (let n = 1; n <= total + 2; n++) {
        for (const choice of CRASH_CHOICES) if ((await fileScenario(n, choice, healthy, rt, cp)).cut) exercised++;
      }
      // eslint-disable-next-line no-console
      console.log(`file writer (health ${healthy}, checkpoints every ${cp}${how}) on the page-cache model: ${total} cut points, ${exercised} scenarios with a cut, failures 0`);
      expect(exercised).toBeGreaterThanOrEqual(total * CRASH_CHOICES.length);
    }, 900_000);
  }
});

