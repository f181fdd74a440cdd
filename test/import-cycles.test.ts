// Issue 17 item 4: no import cycles in src/ and platform/, neither between files nor between the top-level parts of
// src/ (each folder, and each loose file such as src/bytes.ts, is one node). Type-only imports count: every file cycle
// the issue found ran through one, and a bundler's metafile would not show it.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { buildImportGraph, findCycles, groupGraph, specifiersOf } from './support/import-graph.js';

const root = path.join(__dirname, '..');

/** src/agent/x.ts → src/agent; src/bytes.ts → src/bytes.ts; platform/node/x.ts → platform/node. */
function topLevel(file: string): string {
  const parts = file.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : file;
}

describe('import cycles', () => {
  const { graph, unresolved } = buildImportGraph(root, ['src', 'platform']);

  it('reads the whole tree and resolves every relative import', () => {
    expect(graph.size).toBeGreaterThan(200);
    expect(unresolved).toEqual([]);
  });

  it('no two files of src/ and platform/ import each other, directly or around a ring', () => {
    const cycles = findCycles(graph);
    expect(cycles, `import cycles between files:\n  ${cycles.join('\n  ')}\n`).toEqual([]);
  });

  it('no two top-level parts of src/ (or platform/) import each other, directly or around a ring', () => {
    const cycles = findCycles(groupGraph(graph, topLevel));
    expect(cycles, `import cycles between folders:\n  ${cycles.join('\n  ')}\n`).toEqual([]);
  });

  it('the checker sees every import form, type-only ones included, and finds a cycle through them', () => {
    const text = [
      "import type { A } from './a';",
      "import { b } from './b.js';",
      "export type { C } from './c/index';",
      "export * from './d';",
      "import './e';",
      "type F = import('./f').F;",
      "const g = () => import('./g.js');",
      "import fs from 'node:fs';",
    ].join('\n');
    expect(specifiersOf('x.ts', text)).toEqual(['./a', './b.js', './c/index', './d', './e', './f', './g.js', 'node:fs']);

    const dir = mkdtempSync(path.join(tmpdir(), 'cycles-'));
    mkdirSync(path.join(dir, 'src/one'), { recursive: true });
    mkdirSync(path.join(dir, 'src/two'), { recursive: true });
    writeFileSync(path.join(dir, 'src/one/a.ts'), "import type { B } from '../two/b.js';\nexport interface A { b?: B }\n");
    writeFileSync(path.join(dir, 'src/two/b.ts'), "export interface B { a?: import('../one').A }\n");
    writeFileSync(path.join(dir, 'src/one/index.ts'), "export type { A } from './a';\n");
    const g = buildImportGraph(dir, ['src']);
    expect(g.unresolved).toEqual([]);
    expect(findCycles(g.graph)).toEqual(['src/one/a.ts → src/two/b.ts → src/one/index.ts → src/one/a.ts']);
    expect(findCycles(groupGraph(g.graph, topLevel))).toEqual(['src/one → src/two → src/one']);
  });
});
