// The one-pass install in the core (src/update/stream.ts, the FUMO Stream step in src/fumo/steps.ts) over in-memory
// ports: the package goes straight into the writer's target while it is hashed, is checked against the claims and
// read back from the medium before anything is activated, resumes after a cut from the journaled checkpoint with
// Range/If-Range, and is checkpointed by bytes or time. The same pipeline on the real adapters of both runtimes:
// test/fumo-engine.test.ts (one-pass rows), test/powercut-pagecache.test.ts, test/update-writers.test.ts.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { FumoEngine, type FumoEngineOptions } from '../src/fumo/engine.js';
import { MemoryJournalStore, type FumoDocument } from '../src/fumo/journal.js';
import { FumoState } from '../src/fumo/state.js';
import { FileWriter } from '../src/update/writers/file.js';
import type { Downloader } from '../src/ports/update.js';
import { NodeStagingFiles } from '../platform/node/download.js';
import { MemoryDownloader, MemoryWriterFs, nodeHasher } from './support/memory-update-ports.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const oldFw = new Uint8Array(randomBytes(50_000));
const newFw = new Uint8Array(randomBytes(300_000));
const URL = 'http://127.0.0.1/fw.bin';
const TARGET = '/fw/firmware.bin';

/** A journal store that dies with the power: after `cut()` every put throws (nothing more is journaled). */
class CuttableStore extends MemoryJournalStore {
  dead = false;
  puts: unknown[] = [];
  override async put(name: string, value: unknown): Promise<void> {
    if (this.dead) throw new Error('power cut');
    this.puts.push(JSON.parse(JSON.stringify(value)));
    await super.put(name, value);
  }
}

function rig(extra: Partial<FumoEngineOptions> = {}) {
  const dl = new MemoryDownloader();
  dl.objects.set(URL, { body: newFw, etag: '"v2"', chunk: 7000 });
  const fs = new MemoryWriterFs();
  fs.files.set(TARGET, oldFw);
  const store = new CuttableStore();
  const staging = path.join(mkdtempSync(path.join(tmpdir(), 'dm-stream-')), 'pkg.bin');
  let now = 1000;
  const opts: FumoEngineOptions = Object.assign(
    {
      fumoUri: './FUMO',
      store,
      downloader: dl as unknown as Downloader,
      // The target lives in memory: no file system to ask for free space (the bound is then the package cap).
      files: Object.assign(Object.create(new NodeStagingFiles()) as NodeStagingFiles, { freeBytes: undefined }),
      writer: new FileWriter(fs, TARGET),
      clock: { now: () => now, sleep: async () => undefined },
      random: { bytes: (n: number) => new Uint8Array(randomBytes(n)) },
      stagingFile: staging,
      urlPolicy: { allowedHosts: ['127.0.0.1'], allowHttp: true },
      verification: { requireSignature: false, publicKeys: [] },
      download: { backoff: { baseMs: 1, maxMs: 1, maxAttempts: 3 } },
      sha256: nodeHasher,
      sync: { bytes: 64 * 1024, ms: 60_000 },
    },
    extra,
  );
  const make = (more: Partial<FumoEngineOptions> = {}) => new FumoEngine(Object.assign({}, opts, more));
  return { dl, fs, store, staging, make, tick: (ms: number) => (now += ms) };
}

const checkpoints = (store: CuttableStore) =>
  store.puts.map((p) => (p as { current?: FumoDocument } & FumoDocument)).map((d) => (d.job ? d.job.stream : undefined)).filter((s) => s !== undefined);

/** A power cut at the 4th write into the target (after three 64 KiB checkpoints); the power is back on after it. */
async function cutMidStream() {
  const r = rig();
  r.fs.failWriteAt = 3;
  r.fs.onCut = () => (r.store.dead = true); // the power stays off: the failure is never journaled
  const a = await r.make().exec('DownloadAndUpdate', { pkgUrl: URL, sha256: sha(newFw) });
  await a.done!.catch(() => undefined);
  r.store.dead = false;
  r.fs.dead = false;
  return { r, jobId: a.jobId };
}

