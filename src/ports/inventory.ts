// What SCOMO's inventory needs from a device: the components installed on it (OMA-TS-SCOMO-V1_1 Inventory/Deployed,
// docs/protocol.md §6.1) from sources the porter names (dpkg and opkg status databases, a manifest folder, or its own),
// read through a few file operations. Parsing and caching are the core's (src/inventory/).

/** Deployed/<x>/State: 10 = Inactive, 20 = Active (docs/protocol.md §6.1, int per §9 #17). */
export type ComponentState = 'active' | 'inactive';

/** One installed component, as every source reports it (the porter maps its package manager onto this). */
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

/** A place components are read from. A failing read throws naming the source; the core reports it per source. */
export interface InventorySource {
  /** Short name used in problem reports, e.g. `dpkg:/var/lib/dpkg/status`. */
  readonly name: string;
  /**
   * Current components. Called at every read so changes made outside the agent show up. Adapters cache by mtime and
   * return the SAME array while nothing changed (callers treat it as read-only): readers use that to skip work.
   */
  list(): Promise<Component[]>;
  /** Forget any cached answer: the next list() reads the database again (called after the agent's own installs). */
  refresh?(): void;
}

/** What the file-backed sources need from a runtime. */
export interface InventoryFiles {
  /** Changes whenever the file changes (`mtime:size:ino`); null when it does not exist. Other failures throw. */
  statKey(path: string): Promise<string | null>;
  /** The whole file as UTF-8 text; null when it does not exist. */
  readText(path: string): Promise<string | null>;
  /** The names in a folder; null when the folder does not exist. */
  listDir(path: string): Promise<string[] | null>;
  /** The runtime's clock, for the recheck window when the options bring none. */
  now(): number;
}
