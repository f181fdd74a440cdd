// Node inventory sources over the real files: dpkg and opkg status databases and a manifest folder. The caching
// (parse again only when the file's mtime/size/inode changed) lives once in src/inventory/file-sources.ts; this file
// only answers its file reads with node:fs.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileSources, type InventoryFiles } from '../../src/inventory/file-sources.js';
import type { JsonStore } from '../../src/scomo/ports.js';

/** null for a missing file (ENOENT); every other failure is thrown as it is. */
async function unlessMissing<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

const nodeFiles: InventoryFiles = {
  statKey: (file) => unlessMissing(async () => {
    const st = await fs.stat(file);
    return `${st.mtimeMs}:${st.size}:${st.ino}`;
  }),
  readText: (file) => unlessMissing(() => fs.readFile(file, 'utf8')),
  listDir: (dir) => unlessMissing(() => fs.readdir(dir)),
  now: () => Date.now(),
};

/** dpkg and opkg status databases and manifest folders (src/inventory/file-sources.ts) over these reads. */
export const { dpkgStatusSource, opkgStatusSource, manifestFolderSource } = fileSources(nodeFiles);

/** Deletes package files after install / on Delivered Remove. */
export const nodePackageFiles = {
  async remove(file: string): Promise<void> {
    await fs.rm(file, { force: true });
  },
};

/**
 * A JsonStore in one directory (temp file, fsync, rename, fsync dir). The agent should use src/state's DurableStore
 * (checksummed, keeps .prev); this is the small stand-in for tests and tools that do not need that. Its fsyncs stay
 * although no power-cut scenario runs it (scripts/mutate-durability lists them as survivors for that reason): a tool
 * that keeps state in it gets the same atomic replace the Storage port promises (src/ports.ts).
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
