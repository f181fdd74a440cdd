// README.md's table of configuration keys is generated (scripts/config-doc.ts from scripts/config-keys.ts) and must match
// the parsers: every object of the configuration is probed with an unknown key, and the keys its parser then lists as
// allowed must be exactly the table's keys there (a key added to a parser and not documented fails, and so does a
// documented key no parser takes); each documented key is accepted with its example value.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configKeysBlock, withBlock } from '../scripts/config-doc.js';
import { CONFIG_KEYS } from '../scripts/config-keys.js';
import { parseConfig } from '../src/config.js';
import { validateSections } from '../src/cli/config-sections.js';
import { repoRoot } from './support/qjs.js';

const PROBE = 'zzProbeKey';

/** The whole configuration check a command runs when it loads the file (src/cli/config.ts: parse, then sections). */
function load(config: Record<string, unknown>): void {
  validateSections(parseConfig(config));
}

/** A config with `value` at the dotted path `at`, inside the objects `around` gives (by path). */
function build(at: string, value: unknown, around: Record<string, Record<string, unknown>> = {}): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  const parts = at.split('.');
  let o = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts.slice(0, i + 1).join('.');
    o[parts[i]] = { ...(around[p] || {}) };
    o = o[parts[i]] as Record<string, unknown>;
  }
  o[parts[parts.length - 1]] = value;
  return root;
}

// Every object of the configuration, with what it needs to reach its key check; the writer and the SCOMO installer
// take other keys per type: each type is probed and the union is compared.
const OBJECTS: Array<{ path: string; around?: Record<string, Record<string, unknown>> }> = [
  { path: '' },
  { path: 'server' },
  { path: 'server.clientAuth' },
  { path: 'server.serverAuth' },
  { path: 'server.tls' },
  { path: 'request' },
  { path: 'log' },
  { path: 'device' },
  { path: 'fumo' },
  { path: 'fumo.writer', around: { 'fumo.writer': { type: 'file' } } },
  { path: 'fumo.writer', around: { 'fumo.writer': { type: 'uboot-ab' } } },
  { path: 'fumo.writer', around: { 'fumo.writer': { type: 'command', installer: 'rauc' } } },
  { path: 'fumo.writer', around: { 'fumo.writer': { type: 'command' } } },
  { path: 'download' },
  { path: 'scomo' },
  { path: 'scomo.inventory' },
  { path: 'scomo.installer', around: { 'scomo.installer': { type: 'dpkg' } } },
  { path: 'scomo.installer', around: { 'scomo.installer': { type: 'opkg' } } },
  { path: 'scomo.installer', around: { 'scomo.installer': { type: 'script' } } },
  { path: 'scomo.service' },
  { path: 'scomo.alert' },
  { path: 'notifications' },
  { path: 'notifications.udp' },
  { path: 'notifications.http' },
  { path: 'notifications.spool' },
  { path: 'notifications.quickjs' },
  { path: 'ui' },
  { path: 'ui.defaults' },
  { path: 'triggers' },
  { path: 'triggers.button' },
  { path: 'triggers.schedule' },
];

/** The keys the parser of the object at `path` allows, read from the error an unknown key gets. */
function allowedKeys(path: string, around: Record<string, Record<string, unknown>> = {}): string[] {
  const at = path ? `${path}.${PROBE}` : PROBE;
  const config = build(at, 1, around);
  if (path) Object.assign(path.split('.').reduce((o: Record<string, unknown>, k) => o[k] as Record<string, unknown>, config), around[path] || {});
  let message = '';
  try {
    load(config);
  } catch (e) {
    message = (e as Error).message;
  }
  // The error names the probe key and lists what is allowed: "(allowed: a, b)", "(known: a, b)" or "(a, b)".
  expect(message, `an unknown key in ${path || 'the root'}`).toContain(at);
  const list = /\((?:allowed: |known: )?([^()]*)\)\s*$/.exec(message);
  expect(list, `the error lists the allowed keys: ${message}`).not.toBeNull();
  return list![1].split(',').map((s) => s.trim()).filter((s) => s && s !== '$comment');
}

/** The table's keys directly under `path`. */
function documented(path: string): string[] {
  const prefix = path ? `${path}.` : '';
  const names = CONFIG_KEYS.filter((k) => k.key.startsWith(prefix)).map((k) => k.key.slice(prefix.length).split('.')[0]);
  return [...new Set(names)].sort();
}

describe('configuration keys: README table, scripts/config-keys.ts and the parsers', () => {
  it('README.md holds exactly the block scripts/config-doc.ts prints', () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    expect(withBlock(readme), 'run: npx tsx scripts/config-doc.ts --write').toBe(readme);
    expect(readme).toContain(configKeysBlock());
  });

  it('every object: the keys its parser allows are exactly the documented ones', () => {
    const byPath = new Map<string, Set<string>>();
    for (const o of OBJECTS) {
      const set = byPath.get(o.path) || new Set<string>();
      for (const k of allowedKeys(o.path, o.around)) set.add(k);
      byPath.set(o.path, set);
    }
    for (const [p, allowed] of byPath) expect([...allowed].sort(), p || '(root)').toEqual(documented(p));
    // And no documented object goes unprobed: every key's parent is one of the probed objects.
    for (const k of CONFIG_KEYS) {
      const parent = k.key.split('.').slice(0, -1).join('.');
      expect(byPath.has(parent), `${k.key}: its object ${parent} is probed`).toBe(true);
    }
  });

  it('each documented key is accepted with its example value, and the table has no duplicate', () => {
    expect(new Set(CONFIG_KEYS.map((k) => k.key)).size).toBe(CONFIG_KEYS.length);
    for (const k of CONFIG_KEYS) {
      const parent = k.key.split('.').slice(0, -1).join('.');
      const config = build(k.key, k.example, parent && k.context ? { [parent]: k.context } : {});
      expect(() => load(config), `${k.key} = ${JSON.stringify(k.example)}`).not.toThrow();
    }
  });
});
