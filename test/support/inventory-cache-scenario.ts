// The inventory cache scenario (src/inventory/file-sources.ts), runtime-free so that Node runs it directly and qjs
// runs it from test/inventory.qjs-entry.ts with its own adapters: re-read a changed status file only after the recheck
// window or refresh(), answer the same array while nothing changed, read a missing database as no components, and
// take a manifest folder's *.json files only. It returns what it saw, one line per step, for the test to compare.
import type { FileSourceOptions, InventorySource } from '../../src/inventory/source.js';

export interface ScenarioFiles {
  write(path: string, text: string): void;
  remove(path: string): void;
  mkdir(path: string): void;
}

export interface ScenarioSources {
  dpkgStatusSource(file?: string, options?: FileSourceOptions): InventorySource;
  manifestFolderSource(dir: string, options?: FileSourceOptions): InventorySource;
}

export const EXPECTED_INVENTORY_CACHE = [
  'first: 1',
  'changed inside the window: same array',
  'after the window: 2.0',
  'after refresh(): 3.0.0',
  'unchanged file: same array',
  'database gone: none',
  'manifests: a',
  'manifests unchanged: same array',
  'bad manifest: b.json: missing required field "version"',
];

export async function inventoryCacheScenario(dir: string, files: ScenarioFiles, sources: ScenarioSources): Promise<string[]> {
  const seen: string[] = [];
  const versions = (list: Array<{ version: string }>) => list.map((c) => c.version).join(',') || 'none';
  const file = `${dir}/status`;
  const stanza = (v: string) => `Package: p\nStatus: install ok installed\nVersion: ${v}\n`;
  files.write(file, stanza('1'));
  let now = 1000;
  const src = sources.dpkgStatusSource(file, { recheckMs: 500, now: () => now });
  const first = await src.list();
  seen.push(`first: ${versions(first)}`);
  files.write(file, stanza('2.0'));
  now += 100;
  seen.push(`changed inside the window: ${(await src.list()) === first ? 'same array' : 'read again'}`);
  now += 500;
  seen.push(`after the window: ${versions(await src.list())}`);
  files.write(file, stanza('3.0.0'));
  src.refresh!();
  const third = await src.list();
  seen.push(`after refresh(): ${versions(third)}`);
  now += 1000;
  seen.push(`unchanged file: ${(await src.list()) === third ? 'same array' : 'read again'}`);
  files.remove(file);
  now += 1000;
  seen.push(`database gone: ${versions(await src.list())}`);

  const m = `${dir}/manifests`;
  files.mkdir(m);
  files.write(`${m}/a.json`, '{"id":"a","name":"A","version":"1"}');
  files.write(`${m}/notes.txt`, 'ignored');
  const ms = sources.manifestFolderSource(m, { recheckMs: 0 });
  const a1 = await ms.list();
  seen.push(`manifests: ${a1.map((c) => c.id).join(',')}`);
  seen.push(`manifests unchanged: ${(await ms.list()) === a1 ? 'same array' : 'read again'}`);
  files.write(`${m}/b.json`, '{"id":"b","name":"B"}');
  try {
    await ms.list();
    seen.push('bad manifest: accepted');
  } catch (e) {
    const text = (e as Error).message;
    seen.push(`bad manifest: ${/b\.json: missing required field "version"/.test(text) ? 'b.json: missing required field "version"' : text}`);
  }
  return seen;
}
