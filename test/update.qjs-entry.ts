// Entry bundled for qjs by test/update-qjs.test.ts: runs the FUMO engine with the QuickJS adapters (curl downloader,
// staging files, uboot-ab over the real fw_setenv, native or JS SHA-256) and prints what it saw as JSON.
// Usage: qjs -m bundle.js '<json args>'   modes: "exec" (DownloadAndUpdate until the reboot), "resume", "download"
import * as std from 'std';
import * as os from 'os';
import { FumoEngine } from '../src/fumo/engine.js';
import type { JsonStore } from '../src/ports/runtime.js';
import { fumoResultFor } from '../src/fumo/result-codes.js';
import { UpdateError } from '../src/update/errors.js';
import { downloadResumable } from '../src/update/download.js';
import { utf8Decode, utf8Encode } from '../src/bytes.js';
import { QjsDownloader, QjsStagingFiles } from '../platform/quickjs/download.js';
import { createFlashWriter } from '../src/update/writers/factory.js';
import { qjsWriterPorts } from '../platform/quickjs/writer-ports.js';
import { DEFAULT_STAGED_NAME } from '../src/update/installers/spec.js';
import { loadSha256 } from '../platform/quickjs/hash.js';
import { QjsStorage, commandDurability } from '../platform/quickjs/storage.js';
import { QjsRandom } from '../platform/quickjs/random.js';

declare const scriptArgs: string[];

interface Args {
  mode: 'exec' | 'resume' | 'download' | 'file' | 'command';
  install?: string[];
  exitCodes?: Record<number, number>;
  url: string;
  sha256: string;
  dir: string;
  cfg: string;
  def: string;
  cmdline: string;
  slots: { A: string; B: string };
  target?: string;
  lowSpeed?: { bytesPerSecond: number; windowMs: number };
  maxAttempts?: number;
  maxBytesPerSecond?: number;
  /** The one-pass install: the runtime's hasher, the package streamed into the slot (src/fumo/steps.ts Stream). */
  onePass?: boolean;
  /** Sync + checkpoint cadence of the streamed write. */
  sync?: { bytes: number; ms: number };
}

async function main() {
  const a = JSON.parse(scriptArgs[1]) as Args;
  const hash = await loadSha256();
  const durability = commandDurability();
  const storage = new QjsStorage(`${a.dir}/state`, { durability });
  const store: JsonStore = {
    get: async (n) => {
      const b = await storage.read(`${n}.json`);
      return b === null ? null : JSON.parse(utf8Decode(b));
    },
    put: (n, v) => storage.writeAtomic(`${n}.json`, utf8Encode(JSON.stringify(v))),
  };
  const clock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => os.setTimeout(r, ms)) };
  const files = new QjsStagingFiles(hash, durability);
  const downloader = new QjsDownloader({ pollMs: 20 });
  const out: Record<string, unknown> = { nativeHash: hash.native };
  if (a.mode === 'download') {
    const progress: number[] = [];
    const t0 = Date.now();
    const res = await downloadResumable(downloader, files, {
      lowSpeed: a.lowSpeed,
      maxBytesPerSecond: a.maxBytesPerSecond,
      url: a.url,
      file: `${a.dir}/dl.bin`,
      policy: { allowedHosts: ['127.0.0.1'] },
      clock,
      random: new QjsRandom(),
      backoff: { baseMs: 10, maxMs: 20, maxAttempts: a.maxAttempts || 4 },
      onProgress: (p) => progress.push(p.received),
    }).catch((e) => {
      out.error = { code: e instanceof UpdateError ? fumoResultFor(e) : undefined, message: String((e as Error).message) };
      return null;
    });
    out.ms = Date.now() - t0;
    if (res === null) {
      std.out.puts(JSON.stringify(out));
      return;
    }
    out.size = res.size;
    out.progressEvents = progress.length;
    std.out.puts(JSON.stringify(out));
    return;
  }
  const ports = qjsWriterPorts(hash, durability);
  const writer = createFlashWriter(
    a.mode === 'command'
      ? { type: 'command', installer: 'custom', spec: { name: 'custom', observe: 'facts', stagedName: DEFAULT_STAGED_NAME, install: a.install as string[], exitCodes: a.exitCodes, needsReboot: false } }
      : a.mode === 'file'
      ? { type: 'file', path: a.target as string }
      : { type: 'uboot-ab', slotA: a.slots.A, slotB: a.slots.B, envConfig: a.cfg, bootedSlot: 'cmdline', cmdline: a.cmdline },
    ports,
  );
  let rebootRequested = false;
  const engine = new FumoEngine({
    fumoUri: './FUMO',
    store,
    downloader,
    files,
    writer,
    clock,
    random: new QjsRandom(),
    rebooter: { reboot: async () => void (rebootRequested = true) },
    stagingFile: `${a.dir}/pkg.bin`,
    urlPolicy: { allowedHosts: ['127.0.0.1'] },
    verification: { requireSignature: false, publicKeys: [] },
    download: { backoff: { baseMs: 10, maxMs: 20, maxAttempts: 4 } },
    chunkSize: 1 << 20,
    sha256: a.onePass ? () => hash.hasher() : undefined,
    sync: a.sync,
  });
  if (a.mode === 'exec' || a.mode === 'file' || a.mode === 'command') {
    const ans = await engine.exec('DownloadAndUpdate', { pkgUrl: a.url, correlator: 'qjs-1', sha256: a.sha256 });
    out.status = ans.status;
    await ans.done;
  } else {
    await engine.resume();
  }
  out.reboot = rebootRequested;
  out.state = engine.state();
  out.reports = engine.pendingReports().map((r) => [r.resultCode, r.correlator, r.alertType]);
  for (const r of engine.pendingReports()) await engine.acknowledge(r.id);
  out.stateAfterAck = engine.state();
  std.out.puts(JSON.stringify(out));
}

main().catch((e) => {
  std.err.puts(`${e && (e as Error).stack ? (e as Error).stack : e}\n`);
  std.exit(1);
});
