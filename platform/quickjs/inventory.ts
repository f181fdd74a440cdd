// QuickJS inventory sources: the same dpkg/opkg status databases and manifest folder as on Node, with the caching
// (parse again only when the file's mtime/size/inode changed) once in src/inventory/file-sources.ts; this file only
// answers its file reads with `os`/`std` through files.ts.

import * as os from 'os';
import { DPKG_STATUS_PATH } from '../../src/inventory/dpkg-status.js';
import { OPKG_STATUS_PATH } from '../../src/inventory/opkg-status.js';
import * as files from '../../src/inventory/file-sources.js';
import type { FileSourceOptions, InventorySource } from '../../src/inventory/source.js';
import type { PackageFiles } from '../../src/scomo/ports.js';
import { isDirectory, listDir, readText, removeFile } from './files.js';

const qjsFiles: files.InventoryFiles = {
  async statKey(path) {
    const [st, err] = os.stat(path);
    return err !== 0 ? null : `${st.mtime}:${st.size}:${st.ino}`;
  },
  readText: async (path) => readText(path),
  listDir: async (path) => (isDirectory(path) ? listDir(path) : null),
  now: () => Date.now(),
};

export function dpkgStatusSource(file = DPKG_STATUS_PATH, options: FileSourceOptions = {}): InventorySource {
  return files.dpkgStatusSource(qjsFiles, file, options);
}

export function opkgStatusSource(file = OPKG_STATUS_PATH, options: FileSourceOptions = {}): InventorySource {
  return files.opkgStatusSource(qjsFiles, file, options);
}

/** Every `*.json` file of `dir` is a component manifest (src/inventory/file-sources.ts). */
export function manifestFolderSource(dir: string, options: FileSourceOptions = {}): InventorySource {
  return files.manifestFolderSource(qjsFiles, dir, options);
}

export const qjsPackageFiles: PackageFiles = {
  async remove(path: string) {
    removeFile(path);
  },
};
