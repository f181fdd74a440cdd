// QuickJS side of the codec benchmark: `qjs -m bench-codec-qjs.js <list.json> <minMs>` prints the rows of
// runCodecBench as JSON. list.json = [{ name, kind: 'wbxml'|'xml' }].
import * as std from 'std';
import { runCodecBench, type BenchFile } from './bench-codec-core.js';
import { readBytes } from '../platform/quickjs/files.js';

declare const scriptArgs: string[];

const list = JSON.parse(std.loadFile(scriptArgs[1]) || '[]') as Array<{ name: string; kind: 'wbxml' | 'xml' }>;
const minMs = Number(scriptArgs[2] || '2000');
const files: BenchFile[] = [];
for (const f of list) {
  const bytes = readBytes(f.name);
  if (bytes) files.push({ name: f.name, bytes, kind: f.kind });
}
std.out.puts(JSON.stringify(runCodecBench(files, { minMs, now: () => Date.now() })) + '\n');
