// Issue 17 item 1: the ports are on one page. Every interface a platform adapter implements (`implements X`, or an
// object/function annotated `: X`) that comes from the core is exported by src/ports/index.ts, and no file outside
// src/ports declares an interface or type of the same name (re-exports for old import paths are fine). The composition
// seam still outside the page is listed below with its reason; the test fails when one of them moves in, so the list
// shrinks with the code.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');

function files(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(path.join(root, dir))) {
    const rel = path.join(dir, n);
    if (statSync(path.join(root, rel)).isDirectory()) files(rel, out);
    else if (rel.endsWith('.ts') && !rel.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** Names the page exports: every `export interface|type X` of the files src/ports/index.ts re-exports. */
function portNames(): Set<string> {
  const index = readFileSync(path.join(root, 'src/ports/index.ts'), 'utf8');
  const names = new Set<string>();
  for (const m of index.matchAll(/export type \* from '\.\/([\w-]+)\.js'/g)) {
    const text = readFileSync(path.join(root, 'src/ports', `${m[1]}.ts`), 'utf8');
    for (const d of text.matchAll(/^export (?:interface|type) (\w+)/gm)) names.add(d[1]);
  }
  return names;
}

/** Core types a platform file uses as the shape of what it supplies. */
function suppliedTypes(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const fromCore = new Set<string>();
  for (const m of text.matchAll(/import (?:type )?\{([^}]*)\} from '(?:\.\.\/)+src\/[^']*'/g))
    for (const n of m[1].split(',')) fromCore.add(n.replace(/\btype\b/, '').split(' as ')[0].trim());
  const used = new Set<string>();
  for (const m of text.matchAll(/implements ([\w, ]+)\{/g)) for (const n of m[1].split(',')) used.add(n.trim());
  for (const m of text.matchAll(/(?:\): |: )(\w+)(?: = [{(]| \{$)/gm)) used.add(m[1]);
  return [...used].filter((n) => fromCore.has(n));
}

// Composition seams a runtime still hands the core, with core types in them (issue 17, step left).
const NOT_YET: Record<string, string> = {};

/** Core classes (error types a port throws, logic a platform instantiates) are not interfaces to implement. */
function coreClasses(): Set<string> {
  const names = new Set<string>();
  for (const f of files('src')) for (const m of readFileSync(path.join(root, f), 'utf8').matchAll(/^export class (\w+)/gm)) names.add(m[1]);
  return names;
}

describe('one porting page (src/ports/)', () => {
  const ports = portNames();

  it('every core interface a platform adapter supplies is on the page, or listed as not yet with its reason', () => {
    const missing: string[] = [];
    const seen = new Set<string>();
    const classes = coreClasses();
    for (const f of files('platform'))
      for (const n of suppliedTypes(f)) {
        seen.add(n);
        if (!ports.has(n) && !(n in NOT_YET) && !classes.has(n)) missing.push(`${f}: ${n}`);
      }
    expect(missing).toEqual([]);
    expect(ports.size).toBeGreaterThan(40);
    for (const n of ['Transport', 'Storage', 'Downloader', 'WriterFs', 'CommandRunner', 'InventoryFiles', 'SpoolFs']) expect(seen.has(n), n).toBe(true);
    // A name listed as "not yet" that is on the page now, or that no platform supplies any more: drop it from the list.
    const imported = new Set<string>();
    for (const f of files('platform').concat(files('src/cli')))
      for (const m of readFileSync(path.join(root, f), 'utf8').matchAll(/import (?:type )?\{([^}]*)\} from '[^']*'/g))
        for (const n of m[1].split(',')) imported.add(n.replace(/\btype\b/, '').split(' as ')[0].trim());
    expect(Object.keys(NOT_YET).filter((n) => ports.has(n) || !imported.has(n))).toEqual([]);
  });

  it('no file outside src/ports declares a port', () => {
    const twice: string[] = [];
    for (const f of files('src').concat(files('platform'))) {
      if (f.startsWith('src/ports/')) continue;
      const text = readFileSync(path.join(root, f), 'utf8');
      for (const d of text.matchAll(/^export (?:interface|type) (\w+)\b/gm)) if (ports.has(d[1])) twice.push(`${f}: ${d[1]}`);
    }
    expect(twice).toEqual([]);
  });
});
