// The A/B and command-writer updates of the page-cache power-cut tests, for either runtime: the production writers
// built by the one factory (src/update/writers/factory.ts) over the runtime's writer ports, the runtime's Storage under
// DurableStore (FUMO journal and outbox) and its staging files, on the page-cache model. Used by
// test/powercut-pagecache.test.ts (Node ports) and test/powercut-qjs-pagecache.test.ts (QuickJS ports).
//
// A/B: the real fw_printenv/fw_setenv on env copies outside the model (test/support/device-programs.ts), the simulated
// U-Boot (platform/node/flash/uboot-sim.ts) boots, and the kernel command line it leaves is provisioned into the model
// (/pcm/proc/cmdline) where the writer reads the booted slot. Command writer: RAUC modelled by device-programs.ts.
// Checked after every cut, at every boot and at the end (as test/powercut-pagecache.test.ts describes): a bootable slot
// holding a complete known image (and the fallback slot too), a resumed install continuing at its checkpoint, the
// staged download's synced bytes kept, convergence with the new image running and committed, FUMO State Idle, and
// exactly one distinct final report at the server, 200, never re-sent after a durable acknowledgement.
import { expect } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CrashChoice, PageCache, PowerCut, useModel } from './page-cache.js';
import {
  CHECKPOINT,
  CHUNK,
  GOOD,
  type Outcome,
  ROOT,
  STAGING,
  STATE,
  SYNC_EVERY,
  type StorageFactory,
  VERSION,
  WRITE_BUFFER,
  checkResume,
  checkStreamResume,
  crashAndCheckStaging,
  onePassOptions,
  journal,
  newFw,
  newScenario,
  oldFw,
  sha,
} from './fumo-pagecache.js';
import { type RaucDevice, devicePrograms, raucBoot } from './device-programs.js';
import type { PkgServer } from './pkg-server.js';
import { NodeDownloader } from '../../platform/node/download.js';
import { FwEnv, writeFileEnvConfig } from '../../platform/node/flash/fw-env.js';
import { simulateBoot } from '../../platform/node/flash/uboot-sim.js';
import { DurableStore } from '../../src/state/durable-store.js';
import { FumoEngine } from '../../src/fumo/engine.js';
import { FumoState } from '../../src/fumo/state.js';
import type { Sha256Hasher, StagingFiles } from '../../src/ports/update.js';
import type { WriterPorts } from '../../src/ports/writers.js';
import type { CommandRunner } from '../../src/ports/commands.js';
import { type WriterConfig, createFlashWriter } from '../../src/update/writers/factory.js';
import type { Slot } from '../../src/update/writers/boot.js';
import { INSTALLERS } from '../../src/update/installers/spec.js';

export const SLOTS = { A: `${ROOT}/slotA`, B: `${ROOT}/slotB` };
/** The kernel command line as the writer reads it (inside the model, provisioned at every boot). */
export const CMDLINE = `${ROOT}/proc/cmdline`;

/** One runtime's adapters on the model. */
export interface WriterRuntime {
  storage: StorageFactory;
  files(): StagingFiles;
  /** The runtime's writer ports on this model, running the device's programs. */
  ports(pc: PageCache, programs: CommandRunner): WriterPorts;
  /** Called once per device, before anything touches the model (the QuickJS `os` model is pointed at it here). */
  onModel?(pc: PageCache, programs: CommandRunner): void;
  /** The runtime's hasher: with it the package is streamed into the slot in one pass (src/fumo/steps.ts Stream). */
  sha256?: () => Sha256Hasher;
}

interface Device {
  pc: PageCache;
  dir: string;
  /** A/B: the bootloader's view of the env. */
  bootEnv?: FwEnv;
  cfg?: string;
  /** Command writer: RAUC's slots. */
  rauc?: RaucDevice;
  programs: CommandRunner;
}

async function baseDevice(rt: WriterRuntime, rauc?: RaucDevice): Promise<Device> {
  const pc = new PageCache(ROOT);
  pc.provision(SLOTS.A, oldFw);
  pc.provision(SLOTS.B, oldFw);
  await pc.mkdir(STATE);
  await pc.mkdir(path.dirname(STAGING));
  // Not node:os tmpdir(): the QuickJS run mocks the module `os` with QuickJS's (test/support/qjs-os-model.ts).
  const dir = mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'dm-pcm-'));
  const d: Device = { pc, dir, rauc, programs: devicePrograms(() => pc, () => rauc || null, VERSION) };
  useModel(pc);
  if (rt.onModel) rt.onModel(pc, d.programs);
  newScenario();
  return d;
}

