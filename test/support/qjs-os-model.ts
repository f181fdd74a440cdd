// QuickJS's `os` and `std` modules (the part platform/quickjs/{files,storage,hash,writer-ports}.ts use) over
// the page-cache model (./page-cache.ts), so the QuickJS adapters' own sequence of open/write/fsync/rename/directory
// fsync runs on a file system that loses what was not made durable. Hosted on Node (vitest, vi.mock of 'os'/'std'):
// the adapters' TypeScript is the code under test, the qjs engine and dmnative are not. Return conventions are
// QuickJS's: a negative errno instead of an exception, `[value, err]` pairs for stat/readdir. fsync comes in through
// the adapters' Durability port (qjsDurability below), as dmnative's fsync/fsyncPath would.

import { PageCache, PowerCut, type ModelHandle } from './page-cache';
import type { Durability } from '../../platform/quickjs/storage';
import type { CommandRunner } from '../../src/update/writer-ports';

const O_RDONLY = 0;
const O_WRONLY = 1;
const O_RDWR = 2;
const O_CREAT = 0o100;
const O_EXCL = 0o200;
const O_TRUNC = 0o1000;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const ERRNO: Record<string, number> = { ENOENT: 2, EIO: 5, EEXIST: 17, ENOTDIR: 20, EISDIR: 21 };

interface Fd {
  h: ModelHandle;
  pos: number;
}

export interface QjsModel {
  os: Record<string, unknown>;
  std: Record<string, unknown>;
  durability: Durability;
  /** The model the calls reach (set per scenario). */
  use(pc: PageCache): void;
}

export function qjsModel(): QjsModel {
  let pc: PageCache | null = null;
  const fds = new Map<number, Fd>();
  let nextFd = 100;
  const model = () => {
    if (!pc) throw new Error('qjs-os-model: no page cache in use');
    return pc;
  };
  /** PowerCut passes (the power is off for everyone); a file-system error becomes QuickJS's -errno. */
  const guard = <T>(f: () => T, fail: (errno: number) => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof PowerCut) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code && ERRNO[code]) return fail(ERRNO[code]);
      throw e;
    }
  };
  const fd = (n: number): Fd => {
    const f = fds.get(n);
    if (!f) throw Object.assign(new Error('EBADF'), { code: 'EIO' });
    return f;
  };
  const exists = (p: string) => guard(() => (model().statSync(p), true), () => false);

  const os = {
    O_RDONLY,
    O_WRONLY,
    O_RDWR,
    O_CREAT,
    O_EXCL,
    O_TRUNC,
    S_IFMT,
    S_IFREG,
    S_IFDIR,
    SEEK_SET: 0,
    SEEK_CUR: 1,
    SEEK_END: 2,
    open(p: string, flags: number, _mode?: number): number {
      return guard(
        () => {
          const m = model();
          let h: ModelHandle;
          const there = exists(p);
          if (flags & O_CREAT && flags & O_EXCL && there) return -ERRNO.EEXIST;
          if (flags & O_CREAT && !there) h = m.openSync(p, 'w');
          else if ((flags & 3) === O_RDONLY) h = m.openSync(p, 'r');
          else h = m.openSync(p, flags & O_TRUNC ? 'w' : 'r+');
          const n = nextFd++;
          fds.set(n, { h, pos: 0 });
          return n;
        },
        (e) => -e,
      );
    },
    close(n: number): number {
      return fds.delete(n) ? 0 : -9;
    },
    seek(n: number, offset: number, whence: number): number {
      const f = fd(n);
      f.pos = whence === 0 ? offset : whence === 1 ? f.pos + offset : model().hSize(f.h) + offset;
      return f.pos;
    },
    write(n: number, buf: ArrayBuffer, offset: number, length: number): number {
      const f = fd(n);
      model().hWrite(f.h, new Uint8Array(buf, offset, length), f.pos);
      f.pos += length;
      return length;
    },
    read(n: number, buf: ArrayBuffer, offset: number, length: number): number {
      const f = fd(n);
      const got = model().hRead(f.h, f.pos, length);
      new Uint8Array(buf, offset, got.length).set(got);
      f.pos += got.length;
      return got.length;
    },
    rename(from: string, to: string): number {
      return guard(() => (model().renameSync(from, to), 0), (e) => -e);
    },
    remove(p: string): number {
      return guard(() => (model().unlinkSync(p), 0), (e) => -e);
    },
    stat(p: string): [{ mode: number; size: number } | null, number] {
      return guard<[{ mode: number; size: number } | null, number]>(
        () => {
          const st = model().statSync(p);
          return [{ mode: st.isDirectory() ? S_IFDIR | 0o755 : S_IFREG | 0o644, size: st.size }, 0];
        },
        (e) => [null, e],
      );
    },
    lstat(p: string) {
      return os.stat(p);
    },
    readdir(p: string): [string[], number] {
      return guard<[string[], number]>(() => [['.', '..'].concat(model().readdirSync(p)), 0], (e) => [[], e]);
    },
    mkdir(p: string, _mode?: number): number {
      if (exists(p)) return -ERRNO.EEXIST;
      return guard(() => (model().mkdirSync(p), 0), (e) => -e);
    },
    setTimeout: (f: () => void, ms: number) => setTimeout(f, ms),
    clearTimeout: (t: ReturnType<typeof setTimeout>) => clearTimeout(t),
    platform: 'linux',
  };
  const std = { strerror: (e: number) => `errno ${e}`, getenv: () => undefined };
  const durability: Durability = {
    async syncFd(n: number) {
      model().hSync(fd(n).h);
    },
    async syncDir(dir: string) {
      const m = model();
      m.hSync(m.openSync(dir, 'r'));
    },
  };
  return {
    os,
    std,
    durability,
    use(p: PageCache) {
      pc = p;
      fds.clear();
    },
  };
}

