// FUMO on QuickJS: the shared composition (src/agent/fumo-compose.ts) with curl downloads, staging files hashed by
// the native module, and the writer ports (the writers themselves are the core's, src/update/writers/: file, uboot-ab
// over the real fw_setenv, external installers; the same as on Node).
import type { ComposeContext } from '../../src/agent/compose.js';
import { composeFumo } from '../../src/agent/fumo-compose.js';
import type { FumoSource } from '../../src/agent/fumo-source.js';
import { QjsDownloader, QjsStagingFiles } from './download.js';
import { qjsWriterPorts } from './writer-ports.js';
import { loadSha256 } from './hash.js';
import { loadDmNative } from './native.js';
import { commandDurability, nativeDurability } from './storage.js';
import { mkdirp } from './files.js';
import * as os from 'os';
import * as std from 'std';

/** Size of a block-device slot (seek to its end); null for anything else (an image file has no capacity). */
function blockDeviceSize(path: string): Promise<number | null> {
  const [st, err] = os.stat(path);
  if (err !== 0 || (st.mode & os.S_IFMT) !== os.S_IFBLK) return Promise.resolve(null);
  const fd = os.open(path, os.O_RDONLY);
  if (fd < 0) return Promise.resolve(null);
  try {
    const end = Number(os.seek(fd, 0, std.SEEK_END));
    return Promise.resolve(end > 0 ? end : null);
  } finally {
    os.close(fd);
  }
}

export async function createQjsFumoSource(ctx: ComposeContext): Promise<FumoSource | null> {
  const hash = await loadSha256();
  const dm = await loadDmNative();
  const durability = dm ? nativeDurability(dm) : commandDurability();
  return composeFumo(ctx, {
    downloader: new QjsDownloader({ caFile: ctx.config.server.tls.caFile }),
    files: new QjsStagingFiles(hash, durability),
    writerPorts: qjsWriterPorts(hash, durability),
    makeStagingDir: (dir) => mkdirp(dir, 0o700),
    slotSize: blockDeviceSize,
  });
}
