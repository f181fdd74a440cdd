// What the SCOMO MO needs from the platform, on one page (ports local to src/scomo; see src/ports/runtime.ts for the rest).
// A runtime supplies ScomoPorts (platform/node/installer/scomo-source.ts, platform/quickjs/installer.ts); the
// installers (src/scomo/installers) implement Installer and Activator over its command runner.

import type { Component, InventoryFiles } from './inventory.js';
import type { CommandRunner } from './commands.js';
import type { Downloader, Sha256Hasher, StagingFiles } from './update.js';
import type { WriterFs } from './writers.js';

export type { JsonStore } from './runtime.js';

/** A downloaded delivery package on local storage. */
export interface DownloadedPackage {
  path: string;
  /** Lower-case hex SHA-256 of the file. */
  sha256: string;
}

/**
 * Fetches a delivery package (the FUMO download pipeline of src/update plugs in here). Throw ScomoError, or an
 * error with `kind` ('validation' | 'auth' | 'server-error' | 'unavailable' | 'timeout' | 'no-space'), so the
 * right result code is reported (errors.ts); anything else is 1402 Download Failed.
 */
export type PackageDownload = (url: string, hints: { pkgId?: string; pkgType?: string }) => Promise<DownloadedPackage>;

/** Removes package files the agent no longer needs (after install, on Delivered Remove). */
export interface PackageFiles {
  remove(path: string): Promise<void>;
}

/** One delivery package to install (already downloaded and verified by the core). */
export interface InstallRequest {
  path: string;
  /** true: leave the component Active (DownloadInstall, Install); false: Inactive (…Inactive operations). */
  activate: boolean;
  pkgId?: string;
  pkgType?: string;
  /** Download/<x>/InstallParams, passed through unchanged. */
  installParams?: string;
}

/** What an install left behind: the IDs of the components it installed or changed. */
export interface InstallOutcome {
  /** IDs (as the inventory reports them) of the components the package installed; the first is reported. */
  componentIds: string[];
}

/** Installs and removes packages: dpkg, opkg or a script (src/scomo/installers). Throws ScomoError on failure. */
export interface Installer {
  install(request: InstallRequest): Promise<InstallOutcome>;
  remove(component: Component): Promise<void>;
}

/** Starts/stops what a component provides (systemd, init.d, a script). Throws ScomoError on failure. */
export interface Activator {
  activate(component: Component): Promise<void>;
  deactivate(component: Component): Promise<void>;
}

/**
 * What SCOMO needs from a runtime, as system calls only: the installers (dpkg, opkg, a script, the service manager),
 * the inventory sources and the package download are the core's (src/scomo/compose.ts builds them from the `scomo`
 * config section over these).
 */
export interface ScomoPorts {
  /** Runs dpkg, opkg, the installer script, systemctl or an init script. */
  run: CommandRunner;
  /** Reads the dpkg/opkg status databases and the manifest folder. */
  inventoryFiles: InventoryFiles;
  downloader: Downloader;
  stagingFiles: StagingFiles;
  /** A fresh SHA-256 hasher: a delivery package is hashed while it is staged, never read again to hash it. */
  sha256(): Sha256Hasher;
  packageFiles: PackageFiles;
  /**
   * Files written with fsync, the port FUMO's PkgData delivery uses (WriterPorts.fs): a package delivered inside the DM
   * session (Inventory/Delivered/<x>/Data) is streamed to the staging directory through it. Absent: such Data answers 406.
   */
  stagingFs?: WriterFs;
  /** Creates a directory and its parents (mode 0700) when missing; throws naming the path when it cannot. */
  makeDir(dir: string): void;
}
