// The writer ports (src/ports/writers.ts) on QuickJS: `os` for the files (negative errno → Error with its
// code), the Durability port for fsync (dmnative, or the `sync` command on a stock qjs), files.ts exec for programs
// and for what QuickJS's os cannot do itself (`ln -f`: no link(); `truncate -s`: no ftruncate()), Sha256Provider for
// the hash of a range, medium-hash.ts for the read-back from the medium. System calls only; the writers are the core's.

import * as os from 'os';
import * as std from 'std';
import type { WriterFile, WriterFs, WriterPorts } from '../../src/ports/writers.js';
import { exec, exists, readText, removeFile } from './files.js';
import { qjsRunCommand } from './run-command.js';
import type { Sha256Provider } from './hash.js';
import type { Durability } from './storage.js';
import { mediumSha256 } from './medium-hash.js';

const ENOENT = 2;
const ENOSPC = 28;

function osError(op: string, path: string, errno: number): Error {
  const e = new Error(`${op} ${path}: ${std.strerror(errno)}`) as Error & { code?: string };
  if (errno === ENOSPC) e.code = 'ENOSPC'; // the one code the writers tell apart (src/ports/writers.ts)
  return e;
}

async function runTool(argv: string[]): Promise<void> {
  const r = await exec(argv);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
}

function openRw(path: string, durability: Durability): WriterFile {
  let fd = os.open(path, os.O_RDWR);
  if (fd === -ENOENT) fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644);
  if (fd < 0) throw osError('open', path, -fd);
  return {
    async pwrite(bytes, offset) {
      if (os.seek(fd, offset, 0 /* SEEK_SET */) < 0) throw osError('seek', path, 22);
      let off = 0;
      while (off < bytes.length) {
        const n = os.write(fd, bytes.buffer as ArrayBuffer, bytes.byteOffset + off, bytes.length - off);
        if (n < 0) throw osError('write', path, -n);
        off += n;
      }
    },
    async pread(into, offset) {
      // The same descriptor as the writes (one open fd for the whole slot), read straight into the caller's buffer.
      if (os.seek(fd, offset, 0 /* SEEK_SET */) < 0) throw osError('seek', path, 22);
      let got = 0;
      while (got < into.length) {
        const n = os.read(fd, into.buffer as ArrayBuffer, into.byteOffset + got, into.length - got);
        if (n === -4 /* EINTR */) continue;
        if (n < 0) throw osError('read', path, -n);
        if (n === 0) break;
        got += n;
      }
      return got;
    },
    async sync() {
      // The port's fsync(2) (src/ports/writers.ts): an install checkpoint and the read-back rely on it.
      await durability.syncFd(fd, path);
    },
    async stat() {
      const [st, err] = os.stat(path);
      if (err !== 0) throw osError('stat', path, err);
      return { size: st.size, regular: (st.mode & os.S_IFMT) === os.S_IFREG };
    },
    truncate: (length) => runTool(['truncate', '-s', String(length), path]),
    async close() {
      os.close(fd);
    },
  };
}

export function qjsWriterPorts(hash: Sha256Provider, durability: Durability): WriterPorts {
  const fs: WriterFs = {
    open: async (path) => openRw(path, durability),
    exists: async (path) => exists(path),
    async rename(from, to) {
      const r = os.rename(from, to);
      if (r < 0) throw osError('rename', from, -r);
    },
    link: (from, to) => runTool(['ln', '-f', from, to]),
    async remove(path) {
      removeFile(path);
    },
    async syncDir(dir) {
      // Names created/renamed in `dir` (the file writer's `.new`, `.prev`) are durable only after this.
      await durability.syncDir(dir);
    },
    readText: async (path) => readText(path),
    sha256: async (path, offset, length, options) =>
      options && options.fromMedium ? mediumSha256(path, offset, length, { onProgress: options.onProgress }) : hash.file(path, offset, length),
  };
  return { fs, run: qjsRunCommand };
}
