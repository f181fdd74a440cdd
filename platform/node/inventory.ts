// Node inventory sources over the real files: dpkg and opkg status databases and a manifest folder. Each read checks
// the file's mtime/size/inode and parses again only when it changed, so the tree shows packages installed outside
// the agent at the next read without re-parsing a 1 MB status file for every Get of a leaf.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Component } from '../../src/inventory/component.js';
import { DPKG_STATUS_PATH, parseDpkgStatus } from '../../src/inventory/dpkg-status.js';
import { parseManifest } from '../../src/inventory/manifest.js';
import { OPKG_STATUS_PATH, parseOpkgStatus } from '../../src/inventory/opkg-status.js';
import type { FileSourceOptions, InventorySource } from '../../src/inventory/source.js';

function statKey(st: { mtimeMs: number; size: number; ino: number }): string {
  return `${st.mtimeMs}:${st.size}:${st.ino}`;
}

/** Wraps a cached reader with the recheck window of FileSourceOptions and a refresh() that closes it. */
function throttled(name: string, read: () => Promise<Component[]>, o: FileSourceOptions): InventorySource {
  const recheckMs = o.recheckMs === undefined ? 1000 : o.recheckMs;
  const now = o.now || Date.now;
  let checkedAt = -Infinity;
  let last: Component[] | null = null;
  return {
    name,
    async list() {
      const t = now();
      if (last !== null && recheckMs > 0 && t - checkedAt < recheckMs && t >= checkedAt) return last;
      last = await read();
      checkedAt = t;
      return last;
    },
    refresh() {
      checkedAt = -Infinity;
    },
  };
}

/** No components; one shared array, so an absent database reads as "unchanged" too. */
const NONE: Component[] = [];

/** A status-file source; a missing file means "no packages from this manager" (e.g. no opkg on a Debian box). */
function statusFileSource(kind: string, file: string, parse: (text: string, origin: string) => Component[], o: FileSourceOptions): InventorySource {
  let key = '';
  let cached: Component[] = [];
  return throttled(`${kind}:${file}`, async () => {
    let st;
    try {
      st = await fs.stat(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return NONE;
      throw e;
    }
    if (statKey(st) !== key) {
      cached = parse(await fs.readFile(file, 'utf8'), file);
      key = statKey(st);
    }
    return cached;
  }, o);
}

export function dpkgStatusSource(file = DPKG_STATUS_PATH, options: FileSourceOptions = {}): InventorySource {
  return statusFileSource('dpkg', file, parseDpkgStatus, options);
}

export function opkgStatusSource(file = OPKG_STATUS_PATH, options: FileSourceOptions = {}): InventorySource {
  return statusFileSource('opkg', file, parseOpkgStatus, options);
}

/**
 * Every `*.json` file of `dir` is a component manifest (src/inventory/manifest.ts). An invalid file is an error for
 * the whole source (readInventory reports it), so a typo is noticed instead of silently hiding a component.
 */
export function manifestFolderSource(dir: string, options: FileSourceOptions = {}): InventorySource {
  const cache: Record<string, { key: string; components: Component[] }> = {};
  let previous: Component[] = [];
  return throttled(`manifest:${dir}`, async () => {
    let names: string[];
    try {
      names = (await fs.readdir(dir)).filter((n) => n.endsWith('.json')).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return NONE;
      throw e;
    }
    const out: Component[] = [];
    for (const name of names) {
      const file = path.join(dir, name);
      const st = await fs.stat(file);
      let entry = cache[file];
      if (!entry || entry.key !== statKey(st)) {
        entry = { key: statKey(st), components: parseManifest(await fs.readFile(file, 'utf8'), file) };
        cache[file] = entry;
      }
      for (const c of entry.components) out.push(c);
    }
    // Same components as last time: answer the same array, so readers can tell nothing changed.
    if (out.length === previous.length && out.every((c, i) => c === previous[i])) return previous;
    previous = out;
    return out;
  }, options);
}

/** Deletes package files after install / on Delivered Remove. */
export const nodePackageFiles = {
  async remove(file: string): Promise<void> {
    await fs.rm(file, { force: true });
  },
};