/** A/B device as it leaves the factory: the old image in both slots, both bootable, A primary. */
async function abDevice(rt: WriterRuntime): Promise<Device> {
  const d = await baseDevice(rt);
  const cfg = path.join(d.dir, 'fw_env.config');
  for (const c of ['env0', 'env1']) writeFileSync(path.join(d.dir, c), Buffer.alloc(0x4000));
  writeFileEnvConfig(cfg, path.join(d.dir, 'env0'), path.join(d.dir, 'env1'));
  const def = path.join(d.dir, 'default.env');
  writeFileSync(def, 'dm_slot=A\ndm_A_ok=1\ndm_B_ok=1\nbootlimit=3\n');
  d.cfg = cfg;
  d.bootEnv = new FwEnv({ config: cfg, defaultEnv: def });
  await d.bootEnv.write({ dm_slot: 'A', dm_A_ok: '1', dm_B_ok: '1', bootlimit: '3', upgrade_available: '0', bootcount: '0' });
  await abBoot(d);
  return d;
}

/** A new boot id and the running image's version for the engine. */
function bootFacts(d: Device, image: Uint8Array | string): void {
  writeFileSync(path.join(d.dir, 'boot_id'), randomBytes(16).toString('hex'));
  const version = VERSION.get(typeof image === 'string' ? image : sha(image));
  expect(version, 'the booted slot holds a known image').toBeDefined();
  writeFileSync(path.join(d.dir, 'version'), version as string);
}

/** U-Boot run. Every slot the env calls bootable must hold a complete known image: the one it picks now, and the one
 *  it would fall back to. */
async function abBoot(d: Device): Promise<Slot> {
  const real = path.join(d.dir, 'cmdline');
  const b = await simulateBoot(d.bootEnv!, real);
  expect(b.slot, 'a bootable slot exists').not.toBeNull();
  const env = await d.bootEnv!.read();
  for (const s of ['A', 'B'] as Slot[]) {
    if (env[`dm_${s}_ok`] === '0' && s !== b.slot) continue;
    const img = d.pc.peek(SLOTS[s]);
    expect(img !== null && GOOD.has(sha(img)), `slot ${s} (dm_${s}_ok=${env[`dm_${s}_ok`]}, booted ${b.slot}) holds a known image`).toBe(true);
  }
  d.pc.provision(CMDLINE, new Uint8Array(readFileSync(real))); // the kernel's, not a write of the agent
  bootFacts(d, d.pc.peek(SLOTS[b.slot as Slot])!);
  return b.slot as Slot;
}

/** RAUC's bootchooser run: the slot it picks, and every good slot, hold a known image. */
async function raucBootAndCheck(d: Device): Promise<Slot> {
  const r = d.rauc!;
  const slot = raucBoot(r);
  expect(slot, 'a bootable slot exists').not.toBeNull();
  for (const s of ['A', 'B'] as Slot[]) if (r.good[s] || s === slot) expect(GOOD.has(r.image[s]), `RAUC slot ${s} holds a known image`).toBe(true);
  bootFacts(d, r.image[slot as Slot]);
  return slot as Slot;
}

function engineFor(d: Device, rt: WriterRuntime, config: WriterConfig, flags: { reboot: boolean }): FumoEngine {
  return new FumoEngine(Object.assign({
    fumoUri: './FUMO',
    // The agent's own composition (src/agent/compose.ts): DurableStore with setAside over the Storage port.
    store: new DurableStore(rt.storage(STATE), undefined, { setAside: { now: () => Date.now() } }),
    downloader: new NodeDownloader({ writeBufferBytes: WRITE_BUFFER, syncEveryBytes: SYNC_EVERY }),
    files: rt.files(),
    writer: createFlashWriter(config, rt.ports(d.pc, d.programs)),
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
  }, onePassOptions(rt.sha256, CHECKPOINT)));
}

