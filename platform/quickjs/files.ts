// Small file and process helpers over QuickJS `std`/`os` for the QuickJS adapters (and anyone writing one).
//
// QuickJS reports failures as negative errno values or [value, err] pairs; these helpers turn them into a
// QjsFileError that names the operation, the path and the errno text, so callers never see a bare number.
//
//   readBytes(path, limit?)  -> Uint8Array | null  (null: the file does not exist; reads /proc and /sys files too;
//                                                   with a limit, stops after limit + 1 bytes)
//   readText(path)           -> string | null      (UTF-8)
//   writeBytes(path, data)   /  writeText(path, text)   plain write, NOT atomic and NOT fsynced (use the Storage
//                                                        adapter or storage.ts's writeFileAtomic for durable state)
//   exists(path), isDirectory(path)
//   listDir(path)            -> sorted names without '.' and '..'; throws when the directory is missing
//   mkdirp(path, mode)       -> creates missing parents, fine when the directory exists
//   removeFile(path)         -> true when removed, false when it did not exist
//   makePrivateDir(prefix, base?) -> a fresh directory (mode 0700) under base, $TMPDIR or /tmp
//   randomHex8()             -> 16 hex digits from /dev/urandom (temporary names)
//   exec(args, options)      -> Promise<{ code, signal, stdout, stderr, stdoutBytes }>, see below
import * as std from 'std';
import * as os from 'os';
import { utf8Decode, utf8Encode, concatBytes, hex } from '../../src/bytes.js';

const ENOENT = 2;
const EEXIST = 17;

/**
 * Signal numbers QuickJS 2021-03-27 does not export: its `os` module has SIGTERM (15) but no SIGKILL, so
 * `os.kill(pid, os.SIGKILL)` would send `undefined`, i.e. signal 0, which kills nothing. 9 is SIGKILL on every
 * Linux architecture we build for (x86_64, arm64, armhf).
 */
export const SIGKILL = 9;

export class QjsFileError extends Error {
  constructor(
    readonly op: string,
    readonly path: string,
    readonly errno: number,
  ) {
    super(`${op} ${path}: ${std.strerror(errno)}`);
    this.name = 'QjsFileError';
  }
}

/** Turns an `os` return value (negative errno on failure) into an exception. */
export function check(op: string, path: string, ret: number): number {
  if (ret < 0) throw new QjsFileError(op, path, -ret);
  return ret;
}

/**
 * Reads a whole file. Reads until EOF rather than trusting st_size, so /proc and /sys files work. With `limit`, stops
 * after limit + 1 bytes (the caller sees "more than limit" without reading /dev/zero forever).
 */
export function readBytes(path: string, limit = Infinity): Uint8Array | null {
  const fd = os.open(path, os.O_RDONLY);
  if (fd === -ENOENT) return null;
  check('open', path, fd);
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    while (total <= limit) {
      const buf = new ArrayBuffer(Math.min(65536, limit + 1 - total));
      const n = check('read', path, os.read(fd, buf, 0, buf.byteLength));
      if (n === 0) break;
      chunks.push(new Uint8Array(buf, 0, n));
      total += n;
    }
    return chunks.length === 1 ? chunks[0].slice() : concatBytes(chunks);
  } finally {
    os.close(fd);
  }
}

export function readText(path: string): string | null {
  const bytes = readBytes(path);
  return bytes === null ? null : utf8Decode(bytes);
}

/** Writes all of `data` to `fd`, looping over short writes. */
export function writeAll(fd: number, data: Uint8Array, what: string): void {
  let done = 0;
  while (done < data.length) {
    const n = check('write', what, os.write(fd, data.buffer as ArrayBuffer, data.byteOffset + done, data.length - done));
    if (n === 0) throw new QjsFileError('write', what, 5 /* EIO: no progress */);
    done += n;
  }
}

