// One "life" of the agent's FUMO engine for test/fumo-truth.test.ts, runtime-free so the SAME code runs on Node (in
// the test process) and on QuickJS (bundled by test/fumo-truth.qjs-entry.ts): the caller passes its runtime's
// adapters (downloader, staging files, journal store, A/B writer over the real fw_setenv, device reader under a fake
// sysRoot giving the boot id and DevDetail FwV). A life is: Exec or resume, optionally a second resume in the same
// process (what the agent's runPendingJobs does after a session), then the server acknowledges every pending report.

import { FumoEngine } from '../../src/fumo/engine.js';
import type { JsonStore } from '../../src/ports/runtime.js';
import type { Clock, DeviceInfoReader, Log, Random } from '../../src/ports/runtime.js';
import type { Downloader, StagingFiles, StreamingWriter } from '../../src/ports/update.js';

export interface LifeArgs {
  mode: 'exec' | 'resume';
  url: string;
  sha256: string;
  /** PkgVersion node value sent with the Exec. */
  pkgVersion?: string;
  /** fumo.reboot [] (the operator reboots) instead of a reboot command. */
  manual: boolean;
  /** Resume again in the same process after the first run stopped. */
  resumeAgain?: boolean;
  /** Power fails when Commit is about to mark the image good (before its env write). */
  cutAtCommit?: boolean;
  /** Power fails right after the journal write that names this step (before the step runs). */
  cutAfterJournaling?: string;
  refuseReinstall?: boolean;
  reinstallResult?: number;
}

export interface LifeKit {
  store: JsonStore;
  downloader: Downloader;
  files: StagingFiles;
  writer: StreamingWriter;
  device: DeviceInfoReader;
  clock: Clock;
  random: Random;
  stagingFile: string;
}

export interface LifeOutcome {
  status?: number;
  rebootAsked: boolean;
  cut: boolean;
  state: number;
  step: string | null;
  awaitingReboot: boolean;
  reports: Array<[number, string]>;
  logs: string[];
}

export async function runLife(kit: LifeKit, a: LifeArgs): Promise<LifeOutcome> {
  const logs: string[] = [];
  const log: Log = { log: (level, message) => void logs.push(`${level}: ${message}`) };
  let off = false;
  const store: JsonStore = {
    get: (n) => kit.store.get(n),
    put: async (n, v) => {
      if (off) throw new Error('power is off');
      await kit.store.put(n, v);
      const job = (v as { job?: { step?: string } | null }).job;
      if (a.cutAfterJournaling !== undefined && job && job.step === a.cutAfterJournaling) {
        off = true;
        throw new Error(`power cut after journaling ${a.cutAfterJournaling}`);
      }
    },
  };
  const w = kit.writer;
  const writer: StreamingWriter = {
    kind: w.kind,
    needsReboot: w.needsReboot,
    begin: (m, r) => w.begin(m, r),
    writeChunk: (b) => w.writeChunk(b),
    sync: () => (w.sync ? w.sync() : Promise.resolve()),
    finish: () => w.finish(),
    activate: (t) => w.activate(t),
    commit: async () => {
      if (!a.cutAtCommit) return w.commit();
      off = true;
      throw new Error('power cut before the commit env write');
    },
    rollback: () => w.rollback(),
    status: () => w.status(),
  };
  const out: LifeOutcome = { rebootAsked: false, cut: false, state: 0, step: null, awaitingReboot: false, reports: [], logs };
  const engine = new FumoEngine({
    fumoUri: './FUMO',
    store,
    downloader: kit.downloader,
    files: kit.files,
    writer,
    clock: kit.clock,
    random: kit.random,
    log,
    rebooter: { manual: a.manual, reboot: async () => void (out.rebootAsked = true) },
    stagingFile: kit.stagingFile,
    urlPolicy: { allowedHosts: ['127.0.0.1'] },
    verification: { requireSignature: false, publicKeys: [] },
    download: { backoff: { baseMs: 1, maxMs: 1, maxAttempts: 3 } },
    chunkSize: 16384,
    bootId: () => (kit.device.bootId ? kit.device.bootId() : Promise.resolve(null)),
    runningVersion: async () => (await kit.device.read()).firmwareVersion,
    reinstall: { refuse: a.refuseReinstall !== false, resultCode: a.reinstallResult === undefined ? 200 : a.reinstallResult },
  });
  try {
    if (a.mode === 'exec') {
      const ans = await engine.exec('DownloadAndUpdate', { pkgUrl: a.url, correlator: 'truth-1', sha256: a.sha256, pkgVersion: a.pkgVersion });
      out.status = ans.status;
      await ans.done;
    } else await engine.resume();
    if (a.resumeAgain) await engine.resume();
  } catch (e) {
    if (!off) throw e;
    out.cut = true;
    return out;
  }
  out.state = engine.state();
  const job = engine.job();
  out.step = job ? job.step : null;
  out.awaitingReboot = await engine.awaitingReboot();
  out.reports = engine.pendingReports().map((r) => [r.resultCode, r.message] as [number, string]);
  for (const r of engine.pendingReports()) await engine.acknowledge(r.id);
  return out;
}
