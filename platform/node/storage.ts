// Node adapter for the Storage port: one file per name in a state directory. writeAtomic is the classic sequence
// (docs/design.md, update safety) in atomic-file.ts: write a temporary file, fsync it, rename it over the target,
// fsync the directory, so after a power cut the name holds either the old or the new bytes, never a mix.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Storage } from '../../src/ports/runtime.js';
import { writeFileAtomic } from './atomic-file.js';

export class StorageNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageNameError';
  }
}

function checkName(name: string): void {
  if (!name || name === '.' || name === '..' || /[\/\\\0]/.test(name) || name[0] === '.') {
    throw new StorageNameError(`storage name ${JSON.stringify(name)} must be a plain file name`);
  }
}

function isErrno(e: unknown, code: string): boolean {
  return !!e && typeof e === 'object' && (e as { code?: string }).code === code;
}

let counter = 0;

export class NodeFileStorage implements Storage {
  constructor(readonly dir: string) {}

  private async ensureDir(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  async read(name: string): Promise<Uint8Array | null> {
    checkName(name);
    try {
      const b = await fs.readFile(path.join(this.dir, name));
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return null;
      throw e;
    }
  }

  async writeAtomic(name: string, data: Uint8Array): Promise<void> {
    checkName(name);
    await this.ensureDir();
    const target = path.join(this.dir, name);
    // Temp names start with '.', which checkName never allows, so they cannot collide with a document.
    await writeFileAtomic(target, data, { tmp: path.join(this.dir, `.tmp-${name}-${process.pid}-${++counter}`) });
  }

  async remove(name: string): Promise<void> {
    checkName(name);
    await fs.rm(path.join(this.dir, name), { force: true });
  }

  async list(): Promise<string[]> {
    try {
      return (await fs.readdir(this.dir)).filter((n) => n[0] !== '.').sort();
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return [];
      throw e;
    }
  }
}

export function createNodeStorage(dir: string): Storage {
  return new NodeFileStorage(dir);
}
