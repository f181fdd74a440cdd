// Node adapter for the StateLock port: flock(2) on `<stateDir>/lock`. Node has no flock of its own; the addon of the
// npm package fs-ext (built at `npm ci`) gives it. flock belongs to the open descriptor, so the kernel drops the lock
// when the process dies, however it dies (SIGKILL, OOM, power cut): no stale lock is ever left to clean up.
// libuv opens every descriptor close-on-exec, so curl and installer children never inherit it.
import { closeSync, constants, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { LockAttempt, StateLock } from '../../src/ports/runtime.js';

interface FsExt {
  flockSync(fd: number, flags: 'ex' | 'exnb' | 'un'): void;
}

let fsExt: FsExt | undefined;
/** Loaded when a command first locks: `wbxml` and the read-only commands work even without the addon. */
function flockModule(): FsExt {
  if (!fsExt) {
    try {
      fsExt = createRequire(import.meta.url)('fs-ext') as FsExt;
    } catch (e) {
      throw new Error(`cannot load fs-ext, the flock addon (run npm ci to build it): ${(e as Error).message}`);
    }
  }
  return fsExt;
}

/** The pid written by the holder; null when the file is empty or unreadable (the holder is just writing it). */
export function readHolderPid(file: string): number | null {
  try {
    const m = /^\s*(\d+)\s*$/.exec(readFileSync(file, 'latin1'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** `name`: 'lock' (the state lock) or 'daemon.lock' (held by a running daemon for its life, docs/handoff.md). */
export function createNodeStateLock(stateDir: string, name = 'lock'): StateLock {
  const file = path.join(stateDir, name);
  let fd: number | null = null;
  return {
    async tryAcquire(): Promise<LockAttempt> {
      if (fd !== null) return { ok: true };
      const flock = flockModule();
      // O_NOFOLLOW: a symlink planted as `lock` must not make us truncate another file.
      const f = openSync(file, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
      try {
        flock.flockSync(f, 'exnb');
      } catch (e) {
        closeSync(f);
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return { ok: false, holderPid: readHolderPid(file) };
        throw new Error(`cannot lock ${file}: ${(e as Error).message}`);
      }
      fd = f;
      ftruncateSync(f, 0);
      writeSync(f, `${process.pid}\n`, 0);
      return { ok: true };
    },
    async release(): Promise<void> {
      if (fd === null) return;
      const f = fd;
      fd = null;
      // Empty the file first so nobody reads a pid that no longer holds it; closing drops the lock.
      try {
        ftruncateSync(f, 0);
      } finally {
        closeSync(f);
      }
    },
  };
}