/** Creates or truncates `path` and writes `data`. Not atomic, not fsynced. */
export function writeBytes(path: string, data: Uint8Array, mode = 0o644): void {
  const fd = check('open', path, os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode));
  try {
    writeAll(fd, data, path);
  } finally {
    os.close(fd);
  }
}

export function writeText(path: string, text: string, mode = 0o644): void {
  writeBytes(path, utf8Encode(text), mode);
}

export function exists(path: string): boolean {
  const [, err] = os.stat(path);
  return err === 0;
}

export function isDirectory(path: string): boolean {
  const [st, err] = os.stat(path);
  return err === 0 && (st.mode & os.S_IFMT) === os.S_IFDIR;
}

export function listDir(path: string): string[] {
  const [names, err] = os.readdir(path);
  if (err !== 0) throw new QjsFileError('readdir', path, err);
  return names.filter((n) => n !== '.' && n !== '..').sort();
}

export function mkdirp(path: string, mode = 0o755): void {
  if (path === '' || isDirectory(path)) return;
  const slash = path.replace(/\/+$/, '').lastIndexOf('/');
  if (slash > 0) mkdirp(path.slice(0, slash), mode);
  const ret = os.mkdir(path, mode);
  if (ret === -EEXIST) {
    if (isDirectory(path)) return;
    throw new QjsFileError('mkdir', path, 20 /* ENOTDIR: a file is in the way */);
  }
  check('mkdir', path, ret);
}

export function removeFile(path: string): boolean {
  const ret = os.remove(path);
  if (ret === -ENOENT) return false;
  check('remove', path, ret);
  return true;
}

/** QuickJS's os.platform ('linux', ...): the name collides with Node's os.platform() in the type declarations. */
export function qjsPlatform(): string {
  return (os as unknown as { platform: string }).platform;
}

/** A fresh private directory (mode 0700) for temporary files, e.g. curl's request and response bodies. */
export function makePrivateDir(prefix: string, base?: string): string {
  base = (base || std.getenv('TMPDIR') || '/tmp').replace(/\/+$/, '');
  for (let attempt = 0; attempt < 10; attempt++) {
    const dir = `${base}/${prefix}-${randomHex8()}`;
    const ret = os.mkdir(dir, 0o700);
    if (ret === 0) return dir;
    if (ret !== -EEXIST) check('mkdir', dir, ret);
  }
  throw new Error(`could not create a private directory under ${base}`);
}

/** 8 random bytes from /dev/urandom as hex, for temporary names. */
export function randomHex8(): string {
  const f = std.open('/dev/urandom', 'rb');
  if (!f) throw new Error('cannot open /dev/urandom');
  const buf = new ArrayBuffer(8);
  try {
    if (f.read(buf, 0, 8) !== 8) throw new Error('short read from /dev/urandom');
  } finally {
    f.close();
  }
  return hex(new Uint8Array(buf));
}

export interface ExecOptions {
  cwd?: string;
  /** Replaces the whole environment when given. */
  env?: Record<string, string>;
  /** Bytes fed to the child's stdin (default: empty stdin). */
  stdin?: Uint8Array | string;
  /** Kill the child (SIGTERM, then SIGKILL 1 s later) when it runs longer than this. */
  timeoutMs?: number;
  /**
   * Streams stdout here instead of collecting it (memory stays flat for downloads); returning false stops the child
   * (SIGTERM) and drops whatever it still writes. Returning a promise stops reading the pipe until it settles
   * (backpressure: the child blocks on the full pipe, nothing piles up here); it resolving to false, or rejecting,
   * stops the child. `chunk` is a view of ONE buffer reused for every read: it is valid until the call returns, or
   * until its promise settles, and must be copied to be kept longer.
   */
  onStdout?(chunk: Uint8Array): boolean | Promise<boolean>;
  /** Size of the buffer stdout is read into with `onStdout` (default 64 KiB). */
  stdoutChunkBytes?: number;
  /** Receives a function that stops the child (SIGTERM), for callers that decide on a timer (low-speed abort). */
  onStart?(stop: () => void): void;
  /** Kill the child (SIGKILL at once) as soon as its stdout passes this many bytes; at most this many are kept. */
  maxStdoutBytes?: number;
}

