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
// Process CPU time: utime + stime of /proc/self/stat (fields 14 and 15, after the parenthesised command name), in
// clock ticks of 10 ms (USER_HZ 100 on Linux); QuickJS 2021 has no CPU clock of its own.
// std.loadFile sizes its read by seeking, which gives 0 for a /proc file: read it as a stream instead.
function cpuMs(): number {
  const f = std.open('/proc/self/stat', 'r');
  const stat = f ? f.readAsString() : '';
  if (f) f.close();
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
std.out.puts(JSON.stringify(runCodecBench(files, { minMs, now: () => Date.now(), cpu: cpuMs })) + '\n');
