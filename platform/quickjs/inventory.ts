// QuickJS inventory sources: the same dpkg/opkg status databases and manifest folder as platform/node/inventory.ts,
// read with `os`/`std` through files.ts. A file is parsed again only when its mtime/size/inode changed, so changes
// made outside the agent show at the next read without re-parsing the whole database on every Get.

import * as os from 'os';
import type { Component } from '../../src/inventory/component.js';
import { DPKG_STATUS_PATH, parseDpkgStatus } from '../../src/inventory/dpkg-status.js';
import { parseManifest } from '../../src/inventory/manifest.js';
import { OPKG_STATUS_PATH, parseOpkgStatus } from '../../src/inventory/opkg-status.js';
import type { InventorySource } from '../../src/inventory/source.js';
import type { PackageFiles } from '../../src/scomo/ports.js';
import { isDirectory, listDir, readText, removeFile } from './files.js';

/** `mtime:size:ino`, or null when the file does not exist. */
function statKey(path: string): string | null {
  const [st, err] = os.stat(path);
  if (err !== 0) return null;
  return `${st.mtime}:${st.size}:${st.ino}`;
}

function statusFileSource(kind: string, file: string, parse: (text: string, origin: string) => Component[]): InventorySource {
  let key: string | null = null;
  let cached: Component[] = [];
  return {
    name: `${kind}:${file}`,
    async list() {
      const now = statKey(file);
      if (now === null) return []; // no such package manager on this device
      if (now !== key) {
        const text = readText(file);
        cached = text === null ? [] : parse(text, file);
        key = now;
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

/** Every `*.json` file of `dir` is a component manifest (src/inventory/manifest.ts). */
export function manifestFolderSource(dir: string): InventorySource {
  const cache: Record<string, { key: string; components: Component[] }> = {};
  return {
    name: `manifest:${dir}`,
    async list() {
      if (!isDirectory(dir)) return [];
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
        for (const c of entry.components) out.push({ ...c });
      }
      return out;
    },
  };
}

export const qjsPackageFiles: PackageFiles = {
  async remove(path: string) {
    removeFile(path);
  },
};
