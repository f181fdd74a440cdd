// What a device must supply so the flash writers (src/update/writers/) can run on it: a few file operations with
// fsync, a way to run a program, and the SHA-256 of a file range. The writers themselves (U-Boot A/B, single file,
// external installers, the U-Boot env through fw_printenv/fw_setenv, the factory) are written once over these ports;
// platform/node/writer-ports.ts and platform/quickjs/writer-ports.ts implement them with system calls only.
//
// What the core assumes of every port below:
//   durability  nothing is durable before `sync()` (file data) or `syncDir()` (a name created, renamed, linked or
//               removed in that directory); the writers call them exactly where a power cut would otherwise lose
//               something a later step relies on (docs/update-practice.md §10).
//   errors      a failing operation rejects with an Error whose message names the path; a full device rejects with
//               `code: 'ENOSPC'` (the writers report that as "no space"). Nothing is retried by the port.
//   cancel      no call is cancelled half-way: the engine stops between calls, and every writer step is safe to run
//               again after a power cut.
// The boot id (has the device rebooted since the activation?) comes from DeviceInfoReader.bootId in src/ports/runtime.ts.

import type { CommandRunner } from './commands.js';

/** One open file or block device, read-write. */
export interface WriterFile {
  /** Writes all of `bytes` at `offset` (a short write is retried by the port until done or failed). */
  pwrite(bytes: Uint8Array, offset: number): Promise<void>;
  /** Reads up to `into.length` bytes at `offset` into `into`; returns how many (0 at the end). */
  pread(into: Uint8Array, offset: number): Promise<number>;
  /** fsync(2): the bytes written so far (and the size) are durable when it resolves. */
  sync(): Promise<void>;
  /** Current size, and whether this is a plain file (a block device cannot be truncated). */
  stat(): Promise<{ size: number; regular: boolean }>;
  /** Cuts a plain file to `length` bytes (volatile until sync()). */
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

/** File-system operations of the writers. Paths are absolute. */
export interface WriterFs {
  /** Opens read-write, without truncating; a missing plain file is created (mode 0644), a block device must exist. */
  open(path: string): Promise<WriterFile>;
  exists(path: string): Promise<boolean>;
  /** rename(2) within one directory: atomic replace of `to`. */
  rename(from: string, to: string): Promise<void>;
  /** A second name `to` for the file `from` (hard link, replacing `to`). */
  link(from: string, to: string): Promise<void>;
  /** Removes a file; no error when it does not exist. */
  remove(path: string): Promise<void>;
  /** fsync(2) of a directory: makes the names created, renamed or removed in it durable. */
  syncDir(dir: string): Promise<void>;
  /** The whole text of a small file (e.g. /proc/cmdline), or null when it does not exist. */
  readText(path: string): Promise<string | null>;
  /**
   * SHA-256 of `length` bytes of `path` from `offset`; rejects when the file is shorter. Flat memory (chunked). With
   * `fromMedium` the bytes come from the device, not the page cache (posix_fadvise(POSIX_FADV_DONTNEED) after the
   * writer's fsync, or O_DIRECT reads): a read-back that proves what the medium holds (docs/update-practice.md §10
   * step 4). A file system without a medium (tmpfs) is read as it is. `onProgress` is told the bytes hashed so far
   * when the port hashes in steps it can see (a port that hashes in one native call reports nothing in between).
   */
  sha256(path: string, offset: number, length: number, options?: { fromMedium?: boolean; onProgress?(done: number): void }): Promise<Uint8Array>;
}

/** Everything the writer factory needs from a runtime. */
export interface WriterPorts {
  fs: WriterFs;
  run: CommandRunner;
}
