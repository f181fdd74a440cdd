// QuickJS's `os` and `std` modules (the part platform/quickjs/{files,storage,hash,writer-ports}.ts use) over
// the page-cache model (./page-cache.ts), so the QuickJS adapters' own sequence of open/write/fsync/rename/directory
// fsync runs on a file system that loses what was not made durable. Hosted on Node (vitest, vi.mock of 'os'/'std'):
// the adapters' TypeScript is the code under test, the qjs engine and dmnative are not. Return conventions are
// QuickJS's: a negative errno instead of an exception, `[value, err]` pairs for stat/readdir. fsync comes in through
// the adapters' Durability port (qjsDurability below), as dmnative's fsync/fsyncPath would.

import { execFile } from 'node:child_process';
import * as http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { PageCache, PowerCut, type ModelHandle } from './page-cache.js';
import type { ExecOptions, ExecResult } from '../../platform/quickjs/files.js';
import type { Durability } from '../../platform/quickjs/storage.js';
import type { CommandRunner } from '../../src/ports/commands.js';

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
  const std = {
    strerror: (e: number) => `errno ${e}`,
    getenv: () => undefined,
    // Temporary names (files.ts randomHex8) read /dev/urandom; no other file is opened through std.
    open(p: string) {
      if (p !== '/dev/urandom') throw new Error(`qjs-os-model: std.open(${p}) not modelled`);
      return {
        read: (buf: ArrayBuffer, off: number, len: number) => (new Uint8Array(buf, off, len).set(randomBytes(len)), len),
        close: () => 0,
      };
    },
  };
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
 * Programs that run for real on real files outside the model (SCOMO's dpkg installer on a scratch root,
 * test/support/scomo-dpkg-pagecache.ts): each run is one cut point before it starts, and what it wrote counts as
 * durable once it returned (as fw_setenv in test/powercut-pagecache.test.ts).
 */
const REAL_PROGRAMS = ['dpkg', 'dpkg-deb', 'dpkg-query'];

function runReal(args: string[]): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(args[0], args.slice(1), { encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 127) : 0;
      resolve({ code, signal: 0, timedOut: false, overflowed: false, stdout, stderr, stdoutBytes: new TextEncoder().encode(stdout) });
    });
  });
}

/**
 * The helper programs the QuickJS adapters run on model paths (`ln -f A B`, `truncate -s N F` from the file writer
 * and the downloader, `df -Pk DIR` from the staging files on a qjs without dmnative, `curl` from the downloader),
 * done on the model with the same effect; the dpkg programs above run for real; the device's own programs
 * (fw_setenv, an installer) go to `programs()` when a scenario set them (test/support/device-programs.ts); anything
 * else is refused so an unexpected program cannot pass unnoticed.
 */
