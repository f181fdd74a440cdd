// The FumoEngine built from the `fumo` config section, shared by both runtimes: the platform supplies only its
// downloader, staging files, flash writer and a way to run a command (reboot, health check).
import type { FumoAdapters } from '../ports/fumo.js';
export type { FumoAdapters } from '../ports/fumo.js';
import type { ComposeContext } from './compose.js';
import { parseFumoConfig, type FumoConfig } from './fumo-config.js';
import { createFumoSource, type FumoSource } from './fumo-source.js';
import { FumoEngine } from '../fumo/engine.js';
import type { HealthCheck, Rebooter } from '../ports/update.js';
import { createFlashWriter } from '../update/writers/factory.js';
import { downloadLimits, parseDownloadConfig } from '../update/download-config.js';
import { stagedFileName } from './fumo-writer-config.js';
import { UNKNOWN } from '../device/facts.js';
import { withReadBackProgress } from './read-back-progress.js';


/**
 * fumo.maxPackageSize, at most the smaller A/B slot: an image bigger than its slot can never be installed (and is
 * refused before any request, 501).
 */
async function packageCap(c: FumoConfig, adapters: FumoAdapters): Promise<number | undefined> {
  const slots = await smallerSlot(c, adapters);
  if (c.maxPackageSize === undefined) return slots;
  return slots === undefined ? c.maxPackageSize : Math.min(c.maxPackageSize, slots);
}

async function smallerSlot(c: FumoConfig, adapters: FumoAdapters): Promise<number | undefined> {
  const w = c.writer;
  if (!w || w.type !== 'uboot-ab' || !adapters.slotSize) return undefined;
  const sizes: number[] = [];
  for (const slot of [w.slotA, w.slotB]) {
    const n = await adapters.slotSize(slot).catch(() => null);
    if (n === null || !(n > 0)) return undefined;
    sizes.push(n);
  }
  return Math.min(sizes[0], sizes[1]);
}

export async function composeFumo(ctx: ComposeContext, adapters: FumoAdapters): Promise<FumoSource | null> {
  const c = parseFumoConfig(ctx.config.fumo, ctx.config.stateDir);
  if (!c.writer) return null;
  const limits = downloadLimits(parseDownloadConfig(ctx.config.download));
  const maxSize = await packageCap(c, adapters);
  if (maxSize !== undefined) limits.maxSize = maxSize;
  const log = ctx.ports.log;
  const progress = ctx.progress;
  const writerPorts = { fs: withReadBackProgress(adapters.writerPorts.fs, ctx.progress), run: adapters.writerPorts.run };
  const writer = createFlashWriter(c.writer, writerPorts, {
    async firmwareVersion() {
      ctx.facts.invalidate(); // a fresh read: the version that runs now, not the one cached before the install
      return (await ctx.facts.get()).firmwareVersion;
    },
    log,
  });
  adapters.makeDir(c.stagingDir);
  const rebooter: Rebooter = {
    manual: c.reboot.length === 0,
    async reboot() {
      if (c.reboot.length === 0) {
        log.log('info', 'firmware activated; it runs after the next reboot (fumo.reboot is empty)');
        return;
      }
      log.log('warn', `rebooting into the new firmware: ${c.reboot.join(' ')}`);
      const r = await adapters.writerPorts.run(c.reboot, { timeoutMs: 60_000 });
      if (r.code !== 0) throw new Error(`reboot command failed (${r.code}): ${r.stderr.trim()}`);
    },
  };
  const healthCommand = c.healthCommand;
  const health: HealthCheck | undefined = healthCommand
    ? {
        async check() {
          const r = await adapters.writerPorts.run(healthCommand, { timeoutMs: 120_000 });
          if (r.code !== 0) log.log('warn', `health check failed (${r.code}): ${r.stderr.trim()}`);
          return r.code === 0;
        },
      }
    : undefined;
  let currentVersion: string | undefined;
  try {
    currentVersion = (await ctx.facts.get()).firmwareVersion;
  } catch {
    currentVersion = undefined;
  }
  const engine = new FumoEngine({
    fumoUri: c.uri,
    store: ctx.store,
    downloader: adapters.downloader,
    files: adapters.files,
    // The one-pass install for writers that take a stream; hashing while staging for the others (src/fumo/steps.ts).
    sha256: () => adapters.sha256(),
    writer,
    // A package delivered inside the DM session (Replace PkgData) is written to the staging file through it.
    stagingFs: adapters.writerPorts.fs,
    readOnly: ctx.readOnly,
    clock: ctx.ports.clock,
    random: ctx.ports.random,
    log,
    rebooter,
    health,
    // Named as the installer expects (RAUC opens only *.raucb; fumo.writer.stagedName).
    stagingFile: c.stagingDir.replace(/\/+$/, '') + '/' + stagedFileName(c.writer),
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
    download: limits,
    // Read fresh, not from the facts cache: after a reboot the question is what runs NOW (DevDetail FwV).
    runningVersion: async () => {
      const v = (await ctx.ports.deviceInfo.read()).firmwareVersion;
      return v === UNKNOWN ? undefined : v;
    },
    bootId: ctx.ports.deviceInfo.bootId ? () => ctx.ports.deviceInfo.bootId!() : undefined,
    reinstall: { refuse: c.refuseReinstall, resultCode: c.reinstallResult },
    onEvent: progress ? (e) => e.type === 'progress' && progress({ phase: e.phase, done: e.received, total: e.total }) : undefined,
  });
  return createFumoSource(engine, c.uri, ctx.store);
}
