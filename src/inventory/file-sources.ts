// The file-backed inventory sources, written once for every runtime: dpkg and opkg status databases and a manifest
// folder. Each read checks the file's identity (mtime/size/inode) and parses again only when it changed, so the tree
// shows packages installed outside the agent at the next read without re-parsing a 1 MB status file for every Get of
// a leaf (the SCOMO Inventory/Deployed subtree, docs/protocol.md §6.1). A runtime supplies only the file reads.

import type { InventoryFiles } from '../ports/inventory.js';
export type { InventoryFiles } from '../ports/inventory.js';
import type { Component } from './component.js';
import { DPKG_STATUS_PATH, parseDpkgStatus } from './dpkg-status.js';
import { parseManifest } from './manifest.js';
import { OPKG_STATUS_PATH, parseOpkgStatus } from './opkg-status.js';
import type { FileSourceOptions, InventorySource } from './source.js';


/** Wraps a cached reader with the recheck window of FileSourceOptions and a refresh() that closes it. */
function throttled(name: string, read: () => Promise<Component[]>, o: FileSourceOptions, files: InventoryFiles): InventorySource {
  const recheckMs = o.recheckMs === undefined ? 1000 : o.recheckMs;
  const now = o.now || (() => files.now());
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
function statusFileSource(kind: string, file: string, parse: (text: string, origin: string) => Component[], files: InventoryFiles, o: FileSourceOptions): InventorySource {
  let key: string | null = null;
  let cached: Component[] = [];
  return throttled(`${kind}:${file}`, async () => {
    const now = await files.statKey(file);
    if (now === null) return NONE;
    if (now !== key) {
      const text = await files.readText(file);
      cached = text === null ? [] : parse(text, file);
      key = now;
    }
    return cached;
  }, o, files);
}

/**
 * Every `*.json` file of `dir` is a component manifest (src/inventory/manifest.ts). An invalid file is an error for
 * the whole source (readInventory reports it), so a typo is noticed instead of silently hiding a component.
 */
function manifestFolderSource(files: InventoryFiles, dir: string, options: FileSourceOptions = {}): InventorySource {
  const cache: Record<string, { key: string; components: Component[] }> = {};
  let previous: Component[] = [];
  return throttled(`manifest:${dir}`, async () => {
    const listed = await files.listDir(dir);
    if (listed === null) return NONE;
    const out: Component[] = [];
    for (const name of listed.filter((n) => n.slice(-5) === '.json').sort()) {
      const file = `${dir.replace(/\/+$/, '')}/${name}`;
      const key = await files.statKey(file);
      if (key === null) continue; // removed between the listing and now
      let entry = cache[file];
      if (!entry || entry.key !== key) {
        entry = { key, components: parseManifest((await files.readText(file)) || '', file) };
        cache[file] = entry;
      }
      for (const c of entry.components) out.push(c);
    }
    // Same components as last time: answer the same array, so readers can tell nothing changed.
    if (out.length === previous.length && out.every((c, i) => c === previous[i])) return previous;
    previous = out;
    return out;
  }, options, files);
}

/** The three file-backed sources over one runtime's file reads (what platform/node and platform/quickjs export). */
export function fileSources(files: InventoryFiles) {
  return {
    dpkgStatusSource: (file = DPKG_STATUS_PATH, options: FileSourceOptions = {}): InventorySource => statusFileSource('dpkg', file, parseDpkgStatus, files, options),
    opkgStatusSource: (file = OPKG_STATUS_PATH, options: FileSourceOptions = {}): InventorySource => statusFileSource('opkg', file, parseOpkgStatus, files, options),
    manifestFolderSource: (dir: string, options: FileSourceOptions = {}): InventorySource => manifestFolderSource(files, dir, options),
  };
}