export function modelExec(getPc: () => PageCache, programs: () => CommandRunner | null = () => null) {
  const ok = (stdout = ''): ExecResult => ({ code: 0, signal: 0, timedOut: false, overflowed: false, stdout, stderr: '', stdoutBytes: new Uint8Array(0) });
  return async (args: string[], options: ExecOptions = {}): Promise<ExecResult> => {
    const pc = getPc();
    const program = args[0].slice(args[0].lastIndexOf('/') + 1);
    if (REAL_PROGRAMS.indexOf(program) >= 0) {
      pc.step(`exec:${program}`);
      return runReal(args);
    }
    if (args[0] === 'ln' && args[1] === '-f' && args.length === 4) {
      await pc.rm(args[3], { force: true });
      await pc.link(args[2], args[3]);
      return ok();
    }
    if (args[0] === 'truncate' && args[1] === '-s' && args.length === 4) {
      const h = await pc.open(args[3], 'r+');
      await h.truncate(Number(args[2]));
      return ok();
    }
    if (args[0] === 'sh' && args[1] === '-c' && /^\{ dd if="\$1" .*\| sha256sum;/.test(args[2])) {
      // The read-back from the medium (platform/quickjs/medium-hash.ts: dd | tail | head | sha256sum) hashes what the
      // model holds for the file, and reports the bytes dd copied as dd does.
      const [path, bs, skip, count, lead, length] = args.slice(4, 10).map((v, i) => (i === 0 ? v : Number(v))) as [string, number, number, number, number, number];
      const h = await pc.open(path, 'r');
      const bytes = pc.hRead(h, (skip as number) * bs, count * bs);
      await h.close();
      const hashed = bytes.subarray(lead, lead + length);
      return { ...ok(`${createHash('sha256').update(hashed).digest('hex')}  -\n`), stderr: `${count}+0 records in\n${bytes.length} bytes copied\n` };
    }
    if (args[0] === 'df' && args[1] === '-Pk' && args.length === 3) {
      // Free space as the Node side's statfs model answers it (page-cache.ts statfs: 4 GiB).
      const kb = (await pc.statfs(args[2])).bavail * 4;
      return ok(`Filesystem 1024-blocks Used Available Capacity Mounted on\nmodel ${kb} 0 ${kb} 0% /\n`);
    }
    if (args[0] === 'curl') return modelCurl(pc, args, options);
    const device = programs();
    if (device) {
      const r = await device(args, { timeoutMs: options.timeoutMs, stdin: typeof options.stdin === 'string' ? options.stdin : undefined });
      return { code: r.code, signal: 0, timedOut: false, overflowed: false, stdout: r.stdout, stderr: r.stderr, stdoutBytes: new TextEncoder().encode(r.stdout) };
    }
    throw new Error(`qjs-os-model: no model for the program ${args.join(' ')}`);
  };
}

/**
 * curl as platform/quickjs/download.ts runs it for a package (`-D <head> -o - [-C N] [-H ...] -- URL`), over real
 * HTTP to the loopback test server: the head is written to the -D file on the model (curl's own create and write,
 * volatile like any other), the body is handed to onStdout in 64 KiB pieces, one per event-loop turn (what one
 * pipe read gives the adapter), and the adapter's sink writes it to the staged file on the model. Starting curl is
 * a cut point of its own. Like curl: -C with a 200 answer (the range was ignored) ends with exit 33 and no body;
 * --max-filesize below an announced Content-Length is exit 63; onStdout returning false stops it (SIGTERM).
 */
async function modelCurl(pc: PageCache, args: string[], options: ExecOptions): Promise<ExecResult> {
  const VALUE = new Set(['-A', '--cacert', '-D', '-o', '--connect-timeout', '--speed-limit', '--speed-time', '--limit-rate', '--max-filesize', '--max-time', '-C', '-H']);
  const opt: Record<string, string> = {};
  const headers: Record<string, string> = {};
  let url = '';
  for (let i = 1; i < args.length; i++) {
    const a = args[i];
    if (a === '--') url = args[++i];
    else if (a === '-q' || a === '-sS') continue;
    else if (VALUE.has(a)) {
      const v = args[++i];
      if (a === '-H') headers[v.slice(0, v.indexOf(':')).toLowerCase()] = v.slice(v.indexOf(':') + 1).trim();
      else opt[a] = v;
    } else throw new Error(`qjs-os-model: curl option ${a} not modelled`);
  }
  if (opt['-o'] !== '-' || !opt['-D'] || !url) throw new Error(`qjs-os-model: curl ${args.join(' ')} not modelled`);
  pc.step('exec:curl');
  if (opt['-A']) headers['user-agent'] = opt['-A'];
  if (opt['-C']) headers['range'] = `bytes=${opt['-C']}-`;
  const res = await new Promise<{ status: number; reason: string; raw: string[]; body: Buffer }>((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => resolve({ status: r.statusCode || 0, reason: r.statusMessage || '', raw: r.rawHeaders, body: Buffer.concat(chunks) }));
      r.on('error', reject);
    });
    req.on('error', reject);
  });
  let headText = `HTTP/1.1 ${res.status} ${res.reason}\r\n`;
  for (let i = 0; i < res.raw.length; i += 2) headText += `${res.raw[i]}: ${res.raw[i + 1]}\r\n`;
  const hf = await pc.open(opt['-D'], 'w');
  await hf.writeFile(headText + '\r\n');
  await hf.close();
  const result = (code: number, stderr = '', signal = 0): ExecResult => ({ code, signal, timedOut: false, overflowed: false, stdout: '', stderr, stdoutBytes: new Uint8Array(0) });
  if (opt['-C'] && res.status === 200) return result(33, "curl: (33) HTTP server doesn't seem to support byte ranges. Cannot resume.");
  if (opt['--max-filesize'] && res.status < 300 && res.body.length > Number(opt['--max-filesize'])) return result(63, 'curl: (63) Maximum file size exceeded');
  if (options.onStart) options.onStart(() => undefined);
  for (let off = 0; off < res.body.length; off += 65536) {
    await new Promise((r) => setImmediate(r));
    // A promise from onStdout holds the next piece back until it settles (the pipe is not read meanwhile).
    if (options.onStdout && !(await options.onStdout(new Uint8Array(res.body.subarray(off, off + 65536))))) return result(-1, '', 15);
  }
  return result(0);
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
