// Node inventory sources over the real files: dpkg and opkg status databases and a manifest folder. The caching
// (parse again only when the file's mtime/size/inode changed) lives once in src/inventory/file-sources.ts; this file
// only answers its file reads with node:fs.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileSources, type InventoryFiles } from '../../src/inventory/file-sources.js';

/** null for a missing file (ENOENT); every other failure is thrown as it is. */
async function unlessMissing<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export const nodeInventoryFiles: InventoryFiles = {
  statKey: (file) => unlessMissing(async () => {
    const st = await fs.stat(file);
    return `${st.mtimeMs}:${st.size}:${st.ino}`;
  }),
  readText: (file) => unlessMissing(() => fs.readFile(file, 'utf8')),
  listDir: (dir) => unlessMissing(() => fs.readdir(dir)),
  now: () => Date.now(),
};

/** dpkg and opkg status databases and manifest folders (src/inventory/file-sources.ts) over these reads. */
export const { dpkgStatusSource, opkgStatusSource, manifestFolderSource } = fileSources(nodeInventoryFiles);

/** Deletes package files after install / on Delivered Remove. */
export const nodePackageFiles = {
  async remove(file: string): Promise<void> {
    await fs.rm(file, { force: true });
  },
};
