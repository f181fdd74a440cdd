// SCOMO DownloadInstall with the real dpkg on the page-cache model, shared by the Node run
// (test/scomo-dpkg-pagecache.test.ts) and the QuickJS run (test/scomo-dpkg-qjs-pagecache.test.ts). The SCOMO journal
// and outbox live in the production DurableStore over the runtime's Storage on the model (./page-cache.ts); the
// installer is the runtime's production dpkg installer, running the real `dpkg --root`/`--admindir` on a scratch root
// with a real .deb built here by dpkg-deb. dpkg's own files are real files outside the model: each exec of dpkg,
// dpkg-deb or dpkg-query is one cut point (the program never runs when the power is cut there) and what it wrote
// counts as durable once it returned, as fw_setenv does in test/powercut-pagecache.test.ts. The package file and the
// inventory (dpkg's status file) are real files too.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScomoMo, type Installer, type ScomoReport } from '../../src/scomo/index.js';
import { DurableStore } from '../../src/state/durable-store.js';
import type { Storage } from '../../src/ports/runtime.js';
import { dpkgStatusSource } from '../../platform/node/inventory.js';
import { CRASH_CHOICES, PageCache, useModel, type CrashChoice } from './page-cache.js';

export const PKG = 'sensor-app';
const STATE = '/pcm/state';
const URL = `https://updates.example.com/${PKG}_2.0_all.deb`;

