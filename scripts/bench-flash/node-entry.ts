// `scripts/bench flash` on Node: bundled by scripts/bench-flash.ts with esbuild (like scripts/build.mjs, not tsx) and
// run as its own process so start-up and RSS are the agent's. Prints the job's JSON (scripts/bench-flash/job.ts).
// Usage: node build/bench-flash/node-entry.mjs '<FlashJobArgs JSON>'
import { readFileSync } from 'node:fs';
import { nodeFumoAdapters } from '../../platform/node/fumo.js';
import { nodeClock, nodeRandom } from '../../platform/node/basics.js';
import { createNodeStorage } from '../../platform/node/storage.js';
import { runFlashJob, type FlashJobArgs } from './job.js';

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2]) as FlashJobArgs;
  const r = await runFlashJob(nodeFumoAdapters(), {
    clock: nodeClock,
    random: nodeRandom,
    storage: createNodeStorage(`${a.dir}/state`),
    now: () => performance.now(),
    procSelf: (name) => {
      try {
        return readFileSync(`/proc/self/${name}`, 'utf8');
      } catch {
        return null;
      }
    },
    nativeHash: true,
  }, a);
  process.stdout.write(JSON.stringify(r) + '\n');
}

main().catch((e) => {
  process.stderr.write(`bench-flash node entry: ${(e as Error).stack || e}\n`);
  process.exit(1);
});
