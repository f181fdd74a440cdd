// FUMO on Node: the shared composition (src/agent/fumo-compose.ts) with this runtime's downloader, staging files and
// writer ports (the writers themselves are the core's, src/update/writers/).
import { mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { ComposeContext } from '../../src/agent/compose.js';
import { composeFumo } from '../../src/agent/fumo-compose.js';
import type { FumoSource } from '../../src/agent/fumo-source.js';
import { NodeDownloader, NodeStagingFiles } from './download.js';
import { nodeWriterPorts } from './writer-ports.js';

/** Size of a block-device slot from sysfs (512-byte sectors); null for anything else (an image file has no capacity). */
export async function blockDeviceSize(path: string): Promise<number | null> {
  if (!statSync(path).isBlockDevice()) return null;
  const sectors = Number(readFileSync(`/sys/class/block/${basename(realpathSync(path))}/size`, 'utf8').trim());
  return Number.isSafeInteger(sectors) && sectors > 0 ? sectors * 512 : null;
}

export function createNodeFumoSource(ctx: ComposeContext): Promise<FumoSource | null> {
  const caFile = ctx.config.server.tls.caFile;
  return composeFumo(ctx, {
    downloader: new NodeDownloader({ ca: caFile ? readFileSync(caFile) : undefined }),
    files: new NodeStagingFiles(),
    writerPorts: nodeWriterPorts,
    makeStagingDir: (dir) => mkdirSync(dir, { recursive: true, mode: 0o700 }),
    slotSize: blockDeviceSize,
  });
}
