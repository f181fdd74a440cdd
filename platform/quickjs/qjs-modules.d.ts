// Types for the modules built into our qjs (QuickJS 2021-03-27 `std` and `os`, plus our native `dmnative`).
// Only what the QuickJS adapters use or are likely to use; see the QuickJS documentation (doc/quickjs.texi,
// "std module" / "os module") for the full list. Functions of `os` return a negative errno on failure unless
// noted; [value, err] pairs carry err = 0 on success.
//
// Note on 'os': @types/node also declares a module 'os' (tsconfig loads the node types for the tests). TypeScript
// merges ambient modules of the same name, so only names Node does not already export may be declared here:
// `os.platform` (a string on QuickJS, a function on Node) is therefore left out; use `qjsPlatform()` from files.ts.

declare module 'std' {
  export interface FILE {
    close(): number;
    puts(s: string): void;
    printf(fmt: string, ...args: unknown[]): void;
    flush(): void;
    seek(offset: number, whence: number): number;
    tell(): number;
    eof(): boolean;
    fileno(): number;
    error(): boolean;
    clearerr(): void;
    /** Reads up to `length` bytes into `buffer` at `position`; returns the count read. */
    read(buffer: ArrayBuffer, position: number, length: number): number;
    write(buffer: ArrayBuffer, position: number, length: number): number;
    getline(): string | null;
    readAsString(maxSize?: number): string;
    getByte(): number;
    putByte(c: number): void;
  }
  export interface ErrorHolder {
    errno?: number;
  }
  const stdin: FILE;
  export { stdin as in };
  export const out: FILE;
  export const err: FILE;
  export const SEEK_SET: number;
  export const SEEK_CUR: number;
  export const SEEK_END: number;
  export const Error: { readonly ENOENT: number; readonly EINVAL: number; readonly EIO: number; readonly EACCES: number; readonly EEXIST: number; readonly ENOSPC: number; readonly ENOSYS: number; readonly EBUSY: number; readonly EPERM: number; readonly EPIPE: number; readonly EBADF: number };
  export function exit(code: number): never;
  export function evalScript(code: string, options?: { backtrace_barrier?: boolean }): unknown;
  export function loadScript(filename: string): unknown;
  /** Whole file as a UTF-8 decoded string, or null. */
  export function loadFile(filename: string): string | null;
  export function open(filename: string, flags: string, errorObj?: ErrorHolder): FILE | null;
  export function popen(command: string, flags: string, errorObj?: ErrorHolder): FILE | null;
  export function fdopen(fd: number, flags: string, errorObj?: ErrorHolder): FILE | null;
  export function tmpfile(errorObj?: ErrorHolder): FILE | null;
  export function puts(s: string): void;
  export function printf(fmt: string, ...args: unknown[]): void;
  export function sprintf(fmt: string, ...args: unknown[]): string;
  export function strerror(errno: number): string;
  export function getenv(name: string): string | undefined;
  export function setenv(name: string, value: string): void;
  export function unsetenv(name: string): void;
  export function getenviron(): Record<string, string>;
  export function gc(): void;
  export function parseExtJSON(text: string): unknown;
}

declare module 'os' {
  export interface QjsStat {
    dev: number;
    ino: number;
    mode: number;
    nlink: number;
    uid: number;
    gid: number;
    rdev: number;
    size: number;
    blocks: number;
    atime: number;
    mtime: number;
    ctime: number;
  }
  export interface ExecOptions {
    /** Wait for the child (default true): then exec returns its exit code, or -signal. Else it returns the pid. */
    block?: boolean;
    usePath?: boolean;
    file?: string;
    cwd?: string;
    stdin?: number;
    stdout?: number;
    stderr?: number;
    env?: Record<string, string>;
    uid?: number;
    gid?: number;
  }
  export const O_RDONLY: number;
  export const O_WRONLY: number;
  export const O_RDWR: number;
  export const O_APPEND: number;
  export const O_CREAT: number;
  export const O_EXCL: number;
  export const O_TRUNC: number;
  export const S_IFMT: number;
  export const S_IFREG: number;
  export const S_IFDIR: number;
  export const S_IFLNK: number;
  export const S_IFBLK: number;
  export const WNOHANG: number;
  export const SIGINT: number;
  export const SIGTERM: number;
  // No SIGKILL: QuickJS 2021-03-27 does not export it (use SIGKILL = 9 from files.ts).
  export function open(filename: string, flags: number, mode?: number): number;
  export function close(fd: number): number;
  export function seek(fd: number, offset: number, whence: number): number;
  export function read(fd: number, buffer: ArrayBuffer, offset: number, length: number): number;
  export function write(fd: number, buffer: ArrayBuffer, offset: number, length: number): number;
  export function isatty(fd: number): boolean;
  export function remove(filename: string): number;
  export function rename(oldname: string, newname: string): number;
  export function realpath(path: string): [string, number];
  export function getcwd(): [string, number];
  export function chdir(path: string): number;
  export function mkdir(path: string, mode?: number): number;
  export function stat(path: string): [QjsStat, number];
  export function lstat(path: string): [QjsStat, number];
  export function utimes(path: string, atime: number, mtime: number): number;
  export function symlink(target: string, linkpath: string): number;
  export function readlink(path: string): [string, number];
  export function readdir(path: string): [string[], number];
  export function setReadHandler(fd: number, handler: (() => void) | null): void;
  export function setWriteHandler(fd: number, handler: (() => void) | null): void;
  export function signal(signal: number, handler: (() => void) | null | undefined): void;
  export function kill(pid: number, signal: number): number;
  export function exec(args: string[], options?: ExecOptions): number;
  export function waitpid(pid: number, options: number): [number, number];
  export function dup(fd: number): number;
  export function dup2(oldfd: number, newfd: number): number;
  export function pipe(): [number, number] | null;
  export function sleep(ms: number): void;
  export function setTimeout(fn: () => void, ms: number): unknown;
  export function clearTimeout(handle: unknown): void;
}

