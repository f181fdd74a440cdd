// QuickJS adapter for the StateLock port: flock(2) on `<stateDir>/lock` through our native module (dmnative
// lockFile/unlockFile; QuickJS's `os` has no flock). The kernel drops the lock when the process dies, however it dies.
import * as std from 'std';
import type { LockAttempt, StateLock } from '../../src/ports/runtime.js';
import { loadDmNative } from './native.js';

/** The pid written by the holder; null when the file is empty or unreadable (the holder is just writing it). */
function readHolderPid(file: string): number | null {
  const text = std.loadFile(file);
  const m = text === null ? null : /^\s*(\d+)\s*$/.exec(text);
  return m ? Number(m[1]) : null;
}

/** `name`: 'lock' (the state lock) or 'daemon.lock' (held by a running daemon for its life, docs/handoff.md). */
export function createQjsStateLock(stateDir: string, name = 'lock'): StateLock {
  const file = `${stateDir.replace(/\/+$/, '')}/${name}`;
  let fd: number | null = null;
  return {
    async tryAcquire(): Promise<LockAttempt> {
      if (fd !== null) return { ok: true };
      const dm = await loadDmNative();
      if (!dm) throw new Error(`cannot lock ${file}: this qjs has no dmnative module (build dm-agent's own qjs with scripts/build-qjs)`);
      const f = dm.lockFile(file);
      if (f < 0) return { ok: false, holderPid: readHolderPid(file) };
      fd = f;
      return { ok: true };
    },
    async release(): Promise<void> {
      if (fd === null) return;
      const f = fd;
      fd = null;
      const dm = await loadDmNative();
      if (dm) dm.unlockFile(f);
    },
  };
}