export interface ExecResult {
  /** Exit code; 127 when the program could not be started (QuickJS's os.exec convention). -1 when killed. */
  code: number;
  /** Signal number that ended the child, 0 when it exited normally. */
  signal: number;
  /** True when the child was killed because of `timeoutMs`. */
  timedOut: boolean;
  /** True when the child was killed because its stdout passed `maxStdoutBytes`. */
  overflowed: boolean;
  stdout: string;
  stderr: string;
  stdoutBytes: Uint8Array;
}

/**
 * Runs a program (looked up in PATH) without a shell and captures stdout/stderr through pipes read by the
 * QuickJS event loop, so other timers and handlers keep running while it works.
 */
export function exec(args: string[], options: ExecOptions = {}): Promise<ExecResult> {
  if (args.length === 0) return Promise.reject(new Error('exec: empty argument list'));
  return new Promise<ExecResult>((resolve, reject) => {
    const outPipe = os.pipe();
    const errPipe = os.pipe();
    if (!outPipe || !errPipe) {
      for (const p of [outPipe, errPipe]) if (p) p.forEach((fd) => os.close(fd));
      reject(new Error('exec: pipe() failed'));
      return;
    }
    let stdinFile: std.FILE | null = null;
    let devNull = -1;
    let pid: number;
    try {
      const execOptions: os.ExecOptions = { block: false, usePath: true, stdout: outPipe[1], stderr: errPipe[1] };
      if (options.stdin !== undefined) {
        const data = typeof options.stdin === 'string' ? utf8Encode(options.stdin) : options.stdin;
        stdinFile = std.tmpfile();
        if (!stdinFile) throw new Error('exec: tmpfile() failed');
        stdinFile.write(data.buffer as ArrayBuffer, data.byteOffset, data.length);
        stdinFile.flush();
        stdinFile.seek(0, std.SEEK_SET);
        execOptions.stdin = stdinFile.fileno();
      } else {
        devNull = check('open', '/dev/null', os.open('/dev/null', os.O_RDONLY));
        execOptions.stdin = devNull;
      }
      if (options.cwd !== undefined) execOptions.cwd = options.cwd;
      if (options.env !== undefined) execOptions.env = options.env;
      pid = os.exec(args, execOptions);
    } catch (e) {
      os.close(outPipe[0]);
      os.close(errPipe[0]);
      if (stdinFile) stdinFile.close();
      reject(e);
      return;
    } finally {
      // the child has its own copies now: keep only the read ends
      os.close(outPipe[1]);
      os.close(errPipe[1]);
      if (devNull >= 0) os.close(devNull);
    }
    const out: Uint8Array[] = [];
    const err: Uint8Array[] = [];
    const openFds: number[] = [outPipe[0], errPipe[0]];
    const closeFd = (fd: number) => {
      const i = openFds.indexOf(fd);
      if (i < 0) return;
      openFds.splice(i, 1);
      os.setReadHandler(fd, null);
      os.close(fd);
      if (openFds.length === 0) reap(1);
    };
    let timedOut = false;
    let overflowed = false;
    let outBytes = 0;
    let errBytes = 0;
    const maxOut = options.maxStdoutBytes === undefined ? Infinity : options.maxStdoutBytes;
    let timer: unknown = null;
    let killTimer: unknown = null;
    let stopped = false;
    // Kills the child for good and stops reading: a grandchild may still hold the pipes open.
    const killNow = () => {
      os.kill(pid, SIGKILL);
      openFds.slice().forEach(closeFd);
    };
    const stop = () => {
      if (stopped) return;
      stopped = true;
      os.kill(pid, os.SIGTERM);
    };
    // Streamed stdout is read into one buffer, allocated once: no allocation per chunk, memory flat in the body size.
    const streamBuf = options.onStdout ? new ArrayBuffer(Math.max(1, options.stdoutChunkBytes || 65536)) : null;
    const drain = (fd: number, sink: Uint8Array[]) => {
      const handler = () => {
        if (sink === out && options.onStdout && streamBuf) {
          const n = os.read(fd, streamBuf, 0, streamBuf.byteLength);
          if (n > 0) {
            if (stopped) return; // stopped: what the child still writes is dropped
            const verdict = options.onStdout(new Uint8Array(streamBuf, 0, n));
            // Anything but true or a promise (false, or nothing from an untyped caller) stops the child, as before.
            if (verdict !== true && !(verdict && typeof verdict.then === 'function')) stop();
            else if (verdict !== true) {
              // The consumer is busy with this chunk: the pipe is not read (and the buffer not reused) until it is done.
              os.setReadHandler(fd, null);
              verdict.then(
                (ok) => {
                  if (!ok) stop();
                },
                stop,
              ).then(() => {
                if (openFds.indexOf(fd) >= 0) os.setReadHandler(fd, handler);
              });
            }
            return;
          }
          if (n === -4 /* EINTR */ || n === -11 /* EAGAIN */) return;
          closeFd(fd);
          return;
        }
        // stdout is read at most one byte past its cap, so what is kept never grows beyond it
        const room = sink === out ? Math.min(65536, maxOut + 1 - outBytes) : 65536;
        const buf = new ArrayBuffer(Math.max(room, 1));
        const n = os.read(fd, buf, 0, buf.byteLength);
        if (n > 0) {
          if (sink === out) {
            outBytes += n;
            if (outBytes > maxOut) {
              overflowed = true;
              sink.push(new Uint8Array(buf, 0, n - (outBytes - maxOut)));
              killNow();
              return;
            }
          }
          // stderr is for messages: past 64 KiB the rest is read and dropped, so a chatty child cannot fill memory
          if (sink === out || errBytes < 65536) sink.push(new Uint8Array(buf, 0, sink === out ? n : Math.min(n, 65536 - errBytes)));
          if (sink === err) errBytes += n;
          return;
        }
        if (n === -4 /* EINTR */ || n === -11 /* EAGAIN */) return;
        closeFd(fd);
      };
      return handler;
    };
    const finish = (status: number) => {
      if (timer !== null) os.clearTimeout(timer);
      if (killTimer !== null) os.clearTimeout(killTimer);
      if (stdinFile) stdinFile.close();
      const signal = status & 0x7f;
      const stdoutBytes = concatBytes(out);
      resolve({
        code: signal === 0 ? (status >> 8) & 0xff : -1,
        signal,
        timedOut,
        overflowed,
        stdout: utf8Decode(stdoutBytes),
        stderr: utf8Decode(concatBytes(err)),
        stdoutBytes,
      });
    };
    // The pipes are closed: the child has exited or is about to. Poll without blocking the event loop.
    const reap = (delay: number) => {
      const [ret, status] = os.waitpid(pid, os.WNOHANG);
      if (ret === pid) finish(status);
      else if (ret < 0) reject(new Error(`exec ${args[0]}: waitpid failed: ${std.strerror(-ret)}`));
      else os.setTimeout(() => reap(Math.min(delay * 2, 50)), delay);
    };
    if (options.onStart) {
      options.onStart(stop);
    }
    os.setReadHandler(outPipe[0], drain(outPipe[0], out));
    os.setReadHandler(errPipe[0], drain(errPipe[0], err));
    if (options.timeoutMs !== undefined) {
      timer = os.setTimeout(() => {
        timedOut = true;
        os.kill(pid, os.SIGTERM);
        killTimer = os.setTimeout(() => {
          killTimer = null;
          killNow();
        }, 1000);
      }, options.timeoutMs);
    }
  });
}
