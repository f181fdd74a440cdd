// How data reaches the disk on QuickJS, whose `os`/`std` have no fsync: dmnative's fsync/fsyncPath in production, the
// `sync` command on a stock qjs, a model in the power-cut tests (test/support/qjs-os-model.ts).
import { exec } from './files.js';
import type { DmNative } from './native.js';

/** How data reaches the disk; dmnative in production, replaceable in tests. */
export interface Durability {
  syncFd(fd: number, path: string): Promise<void>;
  syncDir(dir: string): Promise<void>;
}

export function nativeDurability(dm: DmNative): Durability {
  return {
    syncFd: async (fd) => dm.fsync(fd),
    syncDir: async (dir) => dm.fsyncPath(dir),
  };
}

/** Fallback for a stock qjs: `sync FILE` fsyncs that file (coreutils >= 8.24), `sync DIR` the directory. */
export function commandDurability(): Durability {
  const run = async (path: string) => {
    const r = await exec(['sync', path]);
    if (r.code !== 0) throw new Error(`sync ${path} failed (exit ${r.code}): ${r.stderr.trim()}`);
  };
  return { syncFd: (_fd, path) => run(path), syncDir: run };
}

