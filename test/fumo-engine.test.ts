import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import * as ed from '@noble/ed25519';
import '../src/update/manifest.js'; // installs sha512Sync for @noble/ed25519
import { startPkgServer, PkgServer } from './support/pkg-server.js';
import { PowerCut, PowerSwitch } from './support/powercut.js';
import { NodeDownloader, NodeStagingFiles } from '../platform/node/download.js';
import { FileWriter } from './support/node-writers.js';
import { CommandWriter } from './support/node-writers.js';
import { FumoEngine, FumoEngineOptions } from '../src/fumo/engine.js';
import { MemoryJournalStore } from '../src/fumo/journal.js';
import { FumoState } from '../src/fumo/state.js';
import { base64Encode, hex } from '../src/bytes.js';
import type { VerificationPolicy } from '../src/update/verify.js';
import { nodeHasher } from './support/memory-update-ports.js';

/**
 * Every scenario runs twice: with the package staged first (no hasher: whole-file writers, older ports) and in one
 * pass, streamed straight into the file writer's `.new` while hashed (src/fumo/steps.ts Stream).
 */
const MODES = [
  { mode: 'staged', extra: {} as Partial<FumoEngineOptions> },
  { mode: 'one-pass', extra: { sha256: nodeHasher } as Partial<FumoEngineOptions> },
];
let modeExtra: Partial<FumoEngineOptions> = {};

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const clock = { now: () => Date.now(), sleep: async () => undefined };
let counter = 0;
const random = { bytes: (n: number) => new Uint8Array(n).map(() => (counter++ * 37) & 0xff) };

let srv: PkgServer;
const oldFw = new Uint8Array(randomBytes(40_000));
const newFw = new Uint8Array(randomBytes(150_000));
const priv = ed.utils.randomPrivateKey();
const pub = hex(ed.getPublicKey(priv));

beforeAll(async () => {
  srv = await startPkgServer();
  srv.objects.set('/fw.bin', { body: newFw, etag: '"fw1"' });
});
afterAll(() => srv.close());

interface Rig {
  engine: FumoEngine;
  target: string;
  store: MemoryJournalStore;
  opts: FumoEngineOptions;
  make(extra?: Partial<FumoEngineOptions>): FumoEngine;
}

function rig(verification: Partial<VerificationPolicy> = {}, extra: Partial<FumoEngineOptions> = {}): Rig {
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-fumo-'));
  const target = path.join(dir, 'firmware.bin');
  writeFileSync(target, oldFw);
  const store = new MemoryJournalStore();
  const opts: FumoEngineOptions = Object.assign(
    {
      fumoUri: './FUMO',
      store,
      downloader: new NodeDownloader(),
      files: new NodeStagingFiles(),
      writer: new FileWriter(target),
      clock,
      random,
      stagingFile: path.join(dir, 'pkg.bin'),
      urlPolicy: { allowedHosts: ['127.0.0.1'] },
      verification: Object.assign({ requireSignature: false, publicKeys: [] }, verification),
      download: { backoff: { baseMs: 1, maxMs: 1, maxAttempts: 2 } },
      chunkSize: 16384,
    },
    modeExtra,
    extra,
  );
  const make = (more: Partial<FumoEngineOptions> = {}) => new FumoEngine(Object.assign({}, opts, more));
  return { engine: make(), target, store, opts, make };
}

function signed(manifest: object): { manifest: string; signature: string } {
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  return { manifest: base64Encode(bytes), signature: base64Encode(ed.sign(bytes, priv)) };
}

