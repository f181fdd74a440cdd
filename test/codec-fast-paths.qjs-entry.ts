// Bundled for qjs by test/codec-fast-paths.test.ts: `qjs -m bundle.js <list.json>` (list = [{ name, kind }]) runs the
// fast-path scenario on the files and prints its answers as JSON.
import * as std from 'std';
import { readBytes } from '../platform/quickjs/files.js';
import { runCodecFastPaths, type ScenarioFile } from './codec-fast-paths-scenario.js';

declare const scriptArgs: string[];

try {
  const list = JSON.parse(std.loadFile(scriptArgs[1]) || '[]') as { name: string; kind: 'wbxml' | 'xml' }[];
  const load = (kind: string): ScenarioFile[] => list.filter((f) => f.kind === kind).map((f) => ({ name: f.name, bytes: readBytes(f.name) as Uint8Array }));
  std.out.puts(JSON.stringify(runCodecFastPaths(load('wbxml'), load('xml'))));
  std.out.flush();
} catch (e) {
  std.err.puts(`${(e as Error).name}: ${(e as Error).message}\n${(e as Error).stack || ''}\n`);
  std.exit(2);
}
