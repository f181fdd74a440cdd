// QuickJS inventory sources: the same dpkg/opkg status databases and manifest folder as platform/node/inventory.ts,
// read with `os`/`std` through files.ts. A file is parsed again only when its mtime/size/inode changed, so changes
// made outside the agent show at the next read without re-parsing the whole database on every Get.

import * as os from 'os';
import type { Component } from '../../src/inventory/component.js';
import { DPKG_STATUS_PATH, parseDpkgStatus } from '../../src/inventory/dpkg-status.js';
import { parseManifest } from '../../src/inventory/manifest.js';
import { OPKG_STATUS_PATH, parseOpkgStatus } from '../../src/inventory/opkg-status.js';
import type { FileSourceOptions, InventorySource } from '../../src/inventory/source.js';
import type { PackageFiles } from '../../src/scomo/ports.js';
import { isDirectory, listDir, readText, removeFile } from './files.js';

/** `mtime:size:ino`, or null when the file does not exist. */
function statKey(path: string): string | null {
  const [st, err] = os.stat(path);
  if (err !== 0) return null;
  return `${st.mtime}:${st.size}:${st.ino}`;
}

/** Wraps a cached reader with the recheck window of FileSourceOptions and a refresh() that closes it. */
function throttled(name: string, read: () => Component[], o: FileSourceOptions): InventorySource {
  const recheckMs = o.recheckMs === undefined ? 1000 : o.recheckMs;
  const now = o.now || Date.now;
  let checkedAt = -Infinity;
  let last: Component[] | null = null;
  return {
    name,
    async list() {
      const t = now();
      if (last !== null && recheckMs > 0 && t - checkedAt < recheckMs && t >= checkedAt) return last;
      last = read();
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
  let key: string | null = null;
  let cached: Component[] = [];
  return throttled(`${kind}:${file}`, () => {
    const now = statKey(file);
    if (now === null) return NONE; // no such package manager on this device
    if (now !== key) {
      const text = readText(file);
      cached = text === null ? [] : parse(text, file);
      key = now;
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

/** Every `*.json` file of `dir` is a component manifest (src/inventory/manifest.ts). */
export function manifestFolderSource(dir: string, options: FileSourceOptions = {}): InventorySource {
  const cache: Record<string, { key: string; components: Component[] }> = {};
  let previous: Component[] = [];
  return throttled(`manifest:${dir}`, () => {
    if (!isDirectory(dir)) return NONE;
    const out: Component[] = [];
    for (const name of listDir(dir)) {
      if (name.slice(-5) !== '.json') continue;
      const file = `${dir.replace(/\/+$/, '')}/${name}`;
      const key = statKey(file);
      if (key === null) continue; // removed between readdir and stat
      let entry = cache[file];
      if (!entry || entry.key !== key) {
        entry = { key, components: parseManifest(readText(file) || '', file) };
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

export const qjsPackageFiles: PackageFiles = {
  async remove(path: string) {
    removeFile(path);
  },
};
