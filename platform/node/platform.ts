// Node composition: the adapters of this runtime for one configuration.
import { mkdirSync, statSync } from 'node:fs';
import { checkStateDirMode } from '../../src/state/dir-mode.js';
import { createNodeStateLock } from './state-lock.js';
import { nodeSpoolFs } from './notify-spool.js';
import type { AgentConfig } from '../../src/config.js';
import type { PlatformPorts } from '../../src/ports/platform.js';
import { createNodeTransport } from './transport.js';
import { createNodeStorage } from './storage.js';
import { createNodeLog, nodeClock, nodeRandom } from './basics.js';
import { createNodeDeviceInfoReader } from './device-info.js';
import { createNodeUi } from './ui-headless.js';
import { nodeFumoAdapters } from './fumo.js';
import { nodeScomoPorts } from './installer/scomo-source.js';
import { startButton } from './button.js';
import { startNodeNotifications } from './notifications.js';
import { parseUiConfig } from '../../src/ui/index.js';
import { createNodeServiceManager } from './service-notify.js';

export async function createPlatform(config: AgentConfig, options: { verbose: boolean; json: boolean }): Promise<PlatformPorts> {
  try {
    mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new Error(`cannot create the state directory ${config.stateDir}: ${(e as Error).message}`);
  }
  // mkdir does not change an existing directory's mode: check what is there (created just now: 0700).
  checkStateDirMode(config.stateDir, statSync(config.stateDir).mode);
  const log = createNodeLog(options.verbose ? 'debug' : config.log.level, config.log.json);
  const s = config.server;
  const storage = createNodeStorage(config.stateDir);
  return {
    runtime: 'node',
    transport: createNodeTransport({
      followRedirects: s.followRedirects,
      caFile: s.tls.caFile,
      certFile: s.tls.certFile,
      keyFile: s.tls.keyFile,
      pinnedPubKey: s.tls.pinnedPubKey,
      insecure: s.tls.insecure,
    }),
    storage,
    stateLock: createNodeStateLock(config.stateDir),
    clock: nodeClock,
    random: nodeRandom,
    log,
    deviceInfo: createNodeDeviceInfoReader(config.device),
    ui: createNodeUi(parseUiConfig(config.ui), log),
    fumo: async () => nodeFumoAdapters(s.tls.caFile),
    scomo: async () => nodeScomoPorts(s.tls.caFile),
    startNotifications: startNodeNotifications,
    startButton,
    serviceManager: createNodeServiceManager(log),
    onStop(fn) {
      process.once('SIGTERM', fn);
      process.once('SIGINT', fn);
    },
    onReload(fn) {
      process.on('SIGHUP', fn);
    },
    daemonLock: createNodeStateLock(config.stateDir, 'daemon.lock'),
    spoolFs: nodeSpoolFs,
    // SIGUSR2, not SIGUSR1: Node keeps SIGUSR1 for its inspector.
    onRing(fn) {
      process.on('SIGUSR2', fn);
    },
    ring(pid) {
      try {
        process.kill(pid, 'SIGUSR2');
        return true;
      } catch {
        return false;
      }
    },
  };
}
