import { beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { FwEnv, writeFileEnvConfig } from '../platform/node/flash/fw-env.js';
import { UbootAbWriter, Slot } from './support/node-writers.js';
import { simulateBoot } from '../platform/node/flash/uboot-sim.js';
import { FileWriter } from './support/node-writers.js';
import { CommandWriter } from './support/node-writers.js';
import { UpdateError } from '../src/update/errors.js';
import type { ImageMeta, StreamingWriter } from '../src/ports/update.js';
import { fumoResultFor } from '../src/fumo/result-codes.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const meta = (b: Uint8Array): ImageMeta => ({ size: b.length, sha256: sha(b) });

async function writeAll(w: StreamingWriter, img: Uint8Array, chunk = 4096) {
  await w.begin(meta(img));
  for (let o = 0; o < img.length; o += chunk) await w.writeChunk(img.subarray(o, o + chunk));
  await w.finish();
}

async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    if (e instanceof UpdateError) return fumoResultFor(e);
    throw e;
  }
  throw new Error('expected an UpdateError');
}

interface Rig {
  dir: string;
  env: FwEnv;
  cmdline: string;
  slots: { A: string; B: string };
  writer: () => UbootAbWriter;
  booted: () => Slot;
}

function rig(): Rig {
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-ab-'));
  const cfg = path.join(dir, 'fw_env.config');
  writeFileSync(path.join(dir, 'env0'), Buffer.alloc(0x4000));
  writeFileSync(path.join(dir, 'env1'), Buffer.alloc(0x4000));
  writeFileEnvConfig(cfg, path.join(dir, 'env0'), path.join(dir, 'env1'));
  const def = path.join(dir, 'default.env');
  writeFileSync(def, 'dm_slot=A\ndm_A_ok=1\ndm_B_ok=0\nbootlimit=3\nupgrade_available=0\nbootcount=0\n');
  const env = new FwEnv({ config: cfg, defaultEnv: def });
  const slots = { A: path.join(dir, 'slotA'), B: path.join(dir, 'slotB') };
  const cmdline = path.join(dir, 'cmdline');
  const booted = () => (/dm\.slot=([AB])/.exec(readFileSync(cmdline, 'utf8')) as RegExpExecArray)[1] as Slot;
  return {
    dir,
    env,
    cmdline,
    slots,
    booted,
    writer: () => new UbootAbWriter({ slots, env, bootedSlot: async () => booted() }),
  };
}

describe('uboot-ab writer with the real fw_setenv', () => {
  let r: Rig;
  const oldImg = new Uint8Array(randomBytes(50_000));
  const newImg = new Uint8Array(randomBytes(70_000));
  beforeEach(async () => {
    r = rig();
    writeFileSync(r.slots.A, oldImg);
    writeFileSync(r.slots.B, Buffer.alloc(0));
    await r.env.write({ dm_slot: 'A', dm_A_ok: '1', dm_B_ok: '0', bootlimit: '3', upgrade_available: '0', bootcount: '0' });
    expect((await simulateBoot(r.env, r.cmdline)).slot).toBe('A');
  });

  it('writes the inactive slot, switches in one env write, boots it and commits', async () => {
    const w = r.writer();
    await w.begin(meta(newImg));
    expect((await r.env.read()).dm_B_ok).toBe('0'); // marked bad before any byte
    for (let o = 0; o < newImg.length; o += 8192) await w.writeChunk(newImg.subarray(o, o + 8192));
    await w.finish();
    expect(sha(readFileSync(r.slots.B))).toBe(sha(newImg));
    expect((await r.env.read()).dm_slot).toBe('A'); // not switched until activate
    await w.activate();
    expect(await r.env.read()).toMatchObject({ dm_slot: 'B', dm_B_ok: '1', upgrade_available: '1', bootcount: '0' });
    expect((await simulateBoot(r.env, r.cmdline)).slot).toBe('B');
    const after = r.writer();
    expect(await after.status()).toMatchObject({ bootedSlot: 'B', primarySlot: 'B', pendingCommit: true });
    await after.commit();
    expect(await r.env.read()).toMatchObject({ upgrade_available: '0', bootcount: '0' });
    for (let i = 0; i < 5; i++) expect((await simulateBoot(r.env, r.cmdline)).slot).toBe('B');
  });

  it('falls back to the old slot when the new image never commits (boot counter)', async () => {
    const w = r.writer();
    await writeAll(w, newImg);
    await w.activate();
    const seen: (string | null)[] = [];
    for (let i = 0; i < 5; i++) seen.push((await simulateBoot(r.env, r.cmdline)).slot);
    expect(seen).toEqual(['B', 'B', 'B', 'A', 'A']); // bootlimit 3 trials, then altbootcmd
    const env = await r.env.read();
    expect(env).toMatchObject({ dm_slot: 'A', dm_B_ok: '0', upgrade_available: '0' });
    // On A, the agent sees it did not come back on B.
    expect(await r.writer().status()).toMatchObject({ bootedSlot: 'A', pendingCommit: false });
  });

  it('rollback on the trial slot returns to the old slot at the next boot', async () => {
    const w = r.writer();
    await writeAll(w, newImg);
    await w.activate();
    await simulateBoot(r.env, r.cmdline);
    await r.writer().rollback();
    expect((await simulateBoot(r.env, r.cmdline)).slot).toBe('A');
    expect((await r.env.read()).dm_B_ok).toBe('0');
  });

  it('a read-back mismatch fails with 402 (corrupted package) and leaves the old slot primary', async () => {
    const w = r.writer();
    await w.begin({ size: newImg.length, sha256: sha(oldImg) });
    await w.writeChunk(newImg);
    expect(await codeOf(w.finish())).toBe(402);
    expect((await r.env.read()).dm_slot).toBe('A');
    expect((await simulateBoot(r.env, r.cmdline)).slot).toBe('A');
    expect(sha(readFileSync(r.slots.A))).toBe(sha(oldImg));
  });

  it('refuses to overwrite the fallback slot while the running slot is on trial', async () => {
    const w = r.writer();
    await writeAll(w, newImg);
    await w.activate();
    await simulateBoot(r.env, r.cmdline); // on B, not committed
    expect(await codeOf(r.writer().begin(meta(oldImg)))).toBe(410);
    expect(sha(readFileSync(r.slots.A))).toBe(sha(oldImg));
  });

  it('a torn env write falls back to the older copy (redundant env)', async () => {
    const w = r.writer();
    await writeAll(w, newImg);
    await w.activate();
    // Corrupt the copy with the higher flag: the one written last.
    const copies = [path.join(r.dir, 'env0'), path.join(r.dir, 'env1')].map((p) => ({ p, b: readFileSync(p) }));
    const newest = copies[0].b[4] === ((copies[1].b[4] + 1) & 0xff) ? copies[0] : copies[1];
    newest.b[10] ^= 0xff;
    writeFileSync(newest.p, newest.b);
    expect((await r.env.read()).dm_slot).toBe('A');
    expect((await simulateBoot(r.env, r.cmdline)).slot).toBe('A');
  });
});

