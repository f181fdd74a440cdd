// The writer ports (src/ports/writers.ts) on Node: node:fs/promises for the files, child_process for the
// programs (flash/exec.ts), node:crypto for the hash (hash.ts), O_DIRECT reads for the read-back from the medium
// (medium-hash.ts). System calls only; the writers are the core's.

import { link, open, readFile, rename, rm, stat } from 'node:fs/promises';
import type { WriterFile, WriterFs, WriterPorts } from '../../src/ports/writers.js';
import { sha256File } from './hash.js';
import { sha256FromMedium } from './medium-hash.js';
import { nodeRunCommand } from './run-command.js';

async function openRw(path: string): Promise<WriterFile> {
  // r+ keeps a block device usable (it cannot be created or truncated); a plain file is created when missing.
  const fh = await open(path, 'r+').catch(async (e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return open(path, 'w+');
    throw e;
  });
  return {
    async pwrite(bytes, offset) {
      let done = 0;
      while (done < bytes.length) done += (await fh.write(bytes, done, bytes.length - done, offset + done)).bytesWritten;
    },
    async pread(into, offset) {
      return (await fh.read(into, 0, into.length, offset)).bytesRead;
    },
    async sync() {
      // The port's fsync(2) (src/ports/writers.ts): an install checkpoint and the read-back rely on it.
      await fh.sync();
    },
    async stat() {
      const st = await fh.stat();
      return { size: st.size, regular: st.isFile() };
    },
    truncate: (length) => fh.truncate(length),
    close: () => fh.close(),
  };
}

export const nodeWriterFs: WriterFs = {
  open: openRw,
  async exists(path) {
    try {
      await stat(path);
      return true;
    } catch (e) {
      return false;
    }
  },
  rename: (from, to) => rename(from, to),
  async link(from, to) {
    await rm(to, { force: true });
    await link(from, to);
  },
  remove: (path) => rm(path, { force: true }),
  async syncDir(dir) {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  },
  async readText(path) {
    try {
      return await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  },
  sha256: (path, offset, length, options) =>
    options && options.fromMedium ? sha256FromMedium(path, offset, length, options.onProgress) : sha256File(path, offset, length),
};


export const nodeWriterPorts: WriterPorts = { fs: nodeWriterFs, run: nodeRunCommand };