describe.each(MODES)('FUMO engine ($mode)', ({ mode, extra }) => {
  beforeEach(() => {
    modeExtra = extra;
  });
  /** After a failed update: the staged package is kept (70); one streamed into the target is not (80). */
  const failedHaveData = mode === 'staged' ? FumoState.UpdateFailedHaveData : FumoState.UpdateFailedNoData;
  it('DownloadAndUpdate: 202, installs, reports 200 once, cleans up to Idle after the ack', async () => {
    const r = rig();
    const states: number[] = [];
    const e = r.make({ onEvent: (ev) => ev.type === 'step' && states.push(ev.state) });
    const ans = await e.exec('DownloadAndUpdate', { pkgUrl: srv.url('/fw.bin'), correlator: 'c-42', sha256: sha(newFw) });
    expect(ans.status).toBe(202);
    await ans.done;
    expect(sha(readFileSync(r.target))).toBe(sha(newFw));
    expect(e.state()).toBe(FumoState.UpdateSuccessfulNoData);
    expect(states).toContain(FumoState.DownloadProgressing);
    expect(states).toContain(FumoState.UpdateProgressing);
    const reports = e.pendingReports();
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      id: ans.jobId,
      fumoUri: './FUMO',
      operation: 'DownloadAndUpdate',
      correlator: 'c-42',
      resultCode: 200,
      alertType: 'org.openmobilealliance.dm.firmwareupdate.downloadandupdate',
      sourceUri: './FUMO/DownloadAndUpdate',
      mark: 'informational',
    });
    expect(existsSync(r.opts.stagingFile)).toBe(false); // 100 = no data
    // A restarted engine still has the report until it is acknowledged.
    const again = r.make();
    await again.resume();
    expect(again.pendingReports().map((x) => x.id)).toEqual([ans.jobId]);
    expect(await again.acknowledge(ans.jobId as string)).toBe(true);
    expect(again.state()).toBe(FumoState.Idle);
    expect(await again.acknowledge(ans.jobId as string)).toBe(false);
    const third = r.make();
    await third.resume();
    expect(third.pendingReports()).toEqual([]);
  });

  it('Download then Update: 40 with the package kept, then 100', async () => {
    const r = rig({}, { reportSource: 'mo-root' });
    const a = await r.engine.exec('Download', { pkgUrl: srv.url('/fw.bin'), sha256: sha(newFw) });
    await a.done;
    expect(r.engine.state()).toBe(FumoState.DownloadComplete);
    expect(sha(readFileSync(r.target))).toBe(sha(oldFw)); // nothing installed yet
    expect(r.engine.pendingReports()[0]).toMatchObject({ operation: 'Download', resultCode: 200, sourceUri: './FUMO', alertType: 'org.openmobilealliance.dm.firmwareupdate.download' });
    await r.engine.acknowledge(a.jobId as string);
    expect(r.engine.state()).toBe(FumoState.DownloadComplete);
    const before = srv.log.length;
    const u = await r.engine.exec('Update', {});
    expect(u.status).toBe(202);
    await u.done;
    expect(srv.log.length).toBe(before); // no second download
    expect(sha(readFileSync(r.target))).toBe(sha(newFw));
    expect(r.engine.pendingReports().find((x) => x.id === u.jobId)).toMatchObject({ operation: 'Update', resultCode: 200 });
    expect(r.engine.state()).toBe(FumoState.UpdateSuccessfulNoData);
  });

  it('answers Exec errors synchronously: 412 without PkgURL, 405 Update without package, 417 when busy', async () => {
    const r = rig();
    expect((await r.engine.exec('DownloadAndUpdate', {})).status).toBe(412);
    expect((await r.engine.exec('Update', {})).status).toBe(405);
    srv.objects.set('/slow.bin', { body: newFw, etag: '"s"', trickle: 20000 });
    const a = await r.engine.exec('Download', { pkgUrl: srv.url('/slow.bin'), sha256: sha(newFw) });
    expect(a.status).toBe(202);
    expect((await r.engine.exec('Download', { pkgUrl: srv.url('/fw.bin') })).status).toBe(417);
    await a.done;
  });

  it.each([
    ['file:///etc/shadow'],
    ['ftp://127.0.0.1/fw.bin'],
    ['http://admin:secret@127.0.0.1/fw.bin'],
    ['http://updates.evil.example/fw.bin'],
  ])('refuses PkgURL %s: report 411, state 20, no request', async (u) => {
    const r = rig();
    const before = srv.log.length;
    const a = await r.engine.exec('DownloadAndUpdate', { pkgUrl: u, correlator: 'x' });
    expect(a.status).toBe(202);
    await a.done;
    expect(srv.log.length).toBe(before);
    expect(r.engine.state()).toBe(FumoState.DownloadFailed);
    expect(r.engine.pendingReports()[0]).toMatchObject({ resultCode: 411, mark: 'critical', correlator: 'x' });
  });

  async function failing(verification: Partial<VerificationPolicy>, request: object, url = '/fw.bin') {
    const r = rig(verification);
    const a = await r.engine.exec('DownloadAndUpdate', Object.assign({ pkgUrl: srv.url(url) }, request));
    await a.done;
    expect(sha(readFileSync(r.target))).toBe(sha(oldFw)); // the active image is untouched
    expect(existsSync(r.target + '.new')).toBe(false);
    return { code: r.engine.pendingReports()[0].resultCode, state: r.engine.state() };
  }

  it('hash mismatch → 402, nothing written', async () => {
    expect(await failing({}, { sha256: sha(oldFw) })).toEqual({ code: 402, state: FumoState.DownloadFailed });
  });

  it('no hash known at all → 404', async () => {
    expect((await failing({}, {})).code).toBe(404);
  });

  it('signed manifest: valid → installs; bad signature → 404; other hardware → 403; downgrade → 405', async () => {
    const policy = { requireSignature: true, publicKeys: [pub], hardware: 'gw-1', currentVersion: '2.0.0', refuseDowngrade: true };
    const good = signed({ sha256: sha(newFw), size: newFw.length, version: '2.1.0', hardware: ['gw-1'] });
    const r = rig(policy);
    const a = await r.engine.exec('DownloadAndUpdate', Object.assign({ pkgUrl: srv.url('/fw.bin') }, good));
    await a.done;
    expect(r.engine.pendingReports()[0].resultCode).toBe(200);
    expect(sha(readFileSync(r.target))).toBe(sha(newFw));

    const forged = Object.assign({}, good, { signature: signed({ sha256: sha(oldFw), version: '2.1.0', hardware: ['gw-1'] }).signature });
    expect((await failing(policy, forged)).code).toBe(404);
    expect((await failing(policy, { manifest: good.manifest })).code).toBe(404); // unsigned
    expect((await failing(policy, { sha256: sha(newFw) })).code).toBe(404); // no manifest at all
    expect((await failing(policy, signed({ sha256: sha(newFw), version: '2.1.0', hardware: ['gw-9'] }))).code).toBe(403);
    expect((await failing(policy, signed({ sha256: sha(newFw), version: '1.9.9', hardware: ['gw-1'] }))).code).toBe(405);
    expect((await failing(policy, signed({ sha256: sha(oldFw), version: '2.2.0', hardware: ['gw-1'] }))).code).toBe(402);
  });

  it('follows an OMA DL descriptor, checks its size and posts install-notify', async () => {
    const dd = (size: number, extra = '') =>
      `<?xml version="1.0"?><media xmlns="http://www.openmobilealliance.org/xmlns/dd"><DDVersion>1.0</DDVersion>` +
      `<type>application/octet-stream</type><size>${size}</size><objectURI>/fw.bin</objectURI>` +
      `<installNotifyURI>/notify/1</installNotifyURI><installParam>sha256=${sha(newFw)};x=y</installParam>${extra}</media>`;
    srv.objects.set('/pkg.dd', { body: new TextEncoder().encode(dd(newFw.length)), contentType: 'application/vnd.oma.dd+xml' });
    srv.objects.set('/bad.dd', { body: new TextEncoder().encode(dd(newFw.length + 1)), contentType: 'application/vnd.oma.dd+xml' });
    srv.objects.set('/v2.dd', { body: new TextEncoder().encode(dd(1).replace('<DDVersion>1.0', '<DDVersion>2.0')), contentType: 'application/vnd.oma.dd+xml' });
    const r = rig();
    srv.log.length = 0;
    const a = await r.engine.exec('DownloadAndUpdate', { pkgUrl: srv.url('/pkg.dd') });
    await a.done;
    expect(r.engine.pendingReports()[0].resultCode).toBe(200);
    expect(sha(readFileSync(r.target))).toBe(sha(newFw));
    expect(srv.log.find((l) => l.method === 'POST')).toMatchObject({ path: '/notify/1', body: '900 Success', contentType: 'text/plain' });

    srv.log.length = 0;
    const b = rig();
    await (await b.engine.exec('DownloadAndUpdate', { pkgUrl: srv.url('/bad.dd') })).done;
    expect(b.engine.pendingReports()[0].resultCode).toBe(402);
    expect(srv.log.find((l) => l.method === 'POST')).toMatchObject({ body: '905 Attribute mismatch' });
    expect(sha(readFileSync(b.target))).toBe(sha(oldFw));

    const c = rig();
    await (await c.engine.exec('Download', { pkgUrl: srv.url('/v2.dd') })).done;
    expect(c.engine.pendingReports()[0].resultCode).toBe(411);

    // An object larger than the package may be (the package cap; the staging space, the slot): 501 and 901 before
    // any byte of it is fetched.
    srv.objects.set('/huge.dd', { body: new TextEncoder().encode(dd(1e15)), contentType: 'application/vnd.oma.dd+xml' });
    srv.log.length = 0;
    const h = rig({}, { download: { maxSize: 1e9, backoff: { baseMs: 1, maxMs: 1, maxAttempts: 2 } } });
    await (await h.engine.exec('DownloadAndUpdate', { pkgUrl: srv.url('/huge.dd') })).done;
    expect(h.engine.pendingReports()[0].resultCode).toBe(501);
    expect(srv.log.filter((l) => l.path === '/fw.bin')).toEqual([]);
    expect(srv.log.find((l) => l.method === 'POST')).toMatchObject({ body: '901 Insufficient memory' });
  });


  it('a failed health check after a file update restores the previous image (410, state 70 staged / 80 one-pass)', async () => {
    const r = rig({}, { health: { check: async () => false } });
    await (await r.engine.exec('DownloadAndUpdate', { pkgUrl: srv.url('/fw.bin'), sha256: sha(newFw) })).done;
    expect(r.engine.pendingReports()[0]).toMatchObject({ resultCode: 410, mark: 'critical' });
    expect(r.engine.state()).toBe(failedHaveData);
    expect(sha(readFileSync(r.target))).toBe(sha(oldFw));
  });

  it('gives up after repeated reboots that do not switch (410 via rollback)', async () => {
    let reboots = 0;
    const writer = {
      kind: 'stuck',
      needsReboot: true,
      begin: async () => undefined,
      writeChunk: async () => undefined,
      finish: async () => undefined,
      activate: async () => undefined,
      commit: async () => undefined,
      rollback: async () => undefined,
      status: async () => ({ bootedSlot: 'A', primarySlot: 'B', targetSlot: 'B', pendingCommit: true }),
    };
    const r = rig({}, { writer, rebooter: { reboot: async () => void reboots++ } });
    const a = await r.engine.exec('DownloadAndUpdate', { pkgUrl: srv.url('/fw.bin'), sha256: sha(newFw) });
    await a.done;
    for (let i = 0; i < 5 && r.engine.pendingReports().length === 0; i++) await r.make({ writer, rebooter: { reboot: async () => void reboots++ } }).resume();
    const e = r.make({ writer });
    await e.resume();
    expect(reboots).toBe(3);
    expect(e.pendingReports()[0]).toMatchObject({ resultCode: 410 });
  });

  it('an acknowledgement racing a new report loses neither (slow journal store)', async () => {
    const mem = new MemoryJournalStore();
    const slow = {
      get: (n: string) => mem.get(n),
      put: (n: string, v: unknown) => new Promise<void>((res) => setTimeout(() => void mem.put(n, v).then(res), 5)),
    };
    const r = rig({}, { store: slow });
    const e = r.make({ store: slow });
    const first = await e.exec('Download', { pkgUrl: 'ftp://127.0.0.1/x' });
    await first.done;
    const second = await e.exec('Download', { pkgUrl: 'file:///x' });
    const ack = e.acknowledge(first.jobId as string); // while job 2 runs towards its Report step
    await Promise.all([ack, second.done]);
    expect(e.pendingReports().map((x) => x.id)).toEqual([second.jobId]);
    const reloaded = r.make({ store: slow });
    await reloaded.resume();
    expect(reloaded.pendingReports().map((x) => x.id)).toEqual([second.jobId]);
  });

  it('command writer: the engine hands over the verified file; an installer refusal maps to its result code', async () => {
    const r = rig();
    const installed = r.target + '.installed';
    const ok = r.make({ writer: new CommandWriter({ install: ['sh', '-c', 'cp "$0" "$1"', '{file}', installed], needsReboot: false }) });
    const a = await ok.exec('DownloadAndUpdate', { pkgUrl: srv.url('/fw.bin'), sha256: sha(newFw) });
    await a.done;
    expect(ok.pendingReports()[0]).toMatchObject({ resultCode: 200 });
    expect(sha(readFileSync(installed))).toBe(sha(newFw));
    const r2 = rig();
    const refused = r2.make({ writer: new CommandWriter({ install: ['sh', '-c', 'exit 1'], exitCodes: { 1: 403 }, needsReboot: false }) });
    await (await refused.exec('DownloadAndUpdate', { pkgUrl: srv.url('/fw.bin'), sha256: sha(newFw) })).done;
    expect(refused.pendingReports()[0]).toMatchObject({ resultCode: 403 });
    expect(refused.state()).toBe(FumoState.UpdateFailedHaveData);
  });

  it('a rollback that fails still ends in one report naming both failures (no loop)', async () => {
    const writer = {
      kind: 'broken',
      needsReboot: false,
      begin: async () => undefined,
      writeChunk: async () => undefined,
      finish: async () => undefined,
      activate: async () => undefined,
      commit: async () => undefined,
      rollback: async () => {
        throw new Error('env device gone');
      },
      status: async () => ({ pendingCommit: true }),
    };
    const r = rig({}, { writer, health: { check: async () => false } });
    await (await r.engine.exec('DownloadAndUpdate', { pkgUrl: srv.url('/fw.bin'), sha256: sha(newFw) })).done;
    const reports = r.engine.pendingReports();
    expect(reports).toHaveLength(1);
    expect(reports[0].resultCode).toBe(410);
    expect(reports[0].message).toMatch(/health check failed.*rollback failed: env device gone/);
    expect(r.engine.state()).toBe(failedHaveData);
    expect(r.engine.job()!.step).toBe('Done');
  });

  it('download failure after retries → 412/503 style codes and state 20', async () => {
    const r = rig();
    srv.objects.set('/down', { body: newFw, status: 503 });
    await (await r.engine.exec('Download', { pkgUrl: srv.url('/down'), sha256: sha(newFw) })).done;
    expect(r.engine.pendingReports()[0].resultCode).toBe(412);
    expect(r.engine.state()).toBe(FumoState.DownloadFailed);
  });
});

