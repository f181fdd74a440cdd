// The import graph of the sources, read with the TypeScript compiler itself so that every kind of edge counts:
// `import`, `import type`, `export ... from`, `export type ... from`, `import('x')` calls and `import('x').T` type
// queries. A bundler's metafile drops the type-only ones, yet a type-only import still ties two files together for a
// reader and a porter, which is why they count here.
import ts from 'typescript';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** file (relative to the root, with `/`) → the files it imports, relative too. */
export type ImportGraph = Map<string, Set<string>>;

/** Every module specifier a source text names, in any import or export form, type-only ones included. */
export function specifiersOf(fileName: string, text: string): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2020, true, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const e = node.moduleReference.expression;
      if (ts.isStringLiteral(e)) out.push(e.text);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) out.push(arg.literal.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const a = node.arguments[0];
      if (a && ts.isStringLiteralLike(a)) out.push(a.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The .ts file a relative specifier names (`./x`, `./x.js`, `./x/index`, `./x/index.js`, a folder), or null. */
export function resolveRelative(fromFile: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(fromFile), spec);
  const stem = base.replace(/\.(js|mjs|ts)$/, '');
  for (const c of [`${stem}.ts`, `${stem}.d.ts`, path.join(stem, 'index.ts'), path.join(stem, 'index.d.ts')]) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  return null;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** The graph of every .ts file under the given folders (relative to root); edges leaving those folders are dropped. */
export function buildImportGraph(root: string, folders: string[]): { graph: ImportGraph; unresolved: string[] } {
  const rel = (p: string): string => path.relative(root, p).split(path.sep).join('/');
  const files = folders.flatMap((f) => tsFiles(path.join(root, f)));
  const inside = new Set(files.map(rel));
  const graph: ImportGraph = new Map();
  const unresolved: string[] = [];
  for (const f of files) {
    const edges = new Set<string>();
    for (const spec of specifiersOf(f, readFileSync(f, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = resolveRelative(f, spec);
      if (!target) {
        unresolved.push(`${rel(f)} imports ${spec}`);
        continue;
      }
      if (inside.has(rel(target))) edges.add(rel(target));
    }
    graph.set(rel(f), edges);
  }
  return { graph, unresolved };
}

/** Collapses a file graph to a graph of groups (group(file) names the node); edges within one group vanish. */
export function groupGraph(graph: ImportGraph, group: (file: string) => string): ImportGraph {
  const out: ImportGraph = new Map();
  for (const [from, tos] of graph) {
    const g = group(from);
    if (!out.has(g)) out.set(g, new Set());
    for (const to of tos) if (group(to) !== g) out.get(g)!.add(group(to));
  }
  return out;
}

/** Strongly connected parts with a cycle in them (Tarjan): more than one node, or a node importing itself. */
function cyclicParts(graph: ImportGraph): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const parts: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const part: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        part.push(w);
      } while (w !== v);
      if (part.length > 1 || graph.get(v)?.has(v)) parts.push(part.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) strong(v);
  return parts;
}

/** The shortest cycle through `start` that stays inside `part`, as a → b → a. */
function shortestCycle(graph: ImportGraph, part: Set<string>, start: string): string[] {
  const prev = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i];
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (!part.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(prev.get(path[0])!);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [];
}

/** Every cycle worth printing: for each node of each cyclic part, the shortest cycle through it, without repeats. */
export function findCycles(graph: ImportGraph): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const part of cyclicParts(graph)) {
    const members = new Set(part);
    for (const v of part) {
      const cyc = shortestCycle(graph, members, v);
      const ring = cyc.slice(0, -1);
      // the same ring entered at another node is the same cycle: compare it from its smallest name on
      const at = ring.indexOf([...ring].sort()[0]);
      const canon = [...ring.slice(at), ...ring.slice(0, at)].join(' → ');
      if (seen.has(canon)) continue;
      seen.add(canon);
      out.push(cyc.join(' → '));
    }
  }
  return out;
}