/**
 * The helper programs the QuickJS adapters run on model paths (`ln -f A B`, `truncate -s N F` from the file writer,
 * `df -Pk DIR` from the staging files on a qjs without dmnative), done on the model with the same effect; the device's
 * own programs (fw_setenv, an installer) go to `programs()` when a scenario set them (test/support/device-programs.ts);
 * anything else is refused so an unexpected program cannot pass unnoticed.
 */
export function modelExec(getPc: () => PageCache, programs: () => CommandRunner | null = () => null) {
  return async (args: string[], options: { stdin?: string | Uint8Array; timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> => {
    const pc = getPc();
    if (args[0] === 'ln' && args[1] === '-f' && args.length === 4) {
      await pc.rm(args[3], { force: true });
      await pc.link(args[2], args[3]);
      return { code: 0, stdout: '', stderr: '' };
    }
    if (args[0] === 'truncate' && args[1] === '-s' && args.length === 4) {
      const h = await pc.open(args[3], 'r+');
      await h.truncate(Number(args[2]));
      return { code: 0, stdout: '', stderr: '' };
    }
    if (args[0] === 'df' && args[1] === '-Pk' && args.length === 3) {
      // Free space as the Node side's statfs model answers it (page-cache.ts statfs: 4 GiB).
      const kb = (await pc.statfs(args[2])).bavail * 4;
      return { code: 0, stdout: `Filesystem 1024-blocks Used Available Capacity Mounted on\nmodel ${kb} 0 ${kb} 0% /\n`, stderr: '' };
    }
    const device = programs();
    if (device) return device(args, options.timeoutMs || 0, typeof options.stdin === 'string' ? options.stdin : undefined);
    throw new Error(`qjs-os-model: no model for the program ${args.join(' ')}`);
  };
}

/** One model for the whole test file: vi.mock factories and the test reach the same instance. */
export const QJS = qjsModel();
let execPc: PageCache | null = null;
let devicePrograms: CommandRunner | null = null;
/** Points QJS and the helper programs at the page cache of the next scenario (and the device's programs, if any). */
export function useQjsModel(pc: PageCache, programs: CommandRunner | null = null): void {
  QJS.use(pc);
  execPc = pc;
  devicePrograms = programs;
}
export const qjsExec = modelExec(
  () => {
    if (!execPc) throw new Error('qjs-os-model: no page cache in use');
    return execPc;
  },
  () => devicePrograms,
);