describe('one-pass install (core, in-memory ports)', () => {
  it('streams the package straight into the target: one GET, no staging copy, large writes, read back from the medium', async () => {
    const r = rig();
    const e = r.make();
    await (await e.exec('DownloadAndUpdate', { pkgUrl: URL, sha256: sha(newFw) })).done;
    expect(e.pendingReports()[0].resultCode).toBe(200);
    expect(sha(r.fs.files.get(TARGET)!)).toBe(sha(newFw));
    expect(r.dl.log).toHaveLength(1);
    expect(await new NodeStagingFiles().size(r.staging)).toBeNull(); // nothing staged
    // Gathered into writes of a checkpoint's worth (64 KiB here) or a buffer's (256 KiB): no write per 7000-byte chunk.
    const writes = r.fs.writes.filter((w) => w.path === `${TARGET}.new`);
    expect(writes.length).toBeLessThanOrEqual(Math.ceil(newFw.length / (64 * 1024)) + 1);
    expect(r.fs.mediumReads).toContain(`${TARGET}.new`); // the read-back asked for the medium, not the cache
  });

  it('checks the stream against the claims before the read-back: a wrong hash is 402, nothing activated', async () => {
    const r = rig();
    const e = r.make();
    await (await e.exec('DownloadAndUpdate', { pkgUrl: URL, sha256: sha(oldFw) })).done;
    expect(e.pendingReports()[0].resultCode).toBe(402);
    expect(sha(r.fs.files.get(TARGET)!)).toBe(sha(oldFw));
    expect(r.fs.mediumReads).toEqual([]); // refused on the stream's own hash, before finish()
    expect(r.fs.files.has(`${TARGET}.new`)).toBe(false); // the failed job's partial copy is not left taking space
  });

  it('a read-back that differs from the stream is 402 and the target is not activated', async () => {
    const r = rig();
    r.fs.corruptOnMedium.add(`${TARGET}.new`);
    const e = r.make();
    await (await e.exec('DownloadAndUpdate', { pkgUrl: URL, sha256: sha(newFw) })).done;
    expect(e.pendingReports()[0].resultCode).toBe(402);
    expect(sha(r.fs.files.get(TARGET)!)).toBe(sha(oldFw));
  });

  it('writes nothing when no hash is known and one is required (404)', async () => {
    const r = rig();
    const e = r.make();
    await (await e.exec('DownloadAndUpdate', { pkgUrl: URL })).done;
    expect(e.pendingReports()[0].resultCode).toBe(404);
    expect(r.fs.writes).toEqual([]);
  });

  it('journals a checkpoint after each synced 64 KiB (bytes cadence), never past the synced bytes', async () => {
    const r = rig();
    const e = r.make();
    await (await e.exec('DownloadAndUpdate', { pkgUrl: URL, sha256: sha(newFw) })).done;
    const cps = checkpoints(r.store);
    // 300,000 bytes in 7000-byte chunks: a checkpoint at the first chunk boundary past each 64 KiB step.
    expect(cps.map((c) => c!.written)).toEqual([70000, 140000, 210000, 280000]);
    for (const c of cps) expect(c!.prefixSha256).toBe(sha(newFw.subarray(0, c!.written)));
    // fsync of `.new` before each checkpoint, plus the one finish() makes before the read-back.
    expect(r.fs.syncs.get(`${TARGET}.new`)).toBe(cps.length + 1);
  });

  it('also checkpoints by time on a slow link (2 s cadence with few bytes)', async () => {
    const r = rig({ sync: { bytes: 1 << 30, ms: 2000 } });
    // Every body chunk takes 1 s of the engine clock.
    const dl = r.dl;
    const orig = dl.fetch.bind(dl);
    dl.fetch = (req, hooks) => orig(req, Object.assign({}, hooks, { onBody: (b: Uint8Array) => (r.tick(1000), hooks.onBody(b)) }));
    const e = r.make();
    await (await e.exec('DownloadAndUpdate', { pkgUrl: URL, sha256: sha(newFw) })).done;
    expect(e.pendingReports()[0].resultCode).toBe(200);
    // 43 chunks, one every second: a checkpoint every second chunk, the last one excepted (finish syncs it).
    expect(checkpoints(r.store).length).toBe(21);
  });

  it('resumes after a cut at the journaled checkpoint with Range + If-Range, re-hashing the slot prefix', async () => {
    const { r, jobId } = await cutMidStream();
    const cp = checkpoints(r.store).pop()!;
    expect(cp.written).toBeGreaterThan(0);
    r.dl.log.length = 0;
    const writesBefore = r.fs.writes.length;
    const e2 = r.make();
    await e2.resume();
    expect(r.dl.log[0]).toMatchObject({ range: `bytes=${cp.written}-`, ifRange: '"v2"', status: 206 });
    expect(r.fs.writes[writesBefore]).toMatchObject({ path: `${TARGET}.new`, offset: cp.written });
    expect(e2.pendingReports()[0]).toMatchObject({ id: jobId, resultCode: 200 });
    expect(sha(r.fs.files.get(TARGET)!)).toBe(sha(newFw));
  });

  it('starts over when the object changed while the job was cut (If-Range mismatch → 200)', async () => {
    const { r } = await cutMidStream();
    r.dl.objects.get(URL)!.etag = '"v2-rebuilt"'; // same bytes, new validator: the server answers 200
    r.dl.log.length = 0;
    const e2 = r.make();
    await e2.resume();
    expect(r.dl.log[0].status).toBe(200);
    expect(e2.pendingReports()[0].resultCode).toBe(200);
    expect(sha(r.fs.files.get(TARGET)!)).toBe(sha(newFw));
  });

  it('starts over when the slot prefix no longer hashes to the checkpoint', async () => {
    const { r } = await cutMidStream();
    r.fs.files.get(`${TARGET}.new`)![10] ^= 0xff; // the medium lost a byte of the prefix
    r.dl.log.length = 0;
    const e2 = r.make();
    await e2.resume();
    expect(r.dl.log[0].range).toBeUndefined();
    expect(e2.pendingReports()[0].resultCode).toBe(200);
    expect(sha(r.fs.files.get(TARGET)!)).toBe(sha(newFw));
  });

  it('a dropped connection continues in the same run where it broke (no re-download of the received bytes)', async () => {
    const r = rig();
    r.dl.objects.get(URL)!.breakAfter = 100_000;
    const e = r.make();
    await (await e.exec('DownloadAndUpdate', { pkgUrl: URL, sha256: sha(newFw) })).done;
    expect(r.dl.log.map((l) => l.range)).toEqual([undefined, 'bytes=98000-']);
    expect(e.pendingReports()[0].resultCode).toBe(200);
    expect(sha(r.fs.files.get(TARGET)!)).toBe(sha(newFw));
  });

  it('Download keeps the package in the target (state 40); Exec Update checks it is still there and activates it', async () => {
    const r = rig();
    const e = r.make();
    await (await e.exec('Download', { pkgUrl: URL, sha256: sha(newFw) })).done;
    expect(e.pendingReports()[0].resultCode).toBe(200);
    expect(e.state()).toBe(FumoState.DownloadComplete);
    expect(sha(r.fs.files.get(TARGET)!)).toBe(sha(oldFw)); // not activated
    expect(sha(r.fs.files.get(`${TARGET}.new`)!)).toBe(sha(newFw));
    await e.acknowledge(e.pendingReports()[0].id);
    r.dl.log.length = 0;
    await (await e.exec('Update', {})).done;
    expect(r.dl.log).toEqual([]); // nothing fetched again
    expect(e.pendingReports()[0].resultCode).toBe(200);
    expect(sha(r.fs.files.get(TARGET)!)).toBe(sha(newFw));
    expect(e.state()).toBe(FumoState.UpdateSuccessfulNoData);
  });

  it('Exec Update refuses a package that is no longer in the target as verified (402, nothing activated)', async () => {
    const r = rig();
    const e = r.make();
    await (await e.exec('Download', { pkgUrl: URL, sha256: sha(newFw) })).done;
    await e.acknowledge(e.pendingReports()[0].id);
    r.fs.files.get(`${TARGET}.new`)![0] ^= 1;
    await (await e.exec('Update', {})).done;
    expect(e.pendingReports()[0].resultCode).toBe(402);
    expect(sha(r.fs.files.get(TARGET)!)).toBe(sha(oldFw));
  });

  it('follows a download descriptor in memory, then streams the object it names', async () => {
    const r = rig();
    const dd =
      `<?xml version="1.0"?><media xmlns="http://www.openmobilealliance.org/xmlns/dd"><DDVersion>1.0</DDVersion>` +
      `<type>application/octet-stream</type><size>${newFw.length}</size><objectURI>/fw.bin</objectURI>` +
      `<installParam>sha256=${sha(newFw)}</installParam></media>`;
    r.dl.objects.set('http://127.0.0.1/pkg.dd', { body: new TextEncoder().encode(dd), contentType: 'application/vnd.oma.dd+xml' });
    const e = r.make();
    await (await e.exec('DownloadAndUpdate', { pkgUrl: 'http://127.0.0.1/pkg.dd' })).done;
    expect(r.dl.log.map((l) => l.url)).toEqual(['http://127.0.0.1/pkg.dd', URL]);
    expect(e.pendingReports()[0].resultCode).toBe(200);
    expect(sha(r.fs.files.get(TARGET)!)).toBe(sha(newFw));
    expect(r.fs.writes.every((w) => w.path === `${TARGET}.new`)).toBe(true); // the descriptor never reached the target
  });
});
