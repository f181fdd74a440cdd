// One installed software component as SCOMO reports it under Inventory/Deployed/<x> (docs/protocol.md §6.1): every package
// manager and the manifest folder are mapped onto this one shape so the MO never cares where a component came from.

/** Deployed/<x>/State: 10 = Inactive, 20 = Active (docs/protocol.md §6.1, int per §9 #17). */
export type ComponentState = 'active' | 'inactive';

export interface Component {
  /** Deployed/<x>/ID: stable identifier (dpkg/opkg package name, `name:arch` when several architectures are installed). */
  id: string;
  /** Deployed/<x>/Name. */
  name: string;
  /** Deployed/<x>/Version, exactly as the package manager prints it. */
  version: string;
  /** Deployed/<x>/Description (first line only for dpkg/opkg). */
  description?: string;
  state: ComponentState;
  /** Which source reported it: `dpkg`, `opkg`, `manifest`, or an adapter's own name. */
  source: string;
  /** Deployed/<x>/PkgIDRef: the delivery package it came from, when known. */
  pkgIdRef?: string;
  /** Service to start/stop on Activate/Deactivate (manifest `service`), when the component has one. */
  service?: string;
  /** Package architecture (dpkg/opkg), informational. */
  architecture?: string;
}

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
