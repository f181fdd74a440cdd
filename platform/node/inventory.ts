// Node inventory sources over the real files: dpkg and opkg status databases and a manifest folder. Each read checks
// the file's mtime/size/inode and parses again only when it changed, so the tree shows packages installed outside
// the agent at the next read without re-parsing a 1 MB status file for every Get of a leaf.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Component } from '../../src/inventory/component.js';
import { DPKG_STATUS_PATH, parseDpkgStatus } from '../../src/inventory/dpkg-status.js';
import { parseManifest } from '../../src/inventory/manifest.js';
import { OPKG_STATUS_PATH, parseOpkgStatus } from '../../src/inventory/opkg-status.js';
import type { InventorySource } from '../../src/inventory/source.js';
import type { JsonStore } from '../../src/scomo/ports.js';

function statKey(st: { mtimeMs: number; size: number; ino: number }): string {
  return `${st.mtimeMs}:${st.size}:${st.ino}`;
}

/** A status-file source; a missing file means "no packages from this manager" (e.g. no opkg on a Debian box). */
function statusFileSource(kind: string, file: string, parse: (text: string, origin: string) => Component[]): InventorySource {
  let key = '';
  let cached: Component[] = [];
  return {
    name: `${kind}:${file}`,
    async list() {
      let st;
      try {
        st = await fs.stat(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw e;
      }
      if (statKey(st) !== key) {
        cached = parse(await fs.readFile(file, 'utf8'), file);
        key = statKey(st);
      }
      return cached.map((c) => ({ ...c }));
    },
  };
}

export function dpkgStatusSource(file = DPKG_STATUS_PATH): InventorySource {
  return statusFileSource('dpkg', file, parseDpkgStatus);
}

export function opkgStatusSource(file = OPKG_STATUS_PATH): InventorySource {
  return statusFileSource('opkg', file, parseOpkgStatus);
}

/**
 * Every `*.json` file of `dir` is a component manifest (src/inventory/manifest.ts). An invalid file is an error for
 * the whole source (readInventory reports it), so a typo is noticed instead of silently hiding a component.
 */
export function manifestFolderSource(dir: string): InventorySource {
  const cache: Record<string, { key: string; components: Component[] }> = {};
  return {
    name: `manifest:${dir}`,
    async list() {
      let names: string[];
      try {
        names = (await fs.readdir(dir)).filter((n) => n.endsWith('.json')).sort();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
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
        for (const c of entry.components) out.push({ ...c });
      }
      return out;
    },
  };
}

/** Deletes package files after install / on Delivered Remove. */
export const nodePackageFiles = {
  async remove(file: string): Promise<void> {
    await fs.rm(file, { force: true });
  },
};

/**
 * A JsonStore in one directory (temp file, fsync, rename, fsync dir). The agent should use src/state's DurableStore
 * (checksummed, keeps .prev); this is the small stand-in for tests and tools that do not need that.
 */
export function jsonFileStore(dir: string): JsonStore {
  return {
    async get(name) {
      try {
        return JSON.parse(await fs.readFile(path.join(dir, name + '.json'), 'utf8'));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
    async put(name, value) {
      await fs.mkdir(dir, { recursive: true });
      const target = path.join(dir, name + '.json');
      const tmp = target + '.tmp';
      const fh = await fs.open(tmp, 'w');
      try {
        await fh.writeFile(JSON.stringify(value));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.rename(tmp, target);
      const d = await fs.open(dir, 'r');
      try {
        await d.sync();
      } finally {
        await d.close();
      }
    },
  };
}
