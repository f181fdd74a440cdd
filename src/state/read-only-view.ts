// The state as a read-only command (status, info, tree) sees it. Such commands run without the state lock, next to a
// daemon that may be writing (src/cli/open-agent.ts), yet opening the state can repair it: the durable store sets
// damaged copies aside and restores the previous copy, the FUMO and SCOMO outboxes are reconciled with their journals
// (docs/robustness.md "Damaged state"). Written to disk, that repair could overwrite what the lock holder wrote a
// moment later; so a read-only command keeps its writes in memory and shows what the repair would give, and the next
// locked command does the repair for real.

import type { Storage } from '../ports/runtime.js';

export class ReadOnlyView implements Storage {
  private readonly written = new Map<string, Uint8Array | null>();

  constructor(private readonly disk: Storage) {}

  async read(name: string): Promise<Uint8Array | null> {
    if (this.written.has(name)) {
      const data = this.written.get(name);
      return data ? data.slice() : null;
    }
    return this.disk.read(name);
  }

  async writeAtomic(name: string, data: Uint8Array): Promise<void> {
    this.written.set(name, data.slice());
  }

  async remove(name: string): Promise<void> {
    this.written.set(name, null);
  }

  async list(): Promise<string[]> {
    const names = new Set(await this.disk.list());
    for (const [name, data] of this.written) {
      if (data) names.add(name);
      else names.delete(name);
    }
    return Array.from(names).sort();
  }
}
