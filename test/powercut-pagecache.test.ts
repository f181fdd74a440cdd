// Power cut at EVERY write, truncate, create, rename, link, unlink, fsync, directory fsync, U-Boot env write and
// reboot of a full A/B firmware update, with the PRODUCTION code on a model of the page cache (test/support/
// page-cache.ts): NodeFileStorage + DurableStore (FUMO journal and outbox), NodeDownloader/NodeStagingFiles (staging
// file and its sidecar), SlotWriter (slots), the real fw_setenv/fw_printenv on the env copies (real files outside the
// model: each fw_setenv is one cut point and counts as durable once it returns; a torn env copy is covered by
// test/powercut-update.test.ts). node:fs/promises is routed to the model for paths under /pcm; nothing else is faked.
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
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startPkgServer, PkgServer } from './support/pkg-server';
import { CRASH_CHOICES, CrashChoice, PageCache, PowerCut, useModel } from './support/page-cache';
import {
  CHECKPOINT,
  CHUNK,
  GOOD,
  Outcome,
  ROOT,
  STAGING,
  STATE,
  SYNC_EVERY,
  VERSION,
  WRITE_BUFFER,
  checkResume,
  crashAndCheckStaging,
  fileScenario,
  journal as journalOf,
  newFw,
  newScenario,
  oldFw,
  sha,
  usePkgServer,
} from './support/fumo-pagecache';
import { NodeDownloader, NodeStagingFiles } from '../platform/node/download';
import { NodeFileStorage } from '../platform/node/storage';
import { FwEnv, writeFileEnvConfig } from '../platform/node/flash/fw-env';
import { Slot, UbootAbWriter, bootedSlotFromCmdline } from './support/node-writers';
import { simulateBoot } from '../platform/node/flash/uboot-sim';
import { FileWriter } from './support/node-writers';
import { DurableStore } from '../src/state/durable-store';
import { FumoEngine } from '../src/fumo/engine';
import { FumoState } from '../src/fumo/state';

vi.mock('node:fs/promises', async (orig) => (await import('./support/page-cache')).routeFs(await orig<Record<string, unknown>>()));
vi.mock('node:fs', async (orig) => {
  const real = await orig<Record<string, unknown>>();
  const promises = (await import('./support/page-cache')).routeFs(real.promises as Record<string, unknown>);
  return Object.assign({}, real, { promises, default: Object.assign({}, real, { promises }) });
});

const SLOTS = { A: `${ROOT}/slotA`, B: `${ROOT}/slotB` };
const nodeStorage = (dir: string) => new NodeFileStorage(dir);
const journal = () => journalOf(nodeStorage);

let srv: PkgServer;
beforeAll(async () => {
  srv = await startPkgServer();
  usePkgServer(srv);
});
afterAll(() => {
  useModel(null);
  return srv.close();
});

interface Device {
  pc: PageCache;
  dir: string;
  cfg: string;
  def: string;
  cmdline: string;
  bootEnv: FwEnv;
}

/** A device as it leaves the factory: the old image in both slots, both bootable, A primary. */
async function newDevice(): Promise<Device> {
  const pc = new PageCache(ROOT);
  pc.provision(SLOTS.A, oldFw);
  pc.provision(SLOTS.B, oldFw);
  await pc.mkdir(STATE);
  await pc.mkdir(path.dirname(STAGING));
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-pcm-'));
  const cfg = path.join(dir, 'fw_env.config');
  for (const c of ['env0', 'env1']) writeFileSync(path.join(dir, c), Buffer.alloc(0x4000));
  writeFileEnvConfig(cfg, path.join(dir, 'env0'), path.join(dir, 'env1'));
  const def = path.join(dir, 'default.env');
  writeFileSync(def, 'dm_slot=A\ndm_A_ok=1\ndm_B_ok=1\nbootlimit=3\n');
  const bootEnv = new FwEnv({ config: cfg, defaultEnv: def });
  await bootEnv.write({ dm_slot: 'A', dm_A_ok: '1', dm_B_ok: '1', bootlimit: '3', upgrade_available: '0', bootcount: '0' });
  const d = { pc, dir, cfg, def, cmdline: path.join(dir, 'cmdline'), bootEnv };
  useModel(pc);
  newScenario();
  await boot(d);
  return d;
}

