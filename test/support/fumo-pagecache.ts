// The FUMO side of the page-cache power-cut tests (test/powercut-pagecache.test.ts on the Node adapters,
// test/powercut-qjs-pagecache.test.ts on the QuickJS adapters): the images, the cut-time checks on the staged
// download, and the file-writer scenario with the storage and writer of either runtime.
import { expect } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { PkgServer } from './pkg-server.js';
import { CrashChoice, PageCache, PowerCut, useModel } from './page-cache.js';
import { NodeDownloader, NodeStagingFiles } from '../../platform/node/download.js';
import { DurableStore } from '../../src/state/durable-store.js';
import { FumoEngine } from '../../src/fumo/engine.js';
import type { FumoDocument } from '../../src/fumo/journal.js';
import type { Storage } from '../../src/ports/runtime.js';
import type { Downloader, FlashWriter, Sha256Hasher, StagingFiles } from '../../src/ports/update.js';
import type { FumoEngineOptions } from '../../src/fumo/engine.js';

export const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
export const oldFw = new Uint8Array(randomBytes(40_000));
export const newFw = new Uint8Array(randomBytes(200_000));
export const GOOD = new Set([sha(oldFw), sha(newFw)]);
export const VERSION = new Map([
  [sha(oldFw), '1.0'],
  [sha(newFw), '2.0'],
]);
export const ROOT = '/pcm';
export const STATE = `${ROOT}/state`;
export const STAGING = `${ROOT}/staging/pkg.bin`;
export const SLOTS = { A: `${ROOT}/slotA`, B: `${ROOT}/slotB` };
export const WRITE_BUFFER = 32768;
// The downloader checks for its periodic fsync after each socket read (at most 64 KiB): with 200,000 bytes that is
// an fsync after each of the three full reads and the final one for the short tail, each guarding bytes of its own.
export const SYNC_EVERY = 60000;
export const SOCKET_READ = 65536;
/** Slot writes and install checkpoints (three checkpoints in the image). */
export const CHUNK = 32768;
export const CHECKPOINT = 65536;

let srv: PkgServer;
/** The package server the scenarios download from (serves newFw at /fw.bin). */
export function usePkgServer(s: PkgServer): void {
  srv = s;
  srv.objects.set('/fw.bin', { body: newFw, etag: '"v2"' });
}

/** Storage of the state directory, as the runtime under test builds it. */
export type StorageFactory = (dir: string) => Storage;

/** The journal as the next start reads it (production DurableStore over the runtime's Storage on the model). */
export async function journal(storage: StorageFactory): Promise<FumoDocument | null> {
  return (await new DurableStore(storage(STATE)).get('fumo')) as FumoDocument | null;
}

/**
 * The cut: what survives is the crash choice's image. The bytes of the staged download that an fsync made durable
 * survive (a staging file whose name was never made durable loses them all); a cut loses at most what the
 * downloader's syncEveryBytes promises (plus the socket read it checks after); and the next GET, if any, resumes at
 * what survived.
 */
export function crashAndCheckStaging(pc: PageCache, choice: CrashChoice, at: () => string): void {
  const synced = pc.syncedSize(STAGING);
  const cached = pc.peek(STAGING);
  pc.crash(choice);
  const after = pc.peek(STAGING);
  const kept = after ? after.length : 0;
  expect(kept, `fsynced download bytes survive the cut (${at()})`).toBeGreaterThanOrEqual(synced);
  if (cached) expect(cached.length - kept, `download bytes lost at the cut (${at()})`).toBeLessThanOrEqual(SYNC_EVERY + SOCKET_READ);
  resumeFrom = { logAt: srv.log.length, size: after ? after.length : 0 };
}
let resumeFrom: { logAt: number; size: number } | null = null;

/** The first package GET after a cut asks for the bytes that survived, not for the whole object again. */
export function checkResume(at: () => string): void {
  if (!resumeFrom) return;
  const get = srv.log.slice(resumeFrom.logAt).find((r) => r.method === 'GET' && r.path === '/fw.bin');
  if (get && resumeFrom.size > 0 && resumeFrom.size < newFw.length)
    expect(get.range, `download resumes at the ${resumeFrom.size} bytes that survived (${at()})`).toBe(`bytes=${resumeFrom.size}-`);
  resumeFrom = null;
}

/**
 * One pass (src/fumo/steps.ts Stream): the runtime's hasher, and a sync cadence by bytes only (CHECKPOINT, or no
 * checkpoint at all with 0) so the cut points do not depend on the clock.
 */
export function onePassOptions(sha256: (() => Sha256Hasher) | undefined, checkpointBytes: number): Partial<FumoEngineOptions> {
  if (!sha256) return {};
  return { sha256, sync: { bytes: checkpointBytes > 0 ? checkpointBytes : Number.MAX_SAFE_INTEGER, ms: Number.MAX_SAFE_INTEGER } };
}

/**
 * A streamed install cut after a checkpoint continues there: the first GET of the next life asks for the rest with
 * Range + If-Range, and the first write into the target is at the checkpoint (the prefix synced before it survived
 * and re-hashed right, whatever the crash choice).
 */
export function checkStreamResume(before: FumoDocument | null, logAt: number, targetWrites: number[], at: () => string): void {
  const cp = before && before.job && before.job.step === 'Stream' ? before.job.stream : undefined;
  if (!cp || cp.written <= 0) return;
  const get = srv.log.slice(logAt).find((r) => r.method === 'GET' && r.path === '/fw.bin');
  if (get) {
    expect(get.range, `streamed install resumes at the checkpoint ${cp.written} (${at()})`).toBe(`bytes=${cp.written}-`);
    expect(get.ifRange, `resumed with If-Range (${at()})`).toBe(cp.validator);
  }
  if (targetWrites.length > 0) expect(targetWrites[0], `first target write after the cut at the checkpoint (${at()})`).toBe(cp.written);
}

