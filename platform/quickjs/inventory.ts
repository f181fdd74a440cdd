// QuickJS inventory sources: the same dpkg/opkg status databases and manifest folder as on Node, with the caching
// (parse again only when the file's mtime/size/inode changed) once in src/inventory/file-sources.ts; this file only
// answers its file reads with `os`/`std` through files.ts.

import * as os from 'os';
import { fileSources, type InventoryFiles } from '../../src/inventory/file-sources.js';
import type { PackageFiles } from '../../src/ports/scomo.js';
import { isDirectory, listDir, readText, removeFile } from './files.js';

export const qjsInventoryFiles: InventoryFiles = {
  async statKey(path) {
    const [st, err] = os.stat(path);
    return err !== 0 ? null : `${st.mtime}:${st.size}:${st.ino}`;
  },
  readText: async (path) => readText(path),
  listDir: async (path) => (isDirectory(path) ? listDir(path) : null),
  now: () => Date.now(),
};

/** dpkg and opkg status databases and manifest folders (src/inventory/file-sources.ts) over these reads. */
export const { dpkgStatusSource, opkgStatusSource, manifestFolderSource } = fileSources(qjsInventoryFiles);

export const qjsPackageFiles: PackageFiles = {
  async remove(path: string) {
    removeFile(path);
  },
};
