// FUMO on QuickJS: the FumoEngine wired to curl downloads, staging files hashed by the native module, and the
// file / uboot-ab writers over the real fw_setenv — the same `fumo` config section as on Node.
import type { ComposeContext } from '../../src/agent/compose.js';
import { parseFumoConfig, type FumoConfig } from '../../src/agent/fumo-config.js';
import { createFumoSource, type FumoSource } from '../../src/agent/fumo-source.js';
import { FumoEngine } from '../../src/fumo/engine.js';
import type { FlashWriter, HealthCheck, Rebooter } from '../../src/update/ports.js';
import { QjsDownloader, QjsStagingFiles } from './download.js';
import { QjsFileWriter } from './flash-file.js';
import { QjsFwEnv, createQjsUbootAbWriter } from './flash-uboot-ab.js';
import { loadSha256 } from './hash.js';
import { loadDmNative } from './native.js';
import { commandDurability, nativeDurability } from './storage.js';
import { exec, mkdirp } from './files.js';

export async function createQjsFumoSource(ctx: ComposeContext): Promise<FumoSource | null> {
  const c: FumoConfig = parseFumoConfig(ctx.config.fumo, ctx.config.stateDir);
  const w = c.writer;
  if (!w) return null;
  const hash = await loadSha256();
  const dm = await loadDmNative();
  const durability = dm ? nativeDurability(dm) : commandDurability();
  let writer: FlashWriter;
  if (w.type === 'file') writer = new QjsFileWriter(w.path, hash, durability);
  else if (w.type === 'uboot-ab') {
    if (w.bootedSlot !== 'cmdline') throw new Error(`fumo.writer.bootedSlot ${w.bootedSlot} is not supported on QuickJS yet (use cmdline)`);
    writer = createQjsUbootAbWriter({ slots: { A: w.slotA, B: w.slotB }, env: new QjsFwEnv({ config: w.envConfig }), hash, durability, cmdlineFile: w.cmdline });
  } else throw new Error(`fumo.writer.type ${w.type} is not supported on QuickJS yet (use file or uboot-ab)`);
  mkdirp(c.stagingDir, 0o700);
  const log = ctx.ports.log;
  const rebooter: Rebooter = {
    async reboot() {
      if (c.reboot.length === 0) {
        log.log('info', 'firmware activated; it runs after the next reboot (fumo.reboot is empty)');
        return;
      }
      log.log('warn', `rebooting into the new firmware: ${c.reboot.join(' ')}`);
      const r = await exec(c.reboot);
      if (r.code !== 0) throw new Error(`reboot command failed (${r.code}): ${r.stderr.trim()}`);
    },
  };
  const health: HealthCheck | undefined = c.healthCommand
    ? {
        async check() {
          const r = await exec(c.healthCommand!, { timeoutMs: 120_000 });
          if (r.code !== 0) log.log('warn', `health check failed (${r.code}): ${r.stderr.trim()}`);
          return r.code === 0;
        },
      }
    : undefined;
  let currentVersion: string | undefined;
  try {
    currentVersion = (await ctx.ports.deviceInfo.read()).firmwareVersion;
  } catch {
    currentVersion = undefined;
  }
  const engine = new FumoEngine({
    fumoUri: c.uri,
    store: ctx.store,
    downloader: new QjsDownloader({ caFile: ctx.config.server.tls.caFile }),
    files: new QjsStagingFiles(hash, durability),
    writer,
    clock: ctx.ports.clock,
    random: ctx.ports.random,
    log,
    rebooter,
    health,
    stagingFile: `${c.stagingDir}/firmware.pkg`,
    urlPolicy: { allowedHosts: c.allowedHosts, allowHttp: c.allowHttp },
    verification: {
      requireSignature: c.requireSignature,
      publicKeys: c.publicKeys,
      hardware: c.hardware,
      currentVersion,
      refuseDowngrade: c.refuseDowngrade,
      requireHash: c.requireHash,
    },
    reportSource: c.reportSource,
  });
  return createFumoSource(engine, c.uri, ctx.store);
}
