// Atomic (docs/protocol.md §1.5): all or nothing. While a transaction is open the tree records how to undo each change;
// rollback undoes them newest first and answers 216 (Atomic roll back OK) or 516 (roll back failed), the status
// the session engine gives each command inside the failed Atomic (docs/protocol.md §1.6).

import { DmStatus } from './status.js';
import type { TreePlugin } from './plugin.js';

export type Undo = () => Promise<boolean>;

export interface TreeTransaction {
  /** Keeps every change. */
  commit(): Promise<void>;
  /** Undoes every change made since transaction(); 216 when all were undone, 516 otherwise. */
  rollback(): Promise<number>;
}

export class UndoLog implements TreeTransaction {
  private undos: Undo[] = [];
  private irreversible: string[] = [];
  private plugins: TreePlugin[] = [];
  private closed = false;

  constructor(private readonly onClose: () => void) {}

  get isOpen(): boolean {
    return !this.closed;
  }

  record(undo: Undo): void {
    this.undos.push(undo);
  }

  /** A change nothing can undo (plugin Delete, Exec): rollback will report 516. */
  markIrreversible(what: string): void {
    this.irreversible.push(what);
  }

  /** A plugin with its own Atomic support: told to begin once, and to commit or roll back at the end. */
  async enlist(plugin: TreePlugin): Promise<void> {
    if (this.plugins.indexOf(plugin) >= 0) return;
    this.plugins.push(plugin);
    if (plugin.beginAtomic) await plugin.beginAtomic();
  }

  async commit(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    for (const p of this.plugins) if (p.commitAtomic) await p.commitAtomic();
  }

  async rollback(): Promise<number> {
    if (this.closed) return DmStatus.AtomicRollbackFailed;
    let ok = this.irreversible.length === 0;
    for (let i = this.undos.length - 1; i >= 0; i--) {
      try {
        if (!(await this.undos[i]())) ok = false;
      } catch (e) {
        ok = false;
      }
    }
    for (const p of this.plugins) {
      if (p.rollbackAtomic) {
        try {
          if (!(await p.rollbackAtomic())) ok = false;
        } catch (e) {
          ok = false;
        }
      }
    }
    this.closed = true;
    this.onClose();
    return ok ? DmStatus.AtomicRollbackOk : DmStatus.AtomicRollbackFailed;
  }
}
