// Power-cut harness: every durable write in the update stack (journal put, staging sidecar, download chunk, slot write,
// slot fsync, env write) calls `tick(what)` first. With `cutAt = N` the N-th tick throws PowerCut and so does every
// later tick until `restore()` (the power stays off: no cleanup write can sneak through after the cut).

import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { JsonStore } from '../../src/ports/runtime.js';
import { writeFileAtomic } from '../../platform/node/atomic-file.js';

export class PowerCut extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PowerCut';
  }
}

export class PowerSwitch {
  count = 0;
  off = false;
  readonly writes: string[] = [];
  cutLabel: string | null = null;
  constructor(private readonly cutAt: number | null = null) {}

  tick = (what: string): void => {
    if (this.off) throw new PowerCut(`power is off (${what})`);
    this.count++;
    this.writes.push(what);
    if (this.cutAt !== null && this.count === this.cutAt) {
      this.off = true;
      this.cutLabel = what;
      throw new PowerCut(`power cut before durable write #${this.count} (${what})`);
    }
  };

  restore(): void {
    this.off = false;
  }
}

/** JsonStore over atomic files in a directory (the shape src/state/DurableStore will have). */
export class FileJournalStore implements JsonStore {
  constructor(private readonly dir: string, private readonly tick?: (what: string) => void) {
    mkdirSync(dir, { recursive: true });
  }
  async get(name: string): Promise<unknown | null> {
    try {
      return JSON.parse(readFileSync(path.join(this.dir, `${name}.json`), 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }
  async put(name: string, value: unknown): Promise<void> {
    if (this.tick) this.tick(`journal:${name}`);
    await writeFileAtomic(path.join(this.dir, `${name}.json`), JSON.stringify(value));
  }
}
