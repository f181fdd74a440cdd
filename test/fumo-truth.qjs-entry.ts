// Entry bundled for qjs by test/fumo-truth.test.ts: one agent "life" (test/support/fumo-life.ts) with the QuickJS
// adapters: curl downloader, staging files, journal over QjsStorage, uboot-ab over the real fw_setenv, and the QuickJS
// device reader under a fake sysRoot (boot id, DevDetail FwV). Prints the LifeOutcome as JSON.
// Usage: qjs -m bundle.js '<json: DeviceArgs & LifeArgs>'
import * as std from 'std';
import * as os from 'os';
import type { JsonStore } from '../src/ports/runtime.js';
import { utf8Decode, utf8Encode } from '../src/bytes.js';
import { QjsDownloader, QjsStagingFiles } from '../platform/quickjs/download.js';
import { FwEnv } from '../src/update/writers/env.js';
import { UbootAbWriter } from '../src/update/writers/uboot-ab.js';
import { type Slot, bootedSlotFromCmdline } from '../src/update/writers/boot.js';
import { qjsWriterPorts } from '../platform/quickjs/writer-ports.js';
import { createQuickjsDeviceInfoReader } from '../platform/quickjs/device-info.js';
import { loadSha256 } from '../platform/quickjs/hash.js';
import { QjsStorage, commandDurability } from '../platform/quickjs/storage.js';
import { QjsRandom } from '../platform/quickjs/random.js';
import { runLife, type LifeArgs } from './support/fumo-life.js';

declare const scriptArgs: string[];

interface DeviceArgs {
  dir: string;
  cfg: string;
  def: string;
  cmdline: string;
  slots: { A: string; B: string };
  sysRoot: string;
  bootedSlot: 'cmdline' | 'env';
}

async function main() {
  const a = JSON.parse(scriptArgs[1]) as DeviceArgs & LifeArgs;
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
  const ports = qjsWriterPorts(hash, durability);
  const env = new FwEnv({ run: ports.run, config: a.cfg, defaultEnv: a.def });
  const writer = new UbootAbWriter({
    slots: a.slots,
    env,
    fs: ports.fs,
    bootedSlot:
      a.bootedSlot === 'env'
        ? async (): Promise<Slot> => {
            const e = await env.read();
            return (e.dm_booted || e.dm_slot) === 'B' ? 'B' : 'A';
          }
        : () => bootedSlotFromCmdline(ports.fs, a.cmdline),
  });
  const out = await runLife(
    {
      store,
      downloader: new QjsDownloader({ pollMs: 20 }),
      files: new QjsStagingFiles(hash, durability),
      writer,
      device: createQuickjsDeviceInfoReader({ devIdScheme: 'fixed', devId: 'IMEI:0', sysRoot: a.sysRoot, firmwareVersion: { file: '/etc/version' } }),
      clock: { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => os.setTimeout(r, ms)) },
      random: new QjsRandom(),
      stagingFile: `${a.dir}/pkg.bin`,
    },
    a,
  );
  std.out.puts(JSON.stringify(out));
}

main().catch((e) => {
  std.err.puts(`${e && (e as Error).stack ? (e as Error).stack : e}\n`);
  std.exit(1);
});
