// Issue 17 item 7: what each part of the code may import, as docs/architecture.md "What each folder may import" lists
// it. The import graph comes from the TypeScript compiler (test/support/import-graph.ts: type-only imports included);
// an import from one top-level part of src/ (a folder, or a loose file such as src/bytes.ts) or platform/ to another
// that is not in its row fails, naming the files. The rows run from the bottom layer up, so the table also keeps the
// layering acyclic (test/import-cycles.test.ts checks that on its own).
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildImportGraph } from './support/import-graph.js';

const root = path.resolve(__dirname, '..');

const ALLOWED: Record<string, string[]> = {
  'src/ports': ['src/config.ts'],
  'src/utf8.ts': [],
  'src/bytes.ts': ['src/utf8.ts'],
  'src/wbxml': ['src/bytes.ts', 'src/utf8.ts'],
  'src/xml-parser.ts': [],
  'src/syncml': ['src/wbxml', 'src/bytes.ts', 'src/utf8.ts'],
  'src/backoff.ts': ['src/ports'],
  'src/log-format.ts': ['src/ports'],
  'src/service-manager.ts': ['src/config.ts', 'src/ports'],
  'src/dm': ['src/syncml', 'src/config.ts', 'src/bytes.ts', 'src/ports'],
  'src/config.ts': [],
  'src/tree': ['src/syncml', 'src/wbxml', 'src/bytes.ts', 'src/ports'],
  'src/triggers': ['src/bytes.ts', 'src/ports'],
  'src/device': ['src/bytes.ts', 'src/ports'],
  'src/inventory': ['src/bytes.ts', 'src/ports'],
  'src/ui': ['src/syncml', 'src/bytes.ts', 'src/ports'],
  'src/state': ['src/config.ts', 'src/bytes.ts', 'src/ports'],
  'src/update': ['src/config.ts', 'src/backoff.ts', 'src/xml-parser.ts', 'src/bytes.ts', 'src/ports'],
  'src/fumo': ['src/update', 'src/bytes.ts', 'src/ports'],
  'src/mo': ['src/tree', 'src/device', 'src/bytes.ts', 'src/ports'],
  'src/notification': ['src/dm', 'src/bytes.ts', 'src/ports'],
  'src/alerts': ['src/dm', 'src/ports'],
  'src/scomo': ['src/update', 'src/inventory', 'src/tree', 'src/dm', 'src/syncml', 'src/config.ts', 'src/bytes.ts', 'src/ports'],
  'src/agent': ['src/fumo', 'src/scomo', 'src/update', 'src/mo', 'src/tree', 'src/device', 'src/ui', 'src/state', 'src/dm', 'src/config.ts', 'src/backoff.ts', 'src/bytes.ts', 'src/ports'],
  // The command line composes everything (any part of src/), never a platform.
  'src/cli': ['src/*'],
  // A platform may use the core, never the other platform.
  'platform/node': ['src/*'],
  'platform/quickjs': ['src/*'],
};

function part(file: string): string {
  const p = file.split('/');
  return p.length > 2 ? `${p[0]}/${p[1]}` : file;
}

function allowed(from: string, to: string): boolean {
  const row = ALLOWED[from];
  if (!row) return false;
  return row.some((a) => a === to || (a === 'src/*' && to.startsWith('src/')));
}

describe('import rules (docs/architecture.md)', () => {
  const { graph } = buildImportGraph(root, ['src', 'platform']);

  it('every part of src/ and platform/ has a row', () => {
    const parts = new Set([...graph.keys()].map(part));
    expect([...parts].filter((p) => !(p in ALLOWED)).sort()).toEqual([]);
  });

  it('no import outside its row', () => {
    const bad: string[] = [];
    for (const [file, deps] of graph)
      for (const dep of deps) {
        const from = part(file);
        const to = part(dep);
        if (from !== to && !allowed(from, to)) bad.push(`${file} → ${dep} (${from} may import: ${(ALLOWED[from] || []).join(', ') || 'nothing'})`);
      }
    expect(bad, bad.join('\n')).toEqual([]);
  });

  it('docs/architecture.md lists the same rows', () => {
    const doc = readFileSync(path.join(root, 'docs/architecture.md'), 'utf8');
    for (const [from, row] of Object.entries(ALLOWED)) {
      const line = doc.split('\n').find((l) => l.startsWith(`| \`${from}\` |`));
      expect(line, `docs/architecture.md has no row for ${from}`).toBeTruthy();
      const cell = line!.split('|')[2];
      const listed = [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]).sort();
      expect(listed, from).toEqual([...row].sort());
    }
  });
});
