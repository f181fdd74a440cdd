// `scripts/bench flash` on QuickJS: bundled by scripts/bench-flash.ts (test/support/qjs.ts bundleForQjs) and run under
// our qjs with the real QuickJS ports (curl downloads, dmnative SHA-256 and durability). Prints the job's JSON.
// Usage: qjs -m build/bench-flash/qjs-entry.js '<FlashJobArgs JSON>'
import * as std from 'std';
import { qjsFumoAdapters } from '../../platform/quickjs/fumo.js';
import { QjsClock } from '../../platform/quickjs/clock.js';
import { QjsRandom } from '../../platform/quickjs/random.js';
import { QjsStorage } from '../../platform/quickjs/storage.js';
import { loadSha256 } from '../../platform/quickjs/hash.js';
import { runFlashJob, type FlashJobArgs } from './job.js';

declare const scriptArgs: string[];

async function main(): Promise<void> {
  const a = JSON.parse(scriptArgs[1]) as FlashJobArgs;
  const adapters = await qjsFumoAdapters();
  const r = await runFlashJob(adapters, {
    clock: new QjsClock(),
    random: new QjsRandom(),
    storage: new QjsStorage(`${a.dir}/state`),
    // Millisecond resolution is enough for jobs of seconds; QuickJS 2021-03-27 has no performance.now().
    now: () => Date.now(),
    procSelf: (name) => {
      // /proc files say size 0, so std.loadFile (which trusts the size) reads nothing: read to EOF instead.
      const f = std.open(`/proc/self/${name}`, 'r');
      if (!f) return null;
      try {
        return f.readAsString();
      } finally {
        f.close();
      }
    },
    nativeHash: (await loadSha256()).native,
  }, a);
  std.out.puts(JSON.stringify(r) + '\n');
}

main().catch((e) => {
  std.err.puts(`bench-flash qjs entry: ${e && (e as Error).stack ? (e as Error).stack : e}\n`);
  std.exit(1);
});
