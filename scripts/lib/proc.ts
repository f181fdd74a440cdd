// /proc readings the benchmarks take of processes they started (scripts/bench-runtime.ts, scripts/bench-flash.ts).
import { readFileSync, readdirSync } from 'node:fs';

/** The direct children of `pid` (every thread's), or [] once it is gone. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const c = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      if (c) for (const x of c.split(/\s+/)) out.push(Number(x));
    }
  } catch {
    // the process is gone
  }
  return out;
}