/** One device's lives until the job converged; the server's reports by id. */
async function lives(
  d: Device,
  rt: WriterRuntime,
  config: WriterConfig,
  srv: PkgServer,
  choice: CrashChoice,
  at: () => string,
  slotFile: string | null,
  boot: () => Promise<Slot>,
): Promise<{ server: Map<string, number>; lives: number }> {
  const server = new Map<string, number>();
  const durablyAcked = new Set<string>();
  let execAccepted = false;
  let n = 0;
  for (;;) {
    if (++n > 12) throw new Error(`no convergence after 12 lives (${at()})`);
    const flags = { reboot: false };
    const before = await journal(rt.storage);
    const slotWrites: number[] = [];
    d.pc.onWrite = (p, pos) => void (p === slotFile && slotWrites.push(pos));
    const logAt = srv.log.length;
    const engine = engineFor(d, rt, config, flags);
    let cut = false;
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
    checkStreamResume(before, logAt, slotWrites, at);
    // An install resumed from a checkpoint continues there: the bytes synced before it were not lost.
    if (before && before.job && before.job.step === 'Install' && before.job.installed && slotWrites.length > 0)
      expect(slotWrites[0], `resumed install starts at the checkpoint ${before.job.installed} (${at()})`).toBe(before.job.installed);
    if (done) return { server, lives: n };
    if (cut) crashAndCheckStaging(d.pc, choice, at);
    else d.pc.crash('keep'); // an orderly reboot writes the cache back
    // Let the dead life's last callbacks (a socket still draining) run into the dead handles before the next boot.
    await new Promise((r) => setTimeout(r, 5));
    await boot();
  }
}

export async function abScenario(cutAt: number | null, choice: CrashChoice, rt: WriterRuntime, srv: PkgServer, label: string): Promise<Outcome> {
  const d = await abDevice(rt);
  d.pc.cutAt = cutAt;
  const at = () => `${label} A/B: cut at #${cutAt} (${d.pc.cutLabel}, ${choice})`;
  const config: WriterConfig = { type: 'uboot-ab', slotA: SLOTS.A, slotB: SLOTS.B, envConfig: d.cfg!, bootedSlot: 'cmdline', cmdline: CMDLINE };
  const r = await lives(d, rt, config, srv, choice, at, SLOTS.B, () => abBoot(d));
  // Converged: the new image runs and is committed; one report at the server, true.
  expect(new TextDecoder().decode(d.pc.peek(CMDLINE)!), at()).toContain('dm.slot=B');
  expect(sha(d.pc.peek(SLOTS.B)!), at()).toBe(sha(newFw));
  expect(await d.bootEnv!.read(), at()).toMatchObject({ dm_slot: 'B', dm_B_ok: '1', upgrade_available: '0' });
  expect(Array.from(r.server.values()), `${at()}: reports at the server`).toEqual([200]);
  return { points: d.pc.points, cut: d.pc.cutLabel, lives: r.lives };
}

export async function raucScenario(cutAt: number | null, choice: CrashChoice, rt: WriterRuntime, srv: PkgServer, label: string): Promise<Outcome> {
  const old = sha(oldFw);
  const d = await baseDevice(rt, { image: { A: old, B: old }, version: { A: '1.0', B: '1.0' }, good: { A: true, B: true }, primary: 'A', booted: 'A' });
  await raucBootAndCheck(d);
  d.pc.cutAt = cutAt;
  const at = () => `${label} command writer (RAUC): cut at #${cutAt} (${d.pc.cutLabel}, ${choice})`;
  const config: WriterConfig = { type: 'command', installer: 'rauc', spec: INSTALLERS.rauc };
  const r = await lives(d, rt, config, srv, choice, at, null, () => raucBootAndCheck(d));
  const dev = d.rauc!;
  // The new image runs from the slot RAUC booted, which stays primary and good. Usually B; A when the cut came after
  // `rauc install` returned and before the journal knew: RAUC's bootchooser boots B, the resumed Install hands the
  // bundle over again and RAUC writes the slot it did not boot from (A) — the report is still true.
  expect({ runs: dev.image[dev.booted], primary: dev.primary === dev.booted, good: dev.good[dev.booted] }, at()).toEqual({ runs: sha(newFw), primary: true, good: true });
  expect(Array.from(r.server.values()), `${at()}: reports at the server`).toEqual([200]);
  return { points: d.pc.points, cut: d.pc.cutLabel, lives: r.lives };
}
