// Storage port held in memory: for tests and for runs that must not touch the disk. Copies bytes in and out so
// callers cannot change stored data behind its back.

import type { Storage } from '../ports/runtime.js';

export class MemoryStorage implements Storage {
  readonly files = new Map<string, Uint8Array>();

  async read(name: string): Promise<Uint8Array | null> {
    const f = this.files.get(name);
    return f ? f.slice() : null;
  }

  async writeAtomic(name: string, data: Uint8Array): Promise<void> {
    this.files.set(name, data.slice());
  }

  async remove(name: string): Promise<void> {
    this.files.delete(name);
  }

  async list(): Promise<string[]> {
    return Array.from(this.files.keys()).sort();
  }
}
