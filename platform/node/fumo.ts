// FUMO's ports on Node: this runtime's downloader, staging files and
// writer ports (the writers themselves are the core's, src/update/writers/).
import { mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { FumoAdapters } from '../../src/ports/fumo.js';
import { NodeDownloader, NodeStagingFiles } from './download.js';
import { Sha256 } from './hash.js';
import { nodeWriterPorts } from './writer-ports.js';

/** Size of a block-device slot from sysfs (512-byte sectors); null for anything else (an image file has no capacity). */
export async function blockDeviceSize(path: string): Promise<number | null> {
  if (!statSync(path).isBlockDevice()) return null;
  const sectors = Number(readFileSync(`/sys/class/block/${basename(realpathSync(path))}/size`, 'utf8').trim());
  return Number.isSafeInteger(sectors) && sectors > 0 ? sectors * 512 : null;
}

/** FUMO's ports on Node (src/ports/fumo.ts); the core builds FUMO over them (src/agent/platform-sources.ts). */
export function nodeFumoAdapters(caFile?: string): FumoAdapters {
  return {
    downloader: new NodeDownloader({ ca: caFile ? readFileSync(caFile) : undefined }),
    files: new NodeStagingFiles(),
    writerPorts: nodeWriterPorts,
    makeDir: (dir) => mkdirSync(dir, { recursive: true, mode: 0o700 }),
    sha256: () => new Sha256(),
    slotSize: blockDeviceSize,
  };
}