/** Bootloader run. Every slot the env calls bootable must hold a complete known image: the one U-Boot picks now,
 *  and the one it would fall back to. A new boot id and the running image's version for the engine. */
async function boot(d: Device): Promise<Slot> {
  const b = await simulateBoot(d.bootEnv, d.cmdline);
  expect(b.slot, 'a bootable slot exists').not.toBeNull();
  const env = await d.bootEnv.read();
  for (const s of ['A', 'B'] as Slot[]) {
    if (env[`dm_${s}_ok`] === '0' && s !== b.slot) continue;
    const img = d.pc.peek(SLOTS[s]);
    expect(img !== null && GOOD.has(sha(img)), `slot ${s} (dm_${s}_ok=${env[`dm_${s}_ok`]}, booted ${b.slot}) holds a known image`).toBe(true);
  }
  writeFileSync(path.join(d.dir, 'boot_id'), randomBytes(16).toString('hex'));
  writeFileSync(path.join(d.dir, 'version'), VERSION.get(sha(d.pc.peek(SLOTS[b.slot as Slot])!)) as string);
  return b.slot as Slot;
}

function engineFor(d: Device, flags: { reboot: boolean }): FumoEngine {
  const env = new FwEnv({ config: d.cfg, defaultEnv: d.def, onDurableWrite: (w) => d.pc.step(w) });
  // The agent's own composition (src/agent/compose.ts): DurableStore with setAside over the Storage port.
  const store = new DurableStore(new NodeFileStorage(STATE), undefined, { setAside: { now: () => Date.now() } });
  return new FumoEngine({
    fumoUri: './FUMO',
    store,
    downloader: new NodeDownloader({ writeBufferBytes: WRITE_BUFFER, syncEveryBytes: SYNC_EVERY }),
    files: new NodeStagingFiles(),
    writer: new UbootAbWriter({ slots: SLOTS, env, bootedSlot: () => bootedSlotFromCmdline(d.cmdline) }),
    clock: { now: () => Date.now(), sleep: async () => undefined },
    random: { bytes: (n: number) => new Uint8Array(randomBytes(n)) },
    rebooter: {
      reboot: async () => {
        d.pc.step('exec:reboot');
        flags.reboot = true;
      },
    },
    health: { check: async () => true },
    stagingFile: STAGING,
    urlPolicy: { allowedHosts: ['127.0.0.1'] },
    verification: { requireSignature: false, publicKeys: [] },
    download: { backoff: { baseMs: 1, maxMs: 1, maxAttempts: 3 } },
    chunkSize: CHUNK,
    checkpointBytes: CHECKPOINT,
    bootId: async () => readFileSync(path.join(d.dir, 'boot_id'), 'utf8'),
    runningVersion: async () => readFileSync(path.join(d.dir, 'version'), 'utf8'),
  });
}

