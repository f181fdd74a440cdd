// FUMO on QuickJS: the shared composition (src/agent/fumo-compose.ts) with curl downloads, staging files hashed by
// the native module, and the file / uboot-ab writers over the real fw_setenv (external installers: the core's
// InstallerWriter over `run`).
import type { ComposeContext } from '../../src/agent/compose.js';
import { composeFumo } from '../../src/agent/fumo-compose.js';
import type { FumoSource } from '../../src/agent/fumo-source.js';
import { QjsDownloader, QjsStagingFiles } from './download.js';
import { QjsFileWriter } from './flash-file.js';
import { QjsFwEnv, createQjsUbootAbWriter } from './flash-uboot-ab.js';
import { loadSha256 } from './hash.js';
import { loadDmNative } from './native.js';
import { commandDurability, nativeDurability } from './storage.js';
import { exec, mkdirp, readText } from './files.js';
import { parseBootedSlot, type Slot } from '../common/uboot-ab.js';
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
    async writer(c) {
      const w = c.writer!;
      if (w.type === 'file') return new QjsFileWriter(w.path, hash, durability);
      if (w.type === 'uboot-ab') {
        const env = new QjsFwEnv({ config: w.envConfig });
        // Same rule as on Node (platform/node/fumo.ts): a fixed slot, the env's dm_booted/dm_slot, else the cmdline.
        const fixed = w.bootedSlot === 'A' || w.bootedSlot === 'B' ? w.bootedSlot : null;
        const bootedSlot =
          w.bootedSlot === 'cmdline'
            ? undefined
            : async (): Promise<Slot> => {
                if (fixed) return fixed;
                const e = await env.read();
                const s = e.dm_booted || e.dm_slot;
                if (s === 'A' || s === 'B') return s;
                const text = readText(w.cmdline);
                if (text === null) throw new Error(`cannot read ${w.cmdline}`);
                return parseBootedSlot(text, w.cmdline);
              };
        return createQjsUbootAbWriter({ slots: { A: w.slotA, B: w.slotB }, env, hash, durability, cmdlineFile: w.cmdline, bootedSlot });
      }
      // (type command is built by src/agent/fumo-compose.ts for both runtimes; it only needs `run` below)
      throw new Error(`fumo.writer ${w.type} is not supported on QuickJS yet (use file, command or uboot-ab)`);
    },
    makeStagingDir: (dir) => mkdirp(dir, 0o700),
    run: (argv, timeoutMs) => exec(argv, { timeoutMs }),
    slotSize: blockDeviceSize,
  });
}
