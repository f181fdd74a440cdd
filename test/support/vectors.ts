// Locates the third-party test vectors (/work/shared/vectors, i.e. ../shared/vectors from the repo root) and lists
// files there. Tests read vectors in place and never copy them into the repo; when the folder is absent the
// callers skip with the message from `vectorsMissingReason()`.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const vectorsDir = path.resolve(repoRoot, '../shared/vectors');

export function haveVectors(): boolean {
  return existsSync(vectorsDir) && statSync(vectorsDir).isDirectory();
}

export function vectorsMissingReason(): string {
  return `test vectors not found at ${vectorsDir} (../shared/vectors from the repo root): skipping the vector-based tests`;
}

/** Files under `sub` (recursively) whose names end with one of `exts`, as absolute paths, sorted. */
export function listVectors(sub: string, exts: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (exts.some((e) => name.endsWith(e))) out.push(p);
    }
  };
  walk(path.join(vectorsDir, sub));
  return out;
}

export function readVector(p: string): Uint8Array {
  return new Uint8Array(readFileSync(p));
}

export function rel(p: string): string {
  return path.relative(vectorsDir, p);
}

// ---------------------------------------------------------------------------------------------------------------
// Canonical XML comparison for the interop tests (LIBWBXML.md): element tree with local names, text trimmed,
// CDATA-insensitive, comments/PI/DOCTYPE and attributes (xmlns) ignored. Parsed with fast-xml-parser directly,
// independently of the codec under test.

import { XMLParser } from 'fast-xml-parser';

export interface CanonEl {
  name: string;
  text: string;
  children: CanonEl[];
}

const canonParser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

function localName(tag: string): string {
  const i = tag.indexOf(':');
  return i < 0 ? tag : tag.slice(i + 1);
}

function canonConv(node: Record<string, unknown>): CanonEl | undefined {
  const tag = Object.keys(node).find((k) => k !== ':@' && k !== '#text');
  if (!tag) return undefined;
  const kids = (node[tag] as Record<string, unknown>[]) || [];
  let text = '';
  const children: CanonEl[] = [];
  for (const k of kids) {
    if (k['#text'] !== undefined) text += String(k['#text']);
    else {
      const c = canonConv(k);
      if (c) children.push(c);
    }
  }
  return { name: localName(tag), text: text.trim(), children };
}

export function canon(xml: string): CanonEl {
  const top = canonParser.parse(xml) as Record<string, unknown>[];
  for (const n of top) {
    const c = canonConv(n);
    if (c) return c;
  }
  throw new Error('no root element');
}

/** First difference between two canonical trees as a path + reason, or undefined when equal. */
export function canonDiff(a: CanonEl, b: CanonEl, path = ''): string | undefined {
  const p = path + '/' + a.name;
  if (a.name !== b.name) return `${p}: element ${a.name} vs ${b.name}`;
  if (a.text !== b.text) return `${p}: text ${JSON.stringify(a.text.slice(0, 60))} vs ${JSON.stringify(b.text.slice(0, 60))}`;
  if (a.children.length !== b.children.length) return `${p}: ${a.children.length} vs ${b.children.length} children`;
  for (let i = 0; i < a.children.length; i++) {
    const d = canonDiff(a.children[i], b.children[i], p);
    if (d) return d;
  }
  return undefined;
}