describe('FUMO engine (staged)', () => {
  beforeEach(() => {
    modeExtra = {};
  });
  it('resumes a staged download across a process kill with Range (one pass: test/update-stream, the page-cache model)', async () => {
    const r = rig();
    const power = new PowerSwitch(5);
    const hooked = { get: (n: string) => r.store.get(n), put: (n: string, v: unknown) => (power.tick(`journal:${n}`), r.store.put(n, v)) };
    const dying = r.make({ store: hooked, downloader: new NodeDownloader({ onDurableWrite: power.tick, writeBufferBytes: 16384 }) });
    const a = await dying.exec('DownloadAndUpdate', { pkgUrl: srv.url('/fw.bin'), sha256: sha(newFw) });
    await expect(a.done).rejects.toBeInstanceOf(PowerCut);
    const partial = readFileSync(r.opts.stagingFile).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(newFw.length);
    srv.log.length = 0;
    const reborn = r.make();
    await reborn.resume();
    expect(srv.log[0].range).toBe(`bytes=${partial}-`);
    expect(srv.log[0].ifRange).toBe('"fw1"');
    expect(reborn.pendingReports()[0]).toMatchObject({ id: a.jobId, resultCode: 200 });
    expect(sha(readFileSync(r.target))).toBe(sha(newFw));
  });
});
