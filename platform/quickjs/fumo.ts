// FUMO's ports on QuickJS: curl downloads, staging files hashed by
// the native module, and the writer ports (the writers themselves are the core's, src/update/writers/: file, uboot-ab
// over the real fw_setenv, external installers; the same as on Node).
import type { FumoAdapters } from '../../src/ports/fumo.js';
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

/** FUMO's ports on QuickJS (src/ports/fumo.ts); the core builds FUMO over them (src/agent/platform-sources.ts). */
export async function qjsFumoAdapters(caFile?: string): Promise<FumoAdapters> {
  const hash = await loadSha256();
  const dm = await loadDmNative();
  const durability = dm ? nativeDurability(dm) : commandDurability();
  return {
    downloader: new QjsDownloader({ caFile }),
    files: new QjsStagingFiles(hash, durability),
    writerPorts: qjsWriterPorts(hash, durability),
    makeDir: (dir) => mkdirp(dir, 0o700),
    // dmnative's hasher (the CPU's SHA instructions where it has them) on our qjs, @noble/hashes on a stock one.
    sha256: () => hash.hasher(),
    slotSize: blockDeviceSize,
  };
}
