// FUMO on Node: the FumoEngine wired to this runtime's downloader, staging files, flash writer, rebooter and health
// check, as configured in the `fumo` section (src/agent/fumo-config.ts).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ComposeContext } from '../../src/agent/compose.js';
import { parseFumoConfig, type FumoConfig } from '../../src/agent/fumo-config.js';
import { createFumoSource, type FumoSource } from '../../src/agent/fumo-source.js';
import { FumoEngine } from '../../src/fumo/engine.js';
import type { FlashWriter, HealthCheck, Rebooter } from '../../src/update/ports.js';
import { NodeDownloader, NodeStagingFiles } from './download.js';
import { FileWriter } from './flash/file.js';
import { UbootAbWriter, bootedSlotFromCmdline, type Slot } from './flash/uboot-ab.js';
import { FwEnv } from './flash/fw-env.js';
import { CommandWriter, INSTALLERS } from './flash/command.js';
import { run } from './flash/exec.js';

export function createWriter(c: FumoConfig): FlashWriter | null {
  const w = c.writer;
  if (!w) return null;
  if (w.type === 'file') return new FileWriter(w.path);
  if (w.type === 'command') return new CommandWriter(INSTALLERS[w.installer]);
  const env = new FwEnv({ config: w.envConfig });
  const bootedSlot = async (): Promise<Slot> => {
    if (w.bootedSlot === 'A' || w.bootedSlot === 'B') return w.bootedSlot;
    if (w.bootedSlot === 'env') {
      const e = await env.read();
      const s = e.dm_booted || e.dm_slot;
      if (s === 'A' || s === 'B') return s;
    }
    return bootedSlotFromCmdline(w.cmdline);
  };
  return new UbootAbWriter({ slots: { A: w.slotA, B: w.slotB }, env, bootedSlot });
}

export async function createNodeFumoSource(ctx: ComposeContext): Promise<FumoSource | null> {
  const c = parseFumoConfig(ctx.config.fumo, ctx.config.stateDir);
  const writer = createWriter(c);
  if (!writer) return null;
  mkdirSync(c.stagingDir, { recursive: true, mode: 0o700 });
  const log = ctx.ports.log;
  const rebooter: Rebooter = {
    async reboot() {
      if (c.reboot.length === 0) {
        log.log('info', 'firmware activated; it runs after the next reboot (fumo.reboot is empty)');
        return;
      }
      log.log('warn', `rebooting into the new firmware: ${c.reboot.join(' ')}`);
      const r = await run(c.reboot);
      if (r.code !== 0) throw new Error(`reboot command failed (${r.code}): ${r.stderr.trim()}`);
    },
  };
  const health: HealthCheck | undefined = c.healthCommand
    ? {
        async check() {
          const r = await run(c.healthCommand!, undefined, 120_000);
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
    downloader: new NodeDownloader({ ca: ctx.config.server.tls.caFile ? readFileSync(ctx.config.server.tls.caFile) : undefined }),
    files: new NodeStagingFiles(),
    writer,
    clock: ctx.ports.clock,
    random: ctx.ports.random,
    log,
    rebooter,
    health,
    stagingFile: join(c.stagingDir, 'firmware.pkg'),
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
