// The update pipeline on QuickJS: curl downloads with resume (Range/If-Range, restart on a changed object), the
// FUMO engine with uboot-ab over the real fw_setenv, reboot into the new slot (boot simulator), commit and report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { bundleForQjs, ensureQjsAsync, qjsArches, qjsCommand, qjsSkipReason, runQjs, scratchDir, type QjsArch } from './support/qjs.js';
import { startPkgServer, PkgServer } from './support/pkg-server.js';
import { FwEnv } from '../platform/node/flash/fw-env.js';
import { simulateBoot } from '../platform/node/flash/uboot-sim.js';
import { sidecarName } from '../src/update/download.js';
import { fileEnvFiles } from './support/file-env.js';

const skip = qjsSkipReason('host');
if (skip) console.warn(`[update on QuickJS] skipped: ${skip}`);

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const oldFw = new Uint8Array(randomBytes(50_000));
const newFw = new Uint8Array(randomBytes(300_000));
let srv: PkgServer;
let work = '';
let bundle = '';

beforeAll(async () => {
  srv = await startPkgServer();
  if (skip) return;
  for (const a of qjsArches()) if (!a.skip) await ensureQjsAsync(a.arch);
  work = scratchDir('update-qjs');
  bundle = await bundleForQjs('test/update.qjs-entry.ts', path.join(work, 'update.js'));
}, 900_000);
afterAll(async () => {
  await srv.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function qjs(args: object, arch: QjsArch = 'host') {
  const r = await runQjs(arch, bundle, [JSON.stringify(args)], { timeoutMs: 300_000 });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

for (const { arch, skip: archSkip } of qjsArches()) {
  if (archSkip) console.warn(`[update on QuickJS ${arch}] skipped: ${archSkip}`);
  describe.skipIf(!!skip || !!archSkip)(`A/B update on QuickJS (${arch})`, () => {
  it('DownloadAndUpdate with uboot-ab: resume after a dropped connection, reboot into B, commit, report 200', async () => {
    srv.objects.set('/q.bin', { body: newFw, etag: '"q1"', cutAfter: 100_000, cutOnce: true });
    // Staged (no hasher given): the one-pass install has its own test below.
    const { env, cmdline, args: device } = await abDevice(path.join(work, `ab-${arch}`));
    const slots = device.slots;
    const args = Object.assign({ url: srv.url('/q.bin'), sha256: sha(newFw) }, device);
    srv.log.length = 0;
    const first = await qjs(Object.assign({ mode: 'exec' }, args), arch);
    expect(first).toMatchObject({ status: 202, reboot: true, state: 60, reports: [] });
    const gets = srv.log.filter((l) => l.path === '/q.bin');
    expect(gets.length).toBe(2);
    expect(gets[1].range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(gets[1].ifRange).toBe('"q1"');
    expect(sha(readFileSync(slots.B))).toBe(sha(newFw));
    expect(await env.read()).toMatchObject({ dm_slot: 'B', upgrade_available: '1' });
    expect((await simulateBoot(env, cmdline)).slot).toBe('B');
    const second = await qjs(Object.assign({ mode: 'resume' }, args), arch);
    expect(second).toMatchObject({
      reboot: false,
      state: 100,
      reports: [[200, 'qjs-1', 'org.openmobilealliance.dm.firmwareupdate.downloadandupdate']],
      stateAfterAck: 10,
    });
    expect(await env.read()).toMatchObject({ dm_slot: 'B', upgrade_available: '0' });
  }, 600_000);
  });
}

/** An A/B device with file slots and a file-backed U-Boot env: A runs the old image, B is marked bad. */
async function abDevice(dir: string) {
  mkdirSync(dir, { recursive: true });
  const { cfg, def, slots } = fileEnvFiles(dir, oldFw);
  const env = new FwEnv({ config: cfg, defaultEnv: def });
  await env.write({ dm_slot: 'A', dm_A_ok: '1', dm_B_ok: '0', bootlimit: '3', upgrade_available: '0', bootcount: '0' });
  const cmdline = path.join(dir, 'cmdline');
  expect((await simulateBoot(env, cmdline)).slot).toBe('A');
  return { env, cmdline, args: { dir, cfg, def, cmdline, slots } };
}

/** The journal's streamed-install checkpoint, as the engine last wrote it (null while there is none). */
function streamCheckpoint(dir: string): { written: number; validator?: string } | null {
  const f = path.join(dir, 'state', 'fumo.json');
  if (!existsSync(f)) return null;
  try {
    const doc = JSON.parse(readFileSync(f, 'utf8')) as { job?: { stream?: { written: number; validator?: string } } };
    return doc.job && doc.job.stream && doc.job.stream.written > 0 ? doc.job.stream : null;
  } catch {
    return null; // caught between the write and the rename: the next poll reads it
  }
}

for (const { arch, skip: archSkip } of qjsArches()) {
  describe.skipIf(!!skip || !!archSkip)(`one-pass install on QuickJS (${arch})`, () => {
    it('SIGKILL in the middle of the streamed write: the next run resumes at the journaled checkpoint (Range + If-Range), one report 200', async () => {
      srv.objects.set('/s.bin', { body: newFw, etag: '"s1"', trickle: 16384 }); // ~330 kB/s: about a second
      const dir = path.join(work, `onepass-${arch}`);
      const d = await abDevice(dir);
      const args = Object.assign({ url: srv.url('/s.bin'), sha256: sha(newFw), onePass: true, sync: { bytes: 64 * 1024, ms: 1e9 } }, d.args);
      srv.log.length = 0;
      const [cmd, ...pre] = qjsCommand(arch);
      const child = spawn(cmd, [...pre, '-m', bundle, JSON.stringify(Object.assign({ mode: 'exec' }, args))], { stdio: 'ignore' });
      const exited = new Promise<void>((r) => child.on('exit', () => r()));
      let cp: { written: number; validator?: string } | null = null;
      for (let i = 0; i < 600 && cp === null; i++) {
        await new Promise((r) => setTimeout(r, 20));
        cp = streamCheckpoint(dir);
      }
      child.kill('SIGKILL');
      await exited;
      expect(cp, 'a checkpoint was journaled before the kill').not.toBeNull();
      const at = streamCheckpoint(dir)!; // the last one before the kill (the poll may have seen an earlier one)
      expect(at.written).toBeLessThan(newFw.length);
      expect(existsSync(path.join(dir, 'pkg.bin')), 'nothing staged: the bytes went to slot B').toBe(false);
      srv.objects.set('/s.bin', { body: newFw, etag: '"s1"' });
      srv.log.length = 0;
      const resumed = await qjs(Object.assign({ mode: 'resume' }, args), arch);
      expect(srv.log.filter((l) => l.path === '/s.bin')[0]).toMatchObject({ range: `bytes=${at.written}-`, ifRange: '"s1"' });
      expect(resumed).toMatchObject({ reboot: true, state: 60, reports: [] });
      expect(sha(readFileSync(d.args.slots.B))).toBe(sha(newFw));
      expect((await simulateBoot(d.env, d.cmdline)).slot).toBe('B');
      const second = await qjs(Object.assign({ mode: 'resume' }, args), arch);
      expect(second).toMatchObject({ state: 100, reports: [[200, 'qjs-1', 'org.openmobilealliance.dm.firmwareupdate.downloadandupdate']] });
    }, 600_000);
  });
}

describe.skipIf(!!skip)('update pipeline on QuickJS (host)', () => {
  it('restarts from 0 when the object changed (If-Range mismatch → 200, curl exit 33)', async () => {
    const dir = path.join(work, 'chg');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'dl.bin');
    writeFileSync(file, oldFw.subarray(0, 20_000));
    writeFileSync(sidecarName(file), JSON.stringify({ url: srv.url('/c.bin'), validator: '"old"', total: oldFw.length }));
    srv.objects.set('/c.bin', { body: newFw, etag: '"new"' });
    srv.log.length = 0;
    const out = await qjs({ mode: 'download', url: srv.url('/c.bin'), dir });
    expect(out.size).toBe(newFw.length);
    expect(sha(readFileSync(file))).toBe(sha(newFw));
    expect(srv.log[0]).toMatchObject({ range: 'bytes=20000-', ifRange: '"old"' });
  }, 60_000);

  it('low-speed abort → 503, a capped download completes, bad URL → 411 without curl', async () => {
    const dir = path.join(work, 'speed');
    mkdirSync(dir, { recursive: true });
    srv.objects.set('/trickle.bin', { body: newFw, etag: '"t"', trickle: 200 });
    const slow = await qjs({ mode: 'download', url: srv.url('/trickle.bin'), dir, lowSpeed: { bytesPerSecond: 50_000, windowMs: 1000 }, maxAttempts: 1 });
    expect(slow.error.code).toBe(503);
    const big = new Uint8Array(randomBytes(3_000_000));
    srv.objects.set('/capped.bin', { body: big, etag: '"c"' });
    rmSync(path.join(dir, 'dl.bin'), { force: true });
    rmSync(path.join(dir, 'dl.bin.part.json'), { force: true });
    const capped = await qjs({ mode: 'download', url: srv.url('/capped.bin'), dir, maxBytesPerSecond: 1_000_000 });
    expect(capped.size).toBe(big.length);
    // No timing assertion here: curl 7.88's --limit-rate lets bursts through on loopback (measured 0.3-1 s for the
    // ideal 3 s), so only the Node adapter's own pacing is timed (update-download.test.ts). This checks the option
    // reaches curl without breaking the transfer.
    const before = srv.log.length;
    const bad = await qjs({ mode: 'download', url: 'file:///etc/passwd', dir });
    expect(bad.error.code).toBe(411);
    expect(srv.log.length).toBe(before);
  }, 60_000);

  it('command writer: hands the verified file to the installer and maps its exit code', async () => {
    srv.objects.set('/cmd.bin', { body: newFw, etag: '"m"' });
    const ok = path.join(work, 'cmd-ok');
    mkdirSync(ok, { recursive: true });
    const installed = path.join(ok, 'installed.bin');
    const good = await qjs({ mode: 'command', url: srv.url('/cmd.bin'), sha256: sha(newFw), dir: ok, install: ['sh', '-c', 'cp "$0" "$1"', '{file}', installed] });
    expect(good.reports).toEqual([[200, 'qjs-1', 'org.openmobilealliance.dm.firmwareupdate.downloadandupdate']]);
    expect(sha(readFileSync(installed))).toBe(sha(newFw));
    const bad = path.join(work, 'cmd-bad');
    mkdirSync(bad, { recursive: true });
    const refused = await qjs({ mode: 'command', url: srv.url('/cmd.bin'), sha256: sha(newFw), dir: bad, install: ['sh', '-c', 'exit 1'], exitCodes: { 1: 403 } });
    expect(refused.reports[0][0]).toBe(403);
  }, 60_000);

  it('follows a download descriptor and refuses one that cannot fit (501)', async () => {
    const dd = (size: number, obj: string) =>
      `<media xmlns="http://www.openmobilealliance.org/xmlns/dd"><type>application/octet-stream</type><size>${size}</size>` +
      `<objectURI>${obj}</objectURI><installNotifyURI>/notify/q</installNotifyURI><installParam>sha256=${sha(newFw)}</installParam></media>`;
    srv.objects.set('/dd-obj.bin', { body: newFw, etag: '"d"' });
    srv.objects.set('/q.dd', { body: new TextEncoder().encode(dd(newFw.length, '/dd-obj.bin')), contentType: 'application/vnd.oma.dd+xml' });
    srv.objects.set('/huge-q.dd', { body: new TextEncoder().encode(dd(1e15, '/dd-obj.bin')), contentType: 'application/vnd.oma.dd+xml' });
    const dir = path.join(work, 'dd');
    mkdirSync(dir, { recursive: true });
    const target = path.join(dir, 'firmware.bin');
    writeFileSync(target, oldFw);
    srv.log.length = 0;
    const ok = await qjs({ mode: 'file', url: srv.url('/q.dd'), dir, target });
    expect(ok.reports).toEqual([[200, 'qjs-1', 'org.openmobilealliance.dm.firmwareupdate.downloadandupdate']]);
    expect(sha(readFileSync(target))).toBe(sha(newFw));
    expect(srv.log.find((l) => l.method === 'POST')).toMatchObject({ path: '/notify/q', body: '900 Success' });
    const dir2 = path.join(work, 'dd2');
    mkdirSync(dir2, { recursive: true });
    writeFileSync(path.join(dir2, 'firmware.bin'), oldFw);
    const huge = await qjs({ mode: 'file', url: srv.url('/huge-q.dd'), dir: dir2, target: path.join(dir2, 'firmware.bin') });
    expect(huge.reports[0][0]).toBe(501);
  }, 60_000);

  it('file writer: installs and commits without a reboot', async () => {
    srv.objects.set('/f.bin', { body: newFw, etag: '"f"' });
    const dir = path.join(work, 'file');
    mkdirSync(dir, { recursive: true });
    const target = path.join(dir, 'firmware.bin');
    writeFileSync(target, oldFw);
    const out = await qjs({ mode: 'file', url: srv.url('/f.bin'), sha256: sha(newFw), dir, target });
    expect(out).toMatchObject({ status: 202, reboot: false, state: 100, reports: [[200, 'qjs-1', 'org.openmobilealliance.dm.firmwareupdate.downloadandupdate']] });
    expect(sha(readFileSync(target))).toBe(sha(newFw));
  }, 60_000);
});
