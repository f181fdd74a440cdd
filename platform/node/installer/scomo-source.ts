// SCOMO's ports on Node (src/ports/scomo.ts): the one command runner, the inventory file reads, the package download
// and files. The core builds the installers, inventory sources and MO over them (src/scomo/compose.ts).

import { mkdirSync, readFileSync } from 'node:fs';
import type { ScomoPorts } from '../../../src/ports/scomo.js';
import { NodeDownloader, NodeStagingFiles } from '../download.js';
import { nodeInventoryFiles, nodePackageFiles } from '../inventory.js';
import { nodeRunCommand } from '../run-command.js';
import { Sha256 } from '../hash.js';
import { nodeWriterPorts } from '../writer-ports.js';

export function nodeScomoPorts(caFile?: string): ScomoPorts {
  return {
    run: nodeRunCommand,
    inventoryFiles: nodeInventoryFiles,
    downloader: new NodeDownloader({ ca: caFile ? readFileSync(caFile) : undefined }),
    stagingFiles: new NodeStagingFiles(),
    sha256: () => new Sha256(),
    packageFiles: nodePackageFiles,
    stagingFs: nodeWriterPorts.fs,
    makeDir: (dir) => mkdirSync(dir, { recursive: true, mode: 0o700 }),
  };
}
