// A PATH in which one program cannot be found (e.g. socat, to show the QuickJS agent listens for notifications
// without it): a scratch folder of symlinks to every program of the current PATH but that one.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const made = new Map<string, string>();

export function pathWithout(program: string): string {
  const known = made.get(program);
  if (known) return known;
  const dir = path.join(mkdtempSync(path.join(tmpdir(), `dm-path-without-${program}-`)), 'bin');
  mkdirSync(dir);
  const linked = new Set<string>();
  for (const from of (process.env.PATH || '').split(':')) {
    if (!from || !existsSync(from)) continue;
    let names: string[];
    try {
      names = readdirSync(from);
    } catch {
      continue;
    }
    for (const name of names) {
      if (name === program || linked.has(name)) continue; // the first in PATH wins, as in a lookup
      linked.add(name);
      symlinkSync(path.join(from, name), path.join(dir, name));
    }
  }
  made.set(program, dir);
  return dir;
}
