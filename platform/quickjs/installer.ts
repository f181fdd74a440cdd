// SCOMO's ports on QuickJS (src/ports/scomo.ts): the one command runner (platform/quickjs/run-command.ts), the
// inventory file reads, the package download and files. The core builds installers, sources and MO over them.

import { qjsRunCommand } from './run-command.js';
import { mkdirp } from './files.js';
import type { ScomoPorts } from '../../src/ports/scomo.js';
import { QjsDownloader, QjsStagingFiles } from './download.js';
import { loadSha256 } from './hash.js';
import { qjsInventoryFiles, qjsPackageFiles } from './inventory.js';
import { qjsWriterPorts } from './writer-ports.js';
import { loadDmNative } from './native.js';
import { commandDurability, nativeDurability } from './storage.js';

/** SCOMO's ports on QuickJS (src/ports/scomo.ts); the core builds SCOMO over them (src/scomo/compose.ts). */
export async function qjsScomoPorts(caFile?: string): Promise<ScomoPorts> {
  const hash = await loadSha256();
  // fsync through dmnative where it is loaded (as FUMO's staging, platform/quickjs/fumo.ts), else the sync command.
  const dm = await loadDmNative();
  const durability = dm ? nativeDurability(dm) : commandDurability();
  return {
    run: qjsRunCommand,
    inventoryFiles: qjsInventoryFiles,
    downloader: new QjsDownloader({ caFile }),
    stagingFiles: new QjsStagingFiles(hash),
    sha256: () => hash.hasher(),
    packageFiles: qjsPackageFiles,
    stagingFs: qjsWriterPorts(hash, durability).fs,
    makeDir: (dir) => mkdirp(dir, 0o700),
  };
}