export function haveDpkg(): boolean {
  try {
    for (const p of ['dpkg', 'dpkg-deb', 'dpkg-query']) execFileSync(p, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** What the runtime under test supplies: its Storage for the state dir and its dpkg installer for a root. */
export interface DpkgRuntime {
  storage(dir: string): Storage;
  installer(root: string): Installer;
  /** Points the runtime's model hooks (QuickJS os/std, helper programs) at this scenario's page cache. */
  onModel?(pc: PageCache): void;
}

/** The page cache of the running scenario: each exec of a dpkg program is a cut point on it. */
let current: PageCache | null = null;
export function dpkgCutPoint(program: string): void {
  if (current) current.step(`exec:${path.basename(program)}`);
}

export interface Fixture {
  work: string;
  /** A root with version 1.0 of the package installed: each scenario starts on a copy. */
  pristine: string;
  deb2: string;
}

function buildDeb(work: string, version: string): string {
  const dir = path.join(work, `src-${version}`);
  mkdirSync(path.join(dir, 'DEBIAN'), { recursive: true });
  mkdirSync(path.join(dir, 'opt', PKG), { recursive: true });
  writeFileSync(
    path.join(dir, 'DEBIAN', 'control'),
    `Package: ${PKG}\nVersion: ${version}\nArchitecture: all\nMaintainer: Test <t@example.com>\nDescription: ${PKG} for the SCOMO power-cut test\n built at test time\n`,
  );
  writeFileSync(path.join(dir, 'opt', PKG, 'VERSION'), version + '\n');
  const out = path.join(work, `${PKG}_${version}_all.deb`);
  execFileSync('dpkg-deb', ['--build', '--root-owner-group', dir, out], { stdio: 'ignore' });
  return out;
}

function dpkgArgs(root: string): string[] {
  return [`--root=${root}`, `--admindir=${root}/var/lib/dpkg`, `--instdir=${root}`, '--force-not-root', '--force-script-chrootless', `--log=${root}/var/log/dpkg.log`];
}

export function makeFixture(): Fixture {
  const work = mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'scomo-dpkg-pcm-')) // not node:os: the QuickJS run mocks `os`;
  const pristine = path.join(work, 'pristine');
  for (const d of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/lib/dpkg/triggers', 'var/log']) mkdirSync(path.join(pristine, d), { recursive: true });
  writeFileSync(path.join(pristine, 'var/lib/dpkg/status'), '');
  writeFileSync(path.join(pristine, 'var/lib/dpkg/available'), '');
  execFileSync('dpkg', dpkgArgs(pristine).concat(['--install', buildDeb(work, '1.0')]), { stdio: 'ignore' });
  return { work, pristine, deb2: buildDeb(work, '2.0') };
}

/** `ii 2.0` etc.: what dpkg says about the package in `root`, '' when it does not know it. */
export function installed(root: string): string {
  try {
    return execFileSync('dpkg-query', [`--admindir=${root}/var/lib/dpkg`, '--show', '--showformat=${db:Status-Abbrev} ${Version}', PKG], { encoding: 'utf8' })
      .trim()
      .replace(/\s+/g, ' '); // Status-Abbrev is three letters, the third (error flag) a space when all is well
  } catch {
    return '';
  }
}

export interface Outcome {
  points: string[];
  cut: string | null;
  accepted: boolean;
  /** Reports the recording server received (one entry per delivery). */
  received: ScomoReport[];
  /** What dpkg says at the end. */
  dpkg: string;
  /** Inventory/Deployed/<PKG>/Version as the MO shows it at the end. */
  deployed?: string;
}

let scenarioNo = 0;

/** One scenario: the power is cut at cut point `cutAt` (null: a clean run) and the next boot sees `choice`. */
export async function dpkgStory(fx: Fixture, cutAt: number | null, choice: CrashChoice, rt: DpkgRuntime): Promise<Outcome> {
  const n = ++scenarioNo;
  const root = path.join(fx.work, `root-${n}`);
  const cache = path.join(fx.work, `cache-${n}`);
  cpSync(fx.pristine, root, { recursive: true });
  mkdirSync(cache);
  const pc = new PageCache('/pcm');
  await pc.mkdir(STATE);
  useModel(pc);
  if (rt.onModel) rt.onModel(pc);
  current = pc;
  pc.cutAt = cutAt;
  const where = () => `cut at #${cutAt} (${pc.cutLabel}, ${choice})`;
  const received: ScomoReport[] = [];
  const ackedDurably = new Set<string>();
  let accepted = false;
  const make = () =>
    new ScomoMo({
      sources: [dpkgStatusSource(path.join(root, 'var/lib/dpkg/status'), { recheckMs: 0 })],
      store: new DurableStore(rt.storage(STATE), undefined, { setAside: { now: () => Date.now() } }),
      // The transfer is not under test here (test/powercut-pagecache.test.ts cuts it): the package lands in a real file.
      download: async () => {
        const dest = path.join(cache, path.basename(fx.deb2));
        copyFileSync(fx.deb2, dest);
        return { path: dest, sha256: createHash('sha256').update(readFileSync(dest)).digest('hex') };
      },
      files: { remove: async (p: string) => rmSync(p, { force: true }) },
      installer: rt.installer(root),
    });
  try {
    for (let life = 0; life < 6; life++) {
      const a = make();
      try {
        // Every boot: dpkg's database is whole (each dpkg run is atomic here) and holds one of the two versions.
        expect(installed(root), `dpkg state at boot ${life} (${where()})`).toMatch(/^ii (1\.0|2\.0)$/);
        if (life === 0) {
          await a.list('Inventory/Deployed');
          await a.add('Download/p', {});
          await a.add('Download/p/PkgURL', { data: URL });
          accepted = (await a.exec('Download/p/Operations/DownloadInstall', { correlator: 'c1' })) === 202;
        } else a.resume();
        await a.idle();
        for (const r of await a.pendingReports()) {
          expect(ackedDurably.has(r.id), `report ${r.id} re-sent after its ack was durable (${where()})`).toBe(false);
          received.push(r);
          if (await a.acknowledge(r.id)) ackedDurably.add(r.id);
        }
        if (!pc.off && life > 0 && (await a.pendingReports()).length === 0 && (await a.pendingJobs()).length === 0) {
          const deployed = await a.get(`Inventory/Deployed/${PKG}/Version`);
          return { points: pc.points.slice(), cut: pc.cutLabel, accepted, received, dpkg: installed(root), deployed: deployed.data };
        }
      } catch (e) {
        if (!pc.off) throw new Error(`${where()}: ${(e as Error).stack}`);
      }
      await a.idle().catch(() => undefined); // the dead instance's runner stops at its next write
      // The power is off after a cut even when no call of the test saw it (the job runner met it): use the choice.
      pc.crash(pc.off ? choice : 'keep');
    }
    throw new Error(`reports still pending after 6 lives (${where()})`);
  } finally {
    current = null;
    rmSync(root, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  }
}

/**
 * The invariants of one scenario: the component is installed (2.0) exactly when its report says success; an accepted
 * job has exactly one distinct final report and it is true (1200 for the package, pointing at its Deployed node); a
 * job whose Exec never reached the disk runs nowhere and reports nothing.
 */
export function checkOutcome(o: Outcome, where: string): void {
  const distinct = new Map<string, ScomoReport>();
  for (const r of o.received) distinct.set(r.id, r);
  const finals = Array.from(distinct.values());
  if (!o.accepted && finals.length === 0) {
    expect(o.dpkg, where).toBe('ii 1.0');
    return;
  }
  expect(finals.length, where).toBe(1);
  const r = finals[0];
  expect(r.correlator, where).toBe('c1');
  if (r.resultCode === 1200) {
    expect(o.dpkg, where).toBe('ii 2.0');
    expect(o.deployed, where).toBe('2.0');
    expect(r.identifier, where).toBe(PKG);
    expect(r.targetUri, where).toBe(`./SCOMO/Inventory/Deployed/${PKG}`);
  } else {
    expect(o.dpkg, `${where}: report ${r.resultCode} ${r.detail}`).toBe('ii 1.0');
  }
  // Every accepted job here can succeed: one cut is never enough to give it up (maxStarts 2).
  expect(r.resultCode, `${where}: ${r.detail}`).toBe(1200);
}

/**
 * The whole suite for one runtime's adapters: a clean run counts the cut points (state I/O and the three dpkg execs),
 * then every cut point × drop/keep/prefix is run and checked (checkOutcome). `label` names the adapters.
 */
export function everyCutSuite(label: string, rt: DpkgRuntime): void {
  let fx: Fixture;
  beforeAll(() => {
    if (haveDpkg()) fx = makeFixture();
  });
  afterAll(() => {
    useModel(null);
    if (fx) rmSync(fx.work, { recursive: true, force: true });
  });

  describe.runIf(haveDpkg())(`SCOMO with the real dpkg on the page-cache model (${label}): every cut point × drop/keep/prefix`, () => {
    it('the package is installed exactly when its one report says 1200; a report never returns after its ack was durable', async () => {
      const clean = await dpkgStory(fx, null, 'keep', rt);
      checkOutcome(clean, 'clean run');
      expect(clean).toMatchObject({ accepted: true, dpkg: 'ii 2.0', deployed: '2.0' });
      const total = clean.points.length;
      const execs = clean.points.filter((p) => p.indexOf('exec:') === 0);
      expect(execs).toEqual(['exec:dpkg-deb', 'exec:dpkg-query', 'exec:dpkg']);
      let exercised = 0;
      for (let n = 1; n <= total + 2; n++) {
        for (const choice of CRASH_CHOICES) {
          const o = await dpkgStory(fx, n, choice, rt);
          if (o.cut) exercised++;
          checkOutcome(o, `cut at #${n} (${o.cut}, ${choice})`);
        }
      }
      // eslint-disable-next-line no-console
      console.log(`SCOMO + real dpkg (${label}) on the page-cache model: ${total} cut points (${execs.length} dpkg execs), ${exercised} scenarios with a cut, failures 0`);
      expect(exercised).toBeGreaterThanOrEqual(total * CRASH_CHOICES.length);
    }, 900_000);
  });
}
