// One FUMO DownloadAndUpdate as `scripts/bench flash` measures it, the same on Node and on QuickJS: the runtime hands
// over its FUMO ports (FumoAdapters, src/ports/fumo.ts) and a few probes; everything else is the core's
// (FumoEngine, the flash writers of src/update/writers/). The engine is built from the adapters in ONE place
// (flashEngine below), so a new port the engine takes is passed here once for both runtimes.
import type { FumoAdapters } from '../../src/ports/fumo.js';
import type { Clock, JsonStore, Random, Storage } from '../../src/ports/runtime.js';
import { FumoEngine } from '../../src/fumo/engine.js';
import { createFlashWriter, type WriterConfig } from '../../src/update/writers/factory.js';
import { utf8Decode, utf8Encode } from '../../src/bytes.js';

/** What the driver (scripts/bench-flash.ts) passes as the entry's one JSON argument. */
export interface FlashJobArgs {
  url: string;
  sha256: string;
  /** State and staging directory of this run (on the same disk as the slot). */
  dir: string;
  writer: { type: 'file'; path: string } | { type: 'uboot-ab'; slotA: string; slotB: string; envConfig: string; cmdline: string };
}

/** What the runtime supplies besides its FUMO ports. */
export interface FlashJobRuntime {
  clock: Clock;
  random: Random;
  storage: Storage;
  /** High-resolution milliseconds. */
  now(): number;
  /** Text of a /proc file of this process (`io`, `status`), null when unreadable. */
  procSelf(name: 'io' | 'status'): string | null;
  /** Whether SHA-256 runs native code (QuickJS: dmnative; Node: always OpenSSL). */
  nativeHash: boolean;
}

export interface FlashJobResult {
  /** Exec → the job ended: Activate done and the reboot asked (uboot-ab) or the result report stored (file). */
  seconds: number;
  /** Per step, seconds from Exec to the step's start. */
  steps: Record<string, number>;
  /** /proc/self/io read_bytes over the job: bytes this process made the block layer read (the device read back). */
  readBytes: number | null;
  /** /proc/self/io write_bytes over the job. */
  writeBytes: number | null;
  /** VmHWM at the end of the job, read inside (the driver also polls it from outside). */
  vmHwmKiB: number | null;
  reboot: boolean;
  reports: number[];
  nativeHash: boolean;
}

function ioField(text: string | null, field: string): number | null {
  if (text === null) return null;
  const m = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

function jsonStore(storage: Storage): JsonStore {
  return {
    get: async (n) => {
      const b = await storage.read(`${n}.json`);
      return b === null ? null : JSON.parse(utf8Decode(b));
    },
    put: (n, v) => storage.writeAtomic(`${n}.json`, utf8Encode(JSON.stringify(v))),
  };
}

function writerConfig(w: FlashJobArgs['writer']): WriterConfig {
  return w.type === 'file' ? w : { type: 'uboot-ab', slotA: w.slotA, slotB: w.slotB, envConfig: w.envConfig, bootedSlot: 'cmdline', cmdline: w.cmdline };
}

/**
 * The engine as the agent builds it (src/agent/fumo-compose.ts) minus the DM tree: the platform's ports, no limits.
 * Every port of the engine comes from `adapters` here and nowhere else (a new one, e.g. the SHA-256 hasher of
 * FumoAdapters.sha256, is one line below for both runtimes).
 */
export function flashEngine(adapters: FumoAdapters, rt: FlashJobRuntime, a: FlashJobArgs, hooks: { onStep(step: string): void; onReboot(): void }): FumoEngine {
  adapters.makeDir(a.dir);
  return new FumoEngine({
    fumoUri: './FUMO',
    store: jsonStore(rt.storage),
    downloader: adapters.downloader,
    files: adapters.files,
    // The one-pass install (streamed into the slot while hashed), as the agent runs it (src/agent/fumo-compose.ts).
    sha256: () => adapters.sha256(),
    writer: createFlashWriter(writerConfig(a.writer), adapters.writerPorts),
    clock: rt.clock,
    random: rt.random,
    rebooter: { reboot: async () => hooks.onReboot() },
    stagingFile: `${a.dir}/pkg.bin`,
    urlPolicy: { allowedHosts: ['127.0.0.1'], allowHttp: true },
    verification: { requireSignature: false, publicKeys: [], requireHash: true },
    onEvent: (e) => {
      if (e.type === 'step') hooks.onStep(e.step);
    },
  });
}

export async function runFlashJob(adapters: FumoAdapters, rt: FlashJobRuntime, a: FlashJobArgs): Promise<FlashJobResult> {
  const steps: Record<string, number> = {};
  let reboot = false;
  let t0 = 0;
  const engine = flashEngine(adapters, rt, a, {
    onStep: (s) => {
      if (steps[s] === undefined) steps[s] = +((rt.now() - t0) / 1000).toFixed(3);
    },
    onReboot: () => void (reboot = true),
  });
  const io0 = rt.procSelf('io');
  t0 = rt.now();
  const ans = await engine.exec('DownloadAndUpdate', { pkgUrl: a.url, correlator: 'bench', sha256: a.sha256 });
  if (ans.status !== 202 || !ans.done) throw new Error(`Exec DownloadAndUpdate answered ${ans.status}: ${ans.reason || ''}`);
  await ans.done;
  const seconds = (rt.now() - t0) / 1000;
  const io1 = rt.procSelf('io');
  const delta = (f: string) => {
    const x = ioField(io0, f);
    const y = ioField(io1, f);
    return x === null || y === null ? null : y - x;
  };
  return {
    seconds,
    steps,
    readBytes: delta('read_bytes'),
    writeBytes: delta('write_bytes'),
    vmHwmKiB: ioField(rt.procSelf('status'), 'VmHWM'),
    reboot,
    reports: engine.pendingReports().map((r) => r.resultCode),
    nativeHash: rt.nativeHash,
  };
}