async function scenario(cutAt: number | null, choice: CrashChoice): Promise<Outcome> {
  const d = await newDevice();
  d.pc.cutAt = cutAt;
  const at = () => `cut at #${cutAt} (${d.pc.cutLabel}, ${choice})`;
  // The server: every report it answered 200 for, by id (a duplicate id is the same report again).
  const server = new Map<string, number>();
  const durablyAcked = new Set<string>();
  let execAccepted = false;
  let lives = 0;
  for (;;) {
    if (++lives > 12) throw new Error(`no convergence after 12 lives (${at()})`);
    const flags = { reboot: false };
    const before = await journal();
    const slotWrites: number[] = [];
    d.pc.onWrite = (p, pos) => void (p === SLOTS.B && slotWrites.push(pos));
    const engine = engineFor(d, flags);
    let cut = false;
    // The last life ends here too (done), after the same checks as every other.
    let done = false;
    // A job that reached the journal is resumed at start even when the cut came before the 202 went out (the
    // server's re-sent Exec would get 417 while it runs).
    if (before && before.job) execAccepted = true;
    try {
      if (!execAccepted) {
        const ans = await engine.exec('DownloadAndUpdate', { pkgUrl: srv.url('/fw.bin'), correlator: 'corr-1', sha256: sha(newFw), pkgVersion: '2.0' });
        expect(ans.status, at()).toBe(202);
        execAccepted = true;
        await ans.done;
      } else {
        await engine.resume();
      }
      for (const r of engine.pendingReports()) {
        expect(durablyAcked.has(r.id), `report ${r.id} re-sent after a durable acknowledgement (${at()})`).toBe(false);
        server.set(r.id, r.resultCode);
        if (await engine.acknowledge(r.id)) durablyAcked.add(r.id);
      }
      const job = engine.job();
      if (!flags.reboot && job !== null && job.step === 'Done' && engine.pendingReports().length === 0) {
        expect(engine.state(), at()).toBe(FumoState.Idle);
        done = true;
      }
    } catch (e) {
      if (!(e instanceof PowerCut)) throw new Error(`${at()}: ${(e as Error).stack}`);
      cut = true;
    }
    checkResume(at);
    // An install resumed from a checkpoint continues there: the bytes synced before it were not lost.
    if (before && before.job && before.job.step === 'Install' && before.job.installed && slotWrites.length > 0)
      expect(slotWrites[0], `resumed install starts at the checkpoint ${before.job.installed} (${at()})`).toBe(before.job.installed);
    if (done) break;
    if (cut) crashAndCheckStaging(d.pc, choice, at);
    else d.pc.crash('keep'); // an orderly reboot writes the cache back
    // Let the dead life's last callbacks (a socket still draining) run into the dead handles before the next boot.
    await new Promise((r) => setTimeout(r, 5));
    await boot(d);
  }
  // Converged: the new image runs and is committed; one report at the server, true.
  expect(await bootedSlotFromCmdline(d.cmdline), at()).toBe('B');
  expect(sha(d.pc.peek(SLOTS.B)!), at()).toBe(sha(newFw));
  expect(await d.bootEnv.read(), at()).toMatchObject({ dm_slot: 'B', dm_B_ok: '1', upgrade_available: '0' });
  expect(Array.from(server.values()), `${at()}: reports at the server`).toEqual([200]);
  return { points: d.pc.points, cut: d.pc.cutLabel, lives };
}

describe('power cut at every cut point of an A/B update, production code on the page-cache model', () => {
  it('every cut point × drop/keep/prefix: bootable known image, checkpoint kept, one true report, converges', async () => {
    const clean = await scenario(null, 'keep');
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
        const o = await scenario(n, choice);
        runs++;
        if (o.cut) exercised++;
      }
    }
    // eslint-disable-next-line no-console
    console.log(`A/B on the page-cache model: ${total} cut points in the clean run ${JSON.stringify(kinds)}; ${runs} scenarios (${only.join('/')}), ${exercised} with a cut, failures 0`);
    expect(exercised).toBeGreaterThanOrEqual(total * only.length);
  }, 900_000);
});


// The single-file writer (platform/node/flash/file.ts): see fileScenario in test/support/fumo-pagecache.ts.
const nodeFile = { storage: nodeStorage, writer: (target: string) => new FileWriter(target) };

describe('power cut at every cut point of a file-writer update, production code on the page-cache model', () => {
  for (const [healthy, cp] of [
    [true, CHECKPOINT],
    [true, 0],
    [false, CHECKPOINT],
  ] as const) {
    it(`health check ${healthy ? 'passes → 200, new image' : 'fails → rollback, 410, old image'}${cp ? '' : ', no install checkpoint'} at every cut point × drop/keep/prefix`, async () => {
      const clean = await fileScenario(null, 'keep', healthy, nodeFile, cp);
      const total = clean.points.length;
      let exercised = 0;
      for (let n = 1; n <= total + 2; n++) {
        for (const choice of CRASH_CHOICES) if ((await fileScenario(n, choice, healthy, nodeFile, cp)).cut) exercised++;
      }
      // eslint-disable-next-line no-console
      console.log(`file writer (health ${healthy}, checkpoints every ${cp}) on the page-cache model: ${total} cut points, ${exercised} scenarios with a cut, failures 0`);
      expect(exercised).toBeGreaterThanOrEqual(total * CRASH_CHOICES.length);
    }, 900_000);
  }
});

