// Command line of the reference OMA DM 1.2 server (scripts/server/dm-server.ts): prints one line when listening,
// then one readable line per message received/sent. Everything it records is at GET /admin/state. Stopped, it prints a
// verdict and exits 1 when a scenario failed (scripts/server/verdict.ts).
import { writeFileSync } from 'node:fs';
import { startDmServer } from './server/dm-server.js';
import { parseArgs, USAGE, UsageError } from './server/cli.js';
import { verdictOf } from './server/verdict.js';

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write((e.message ? `dm-server: ${e.message}\n` : '') + USAGE);
      process.exit(e.message ? 2 : 0);
    }
    throw e;
  }
  const { opts, json, urlFile } = parsed;
  const out = (line: string) => process.stdout.write(json ? JSON.stringify({ time: new Date().toISOString(), line }) + '\n' : line + '\n');
  opts.log = out;
  const server = await startDmServer(opts);
  // The URL file first: whoever waits for the listening line may read it at once.
  if (urlFile) writeFileSync(urlFile, server.url + '\n');
  out(`dm-server listening on ${server.url}`);
  // On SIGINT/SIGTERM: a verdict line, and exit 1 when a scenario failed (a violation, a failure report, a capped or
  // unauthenticated session), so scripts see a failed run without reading the log.
  const stop = () => {
    server.close().then(() => {
      const v = verdictOf(server.events);
      for (const l of v.lines) out(l);
      process.exit(v.ok ? 0 : 1);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e) => {
  process.stderr.write(`dm-server: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
