// Entry bundled for qjs by test/download-stream.test.ts: runs one scenario of test/support/download-stream-scenarios.ts
// over the QuickJS adapters (curl downloader, dmnative or @noble/hashes SHA-256, writer ports) and prints its JSON.
// Usage: qjs -m bundle.js '{"scenario": "stream", "args": {...}, "js": false}'   (js: the pure-JS hasher)
import * as std from 'std';
import * as os from 'os';
import { SCENARIOS, type ScenarioArgs, type StreamEnv } from './support/download-stream-scenarios.js';
import { QjsDownloader } from '../platform/quickjs/download.js';
import { qjsFumoAdapters } from '../platform/quickjs/fumo.js';
import { jsSha256 } from '../platform/quickjs/hash.js';
import { loadDmNative } from '../platform/quickjs/native.js';
import { ddMediumSha256 } from '../platform/quickjs/medium-hash.js';
import type { WriterFs } from '../src/ports/writers.js';
import { commandDurability, nativeDurability } from '../platform/quickjs/storage.js';

declare const scriptArgs: string[];

/** VmHWM of this qjs process (KiB): its peak resident set. */
function peakRssKiB(): number | null {
  const f = std.open('/proc/self/status', 'r');
  if (!f) return null;
  try {
    const m = /VmHWM:\s+(\d+)/.exec(f.readAsString());
    return m ? Number(m[1]) : null;
  } finally {
    f.close();
  }
}

/** WriterFs.sha256 with the read-back from the medium as on a stock qjs (dd | sha256sum, no dmnative). */
const stockMedium = (fs: WriterFs): WriterFs['sha256'] => async (path, offset, length, o) =>
  o && o.fromMedium ? ddMediumSha256(path, offset, length) : fs.sha256(path, offset, length);

async function main() {
  const { scenario, args, js } = JSON.parse(scriptArgs[1]) as { scenario: string; args: Record<string, unknown>; js?: boolean };
  const fumo = await qjsFumoAdapters();
  const dm = await loadDmNative();
  const env: StreamEnv = {
    downloader: () => new QjsDownloader(),
    countingDownloader() {
      let n = 0;
      const durability = dm ? nativeDurability(dm) : commandDurability();
      const counted = { syncDir: durability.syncDir, syncFd: (fd: number, p: string) => (n++, durability.syncFd(fd, p)) };
      return { downloader: new QjsDownloader({ durability: counted }), fsyncs: () => n };
    },
    sha256: js ? () => jsSha256().hasher() : fumo.sha256,
    sleep: (ms) => new Promise<void>((r) => os.setTimeout(r, ms)),
    now: () => Date.now(),
    peakRssKiB,
    // js: what a stock qjs (no dmnative) does: the read-back from the medium through dd | sha256sum.
    writerFs: () => (js ? Object.assign({}, fumo.writerPorts.fs, { sha256: stockMedium(fumo.writerPorts.fs) }) : fumo.writerPorts.fs),
  };
  const run = SCENARIOS[scenario];
  if (!run) throw new Error(`unknown scenario ${scenario}`);
  std.out.puts(JSON.stringify(await run(env, args as unknown as ScenarioArgs)));
}

main().catch((e) => {
  std.err.puts(`${(e as Error).stack || e}\n`);
  std.exit(1);
});