describe('file writer', () => {
  it('activates atomically, keeps the previous image until commit, and rolls back', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dm-fw-'));
    const target = path.join(dir, 'firmware.bin');
    const v1 = new Uint8Array(randomBytes(10_000));
    const v2 = new Uint8Array(randomBytes(12_000));
    writeFileSync(target, v1);
    const w = new FileWriter(target);
    await writeAll(w, v2, 1000);
    expect(sha(readFileSync(target))).toBe(sha(v1));
    await w.activate();
    expect(sha(readFileSync(target))).toBe(sha(v2));
    expect(await w.status()).toEqual({ pendingCommit: true });
    await w.rollback();
    expect(sha(readFileSync(target))).toBe(sha(v1));
    await writeAll(w, v2, 1000);
    await w.activate();
    await w.commit();
    expect(existsSync(target + '.prev')).toBe(false);
    expect(sha(readFileSync(target))).toBe(sha(v2));
  });

  it('refuses more bytes than announced (410) and a wrong read-back hash (402)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dm-fw-'));
    const w = new FileWriter(path.join(dir, 'fw.bin'));
    await w.begin({ size: 3, sha256: sha(new Uint8Array([1, 2, 3])) });
    expect(await codeOf(w.writeChunk(new Uint8Array(4)))).toBe(410);
    await w.begin({ size: 3, sha256: sha(new Uint8Array([1, 2, 3])) });
    await w.writeChunk(new Uint8Array([1, 2, 4]));
    expect(await codeOf(w.finish())).toBe(402);
  });
});

describe('command writer', () => {
  it('passes the file and maps exit codes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dm-cw-'));
    const out = path.join(dir, 'installed');
    const ok = new CommandWriter({ install: ['sh', '-c', 'cp "$0" "$1"', '{file}', out] });
    const src = path.join(dir, 'img');
    writeFileSync(src, 'IMAGE');
    await ok.installFile(src, { size: 5, sha256: '' });
    expect(readFileSync(out, 'utf8')).toBe('IMAGE');
    const bad = new CommandWriter({ install: ['sh', '-c', 'exit 1'], exitCodes: { 1: 403 } });
    expect(await codeOf(bad.installFile(src, { size: 5, sha256: '' }))).toBe(403);
    const other = new CommandWriter({ install: ['sh', '-c', 'exit 7'] });
    expect(await codeOf(other.installFile(src, { size: 5, sha256: '' }))).toBe(410);
    const missing = new CommandWriter({ install: ['/nonexistent/rauc', 'install', '{file}'] });
    expect(await codeOf(missing.installFile(src, { size: 5, sha256: '' }))).toBe(410);
  });
});

describe('writer factory (fumo.writer → writer, src/update/writers/factory.ts)', () => {
  it('builds the writer of each type over the runtime ports', async () => {
    const { parseWriterConfig } = await import('../src/agent/fumo-writer-config.js');
    const { createFlashWriter } = await import('../src/update/writers/factory.js');
    const { nodeWriterPorts } = await import('../platform/node/writer-ports.js');
    const make = (raw: unknown) => createFlashWriter(parseWriterConfig(raw), nodeWriterPorts);
    expect(make({ type: 'uboot-ab', slotA: '/dev/a', slotB: '/dev/b' })).toMatchObject({ kind: 'uboot-ab', needsReboot: true });
    expect(make({ type: 'file', path: '/tmp/fw.bin' })).toMatchObject({ kind: 'file', needsReboot: false });
    const rauc = make({ type: 'command', installer: 'rauc' });
    expect(rauc).toMatchObject({ kind: 'command', needsReboot: true, spec: { install: ['rauc', 'install', '{file}'], rollback: ['rauc', 'status', 'mark-bad', '{slot}'] } });
    expect('installFile' in rauc).toBe(true);
    expect(make({ type: 'command', install: ['flash', '{file}'], exitCodes: { '3': 403 }, needsReboot: false })).toMatchObject({ kind: 'command', needsReboot: false });
  });
});