export interface Outcome {
  points: string[];
  cut: string | null;
  lives: number;
}


/** Forget the previous scenario's resume point. */
export function newScenario(): void {
  resumeFrom = null;
}

// The single-file writer (src/update/writers/file.ts, over either runtime's writer ports) on the same model: `<target>.new` written and synced,
// activated by link(target → .prev) + rename(.new → target) + directory fsync, `.prev` dropped at commit or renamed
// back at rollback. No reboot: every life ends at a cut or at the end of the job. Checked after every cut: the
// target names a complete known image; a resumed install continues at its checkpoint; at the end the target holds
// the image the report names (200: new, 410 after a failed health check: old), no `.new` or `.prev` is left
// behind, and the server got exactly one distinct report.
export const TARGET = `${ROOT}/fw/firmware.bin`;

export async function fileScenario(
  cutAt: number | null,
  choice: CrashChoice,
  healthy: boolean,
  rt: { storage: StorageFactory; writer(target: string): FlashWriter; files?(): StagingFiles; downloader?(): Downloader; onModel?(pc: PageCache): void; sha256?: () => Sha256Hasher },
  /** 0: no install checkpoint at all (an image smaller than checkpointBytes), so only finish() makes `.new` durable. */
  checkpointBytes = CHECKPOINT,
): Promise<Outcome> {
  const pc = new PageCache(ROOT);
  pc.provision(TARGET, oldFw);
  await pc.mkdir(STATE);
  await pc.mkdir(path.dirname(STAGING));
  useModel(pc);
  if (rt.onModel) rt.onModel(pc);
  resumeFrom = null;
  pc.cutAt = cutAt;
  const at = () => `file writer (${rt.writer(TARGET).constructor.name}${rt.sha256 ? ', one pass' : ''}), health ${healthy}, checkpoints every ${checkpointBytes}: cut at #${cutAt} (${pc.cutLabel}, ${choice})`;
  const server = new Map<string, number>();
  const durablyAcked = new Set<string>();
  let accepted = false;
  let lives = 0;
  for (;;) {
    if (++lives > 8) throw new Error(`no convergence after 8 lives (${at()})`);
    const img = pc.peek(TARGET);
    expect(img !== null && GOOD.has(sha(img)), `target names a complete known image (${at()})`).toBe(true);
    const before = await journal(rt.storage);
    if (before && before.job) accepted = true;
    const slotWrites: number[] = [];
    pc.onWrite = (p, pos) => void (p === `${TARGET}.new` && slotWrites.push(pos));
    const logAt = srv.log.length;
    const engine = new FumoEngine(Object.assign({
      fumoUri: './FUMO',
      store: new DurableStore(rt.storage(STATE), undefined, { setAside: { now: () => Date.now() } }),
      downloader: rt.downloader ? rt.downloader() : new NodeDownloader({ writeBufferBytes: WRITE_BUFFER, syncEveryBytes: SYNC_EVERY }),
      files: rt.files ? rt.files() : new NodeStagingFiles(),
      writer: rt.writer(TARGET),
      clock: { now: () => Date.now(), sleep: async () => undefined },
      random: { bytes: (n: number) => new Uint8Array(randomBytes(n)) },
      health: { check: async () => healthy },
      stagingFile: STAGING,
      urlPolicy: { allowedHosts: ['127.0.0.1'] },
      verification: { requireSignature: false, publicKeys: [] },
      download: { backoff: { baseMs: 1, maxMs: 1, maxAttempts: 3 } },
      chunkSize: CHUNK,
      checkpointBytes,
    }, onePassOptions(rt.sha256, checkpointBytes)));
    let cut = false;
    // The last life ends here too (done), after the same checks as every other.
    let done = false;
    try {
      if (!accepted) {
        const ans = await engine.exec('DownloadAndUpdate', { pkgUrl: srv.url('/fw.bin'), correlator: 'corr-f', sha256: sha(newFw) });
        expect(ans.status, at()).toBe(202);
        accepted = true;
        await ans.done;
      } else await engine.resume();
      for (const r of engine.pendingReports()) {
        expect(durablyAcked.has(r.id), `report ${r.id} re-sent after a durable acknowledgement (${at()})`).toBe(false);
        server.set(r.id, r.resultCode);
        if (await engine.acknowledge(r.id)) durablyAcked.add(r.id);
      }
      const job = engine.job();
      done = job !== null && job.step === 'Done' && engine.pendingReports().length === 0;
    } catch (e) {
      if (!(e instanceof PowerCut)) throw new Error(`${at()}: ${(e as Error).stack}`);
      cut = true;
    }
    if (before && before.job && before.job.step === 'Install' && before.job.installed && slotWrites.length > 0)
      expect(slotWrites[0], `resumed install starts at the checkpoint ${before.job.installed} (${at()})`).toBe(before.job.installed);
    checkResume(at);
    checkStreamResume(before, logAt, slotWrites, at);
    if (done) break;
    if (cut) crashAndCheckStaging(pc, choice, at);
    else pc.crash('keep');
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(sha(pc.peek(TARGET)!), `target at the end (${at()})`).toBe(sha(healthy ? newFw : oldFw));
  expect(pc.peek(`${TARGET}.new`), `no .new left (${at()})`).toBeNull();
  expect(pc.peek(`${TARGET}.prev`), `no .prev left (${at()})`).toBeNull();
  expect(Array.from(server.values()), `${at()}: reports at the server`).toEqual([healthy ? 200 : 410]);
  return { points: pc.points, cut: pc.cutLabel, lives };
}

