// Entry bundled for qjs by test/update-writers.test.ts: the writer operations of test/support/writer-ops.ts on the
// QuickJS writer ports, with the SHA-256 and fsync the agent itself picks (dmnative when present). Prints the results
// as JSON. Usage: qjs -m bundle.js '<json WriterRun>'
import * as std from 'std';
import { runWriterOps, type WriterRun } from './support/writer-ops.js';
import { qjsWriterPorts } from '../platform/quickjs/writer-ports.js';
import { loadSha256 } from '../platform/quickjs/hash.js';
import { loadDmNative } from '../platform/quickjs/native.js';
import { commandDurability, nativeDurability } from '../platform/quickjs/storage.js';
import { readBytes } from '../platform/quickjs/files.js';

declare const scriptArgs: string[];

async function main() {
  const run = JSON.parse(scriptArgs[1]) as WriterRun;
  const dm = await loadDmNative();
  const ports = qjsWriterPorts(await loadSha256(), dm ? nativeDurability(dm) : commandDurability());
  const read = async (p: string) => {
    const b = readBytes(p);
    if (b === null) throw new Error(`no file ${p}`);
    return b;
  };
  std.out.puts(JSON.stringify({ native: !!dm, results: await runWriterOps(ports, read, run) }));
}

main().catch((e) => {
  std.err.puts(`${e && (e as Error).stack ? (e as Error).stack : e}\n`);
  std.exit(1);
});
