// One installed software component as SCOMO reports it under Inventory/Deployed/<x> (docs/protocol.md §6.1): every package
// manager and the manifest folder are mapped onto this one shape so the MO never cares where a component came from.

export type { Component, ComponentState } from '../ports/inventory.js';

/** Where a component list came from and what was wrong with it; parsers throw subclasses of this. */
export class InventoryError extends Error {
  constructor(
    message: string,
    /** File or source name the error is about. */
    readonly origin: string,
    /** 1-based line number in the source text, when the error has one. */
    readonly line?: number,
  ) {
    super(line !== undefined ? `${origin}:${line}: ${message}` : `${origin}: ${message}`);
    this.name = 'InventoryError';
  }
}
