// docs/design.md core rule: nothing under src/ touches a runtime. This test fails when a file under src/ imports a
// Node or QuickJS module or uses a runtime global (process, Buffer, require, timers, TextEncoder, atob, crypto ...).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Source text with comments and string literals blanked, so that prose mentioning `process.` does not count. */
function codeOnly(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/\/\/[^\n]*/g, '')
    .replace(/`(?:[^`\\]|\\.)*`/g, '``')
    .replace(/'(?:[^'\\\n]|\\.)*'/g, "''")
    .replace(/"(?:[^"\\\n]|\\.)*"/g, '""');
}

const FORBIDDEN: Array<[RegExp, string]> = [
  [/\bprocess\s*\./, 'process'],
  [/\bBuffer\b/, 'Buffer'],
  [/\brequire\s*\(/, 'require()'],
  [/(^|[^.\w])(setTimeout|setInterval|setImmediate|clearTimeout|clearInterval|queueMicrotask)\s*\(/, 'timers'],
  [/\bTextEncoder\b|\bTextDecoder\b/, 'TextEncoder/TextDecoder'],
  [/(^|[^.\w])(atob|btoa)\s*\(/, 'atob/btoa'],
  [/(^|[^.\w])crypto\s*\./, 'crypto global'],
  [/\bglobalThis\b/, 'globalThis'],
  [/\bObject\.hasOwn\b/, 'Object.hasOwn (missing on QuickJS 2021-03-27)'],
  [/\bstructuredClone\b/, 'structuredClone'],
  [/\b__dirname\b|\b__filename\b|\bimport\.meta\b/, 'module location'],
  // The global fetch() (a runtime's HTTP client); `dl.fetch(` (the Downloader port) and the port's method
  // declaration `fetch(request: …)` are the core's own.
  [/(?<![.\w])fetch\s*\((?!request: FetchRequest)/, 'fetch'],
];

const IMPORT = /(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s*['"]([^'"]+)['"]/g;
const ALLOWED_PACKAGES = ['fast-xml-parser', '@noble/hashes', '@noble/ed25519'];

describe('src/ is runtime-free', () => {
  const all = files(join(root, 'src'));
  it('finds the source files', () => {
    expect(all.length).toBeGreaterThan(20);
  });
  it('imports only relative modules and the QuickJS-safe libraries', () => {
    const bad: string[] = [];
    for (const f of all) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[1] || m[2] || m[3];
        if (spec.startsWith('.')) {
          if (!/\.\.\/(platform|scripts|test)\//.test(spec) && !spec.includes('/platform/')) continue;
        } else if (ALLOWED_PACKAGES.some((p) => spec === p || spec.startsWith(p + '/'))) continue;
        bad.push(`${relative(root, f)} imports ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });
  it('uses no runtime globals', () => {
    const bad: string[] = [];
    for (const f of all) {
      const code = codeOnly(readFileSync(f, 'utf8'));
      code.split('\n').forEach((line, i) => {
        for (const [re, what] of FORBIDDEN) if (re.test(line)) bad.push(`${relative(root, f)}:${i + 1} uses ${what}: ${line.trim()}`);
      });
    }
    expect(bad).toEqual([]);
  });
  it('the checker itself catches a violation', () => {
    const sample = codeOnly("import fs from 'node:fs';\nconst x = process.env.X; // process.\nsetTimeout(() => 1, 5);\n");
    const hits = FORBIDDEN.filter(([re]) => re.test(sample)).map(([, w]) => w);
    expect(hits).toEqual(['process', 'timers']);
    expect([...("import fs from 'node:fs';".matchAll(IMPORT))].map((m) => m[1])).toEqual(['node:fs']);
  });
});