/** dm-agent's native module, compiled into our qjs (platform/quickjs/native/dmnative.c, built by scripts/build-qjs). */
declare module 'dmnative' {
  /** Opaque SHA-256 state; finalize it exactly once. */
  export interface Sha256Handle {
    readonly __sha256Handle: unique symbol;
  }
  export function sha256Init(): Sha256Handle;
  /** Hashes `length` bytes from `offset` of the view (defaults: the whole view). Throws RangeError past the end. */
  export function sha256Update(handle: Sha256Handle, data: ArrayBuffer | Uint8Array, offset?: number, length?: number): void;
  /** The 32-byte digest; the handle cannot be used afterwards. */
  export function sha256Final(handle: Sha256Handle): ArrayBuffer;
  /** A new handle in the same state as `handle` (a prefix digest while hashing goes on). TypeError once finalized. */
  export function sha256Copy(handle: Sha256Handle): Sha256Handle;
  /**
   * Hashes a file, or `length` bytes from `offset` (RangeError when the file is shorter), with a fixed 1 MiB buffer.
   * `fromMedium`: fdatasync, then the bytes are read from the device, not the page cache (posix_fadvise
   * POSIX_FADV_DONTNEED before and while reading, so the file is not left in the cache either); on tmpfs the
   * pages are the only copy and are read as they are.
   */
  export function sha256File(path: string, offset?: number, length?: number, fromMedium?: boolean): ArrayBuffer;
  /**
   * Hashes `length` bytes of a file from `offset` into an open handle (RangeError when the file is shorter): a long
   * hash in steps, with the digest of one sha256File call. `mediumFrom`: the step is part of a read-back from the
   * medium that began at that offset (as sha256File's fromMedium; the step at mediumFrom syncs and drops the cached
   * pages from there to the end of the file). Absent from dmnative builds before issue 21 (feature-detect it).
   */
  export function sha256UpdateFile(handle: Sha256Handle, path: string, offset: number, length: number, mediumFrom?: number): void;
  /** A SHA-256 block function: the x86 SHA extensions, the ARMv8 Cryptographic Extension, or portable C. */
  export type Sha256Impl = 'sha-ni' | 'armv8-ce' | 'portable';
  /** The path in use: the best the CPU has, unless DMNATIVE_SHA256 (read once at load) or sha256Use chose another. */
  export function sha256Impl(): Sha256Impl;
  /** The paths this CPU can run, best first; 'portable' always. */
  export function sha256Impls(): Sha256Impl[];
  /** Switches the process to a path ('auto' = the best): false when this CPU lacks it; RangeError for another name. */
  export function sha256Use(name: Sha256Impl | 'auto'): boolean;
  export function fsync(fd: number): void;
  export function fdatasync(fd: number): void;
  /** open(O_RDONLY) + fsync + close: makes a rename inside a directory durable. */
  export function fsyncPath(path: string): void;
  /** Bytes available to unprivileged writers on the file system holding `path` (statvfs f_bavail * f_frsize). */
  export function statvfsFree(path: string): number;
  /**
   * One try for flock(LOCK_EX | LOCK_NB) on `path` (created 0600, never through a symlink, close-on-exec): the
   * descriptor holding the lock (our pid written into the file), or -1 when another process holds it.
   */
  export function lockFile(path: string): number;
  /** Empties the lock file and closes the descriptor from lockFile: the lock is released. */
  export function unlockFile(fd: number): void;
  /** SIGUSR2's number on this architecture (os.signal / os.kill take numbers). Absent before issue 21's hand-off. */
  export const SIGUSR2: number | undefined;
  /**
   * Sends `message` as one datagram to $NOTIFY_SOCKET (a path, or '@name' in the abstract namespace), the service
   * manager's notification socket (native/dmnative-notify.c): false when the variable is unset or empty, true when
   * sent; throws an Error naming the socket when it cannot be sent.
   */
  export function notify(message: string): boolean;
  // Sockets (native/dmnative-net.c), all non-blocking and close-on-exec; close them with os.close. Errors carry
  // `code` (the errno name, e.g. 'EADDRINUSE'). Addresses are numeric IPv4 / IPv6 (':' means IPv6).
  /** A UDP socket bound to address:port; the descriptor. */
  export function udpBind(address: string, port: number): number;
  /** A listening TCP socket (SO_REUSEADDR) on address:port; the descriptor. */
  export function tcpListen(address: string, port: number, backlog?: number): number;
  /** The port a socket is bound to (after binding port 0). */
  export function localPort(fd: number): number;
  /** One datagram into buffer[offset, offset+length): n bytes stored, size = its real length; null when none waits. */
  export function recvFrom(fd: number, buffer: ArrayBuffer, offset: number, length: number): { n: number; size: number; address: string; port: number } | null;
  /** The next queued connection, or null when none waits. */
  export function accept(fd: number): { fd: number; address: string; port: number } | null;
  /** Bytes read (0: the peer closed), or -1 when nothing is there yet. */
  export function recv(fd: number, buffer: ArrayBuffer, offset: number, length: number): number;
  /** Bytes sent (never SIGPIPE), or -1 when the send buffer is full. */
  export function send(fd: number, buffer: ArrayBuffer, offset: number, length: number): number;
  /** shutdown(SHUT_WR): the peer sees the end of our data while we still read. */
  export function shutdownWrite(fd: number): void;
}
