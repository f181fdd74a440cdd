// QuickJS composition: the adapters of this runtime for one configuration (same option names as on Node).
import type { AgentConfig } from '../../src/config.js';
import type { PlatformPorts } from '../../src/ports/platform.js';
import { CurlTransport } from './transport.js';
import { QjsStorage } from './storage.js';
import { QjsClock } from './clock.js';
import { QjsRandom } from './random.js';
import { createQjsLog } from './log.js';
import { mkdirp } from './files.js';
import { createQuickjsDeviceInfoReader } from './device-info.js';
import { parseUiConfig } from '../../src/ui/index.js';
import { createQjsUi } from './ui-headless.js';
import { startQjsButton } from './button.js';
import { startQjsNotifications } from './notify-start.js';
import { qjsFumoAdapters } from './fumo.js';
import { qjsScomoPorts } from './installer.js';
import * as os from 'os';
import * as std from 'std';
import { checkStateDirMode } from '../../src/state/dir-mode.js';
import { createQjsStateLock } from './state-lock.js';
import { qjsSpoolFs } from './notify-spool.js';

/** QuickJS's `os` names SIGINT, SIGTERM and a few more, not SIGHUP: its number is 1 on every Linux architecture. */
const SIGHUP = 1;

/**
 * The daemon's wake-up (docs/handoff.md): SIGUSR2, whose number dmnative gives (it differs between architectures). A
 * qjs without it has neither side: the daemon then finds handed-over requests by looking into the spool.
 */
function ringPorts(dm: Awaited<ReturnType<typeof loadDmNative>>): Pick<PlatformPorts, 'onRing' | 'ring'> {
  const sig = dm && typeof dm.SIGUSR2 === 'number' ? dm.SIGUSR2 : undefined;
  if (sig === undefined) return {};
  return {
    onRing: (fn) => os.signal(sig, fn),
    ring: (pid) => os.kill(pid, sig) === 0,
  };
}
import { createQjsServiceManager } from './service-notify.js';
import { loadDmNative } from './native.js';

export async function createPlatform(config: AgentConfig, options: { verbose: boolean; json: boolean }): Promise<PlatformPorts> {
  try {
    mkdirp(config.stateDir, 0o700);
  } catch (e) {
    throw new Error(`cannot create the state directory ${config.stateDir}: ${(e as Error).message}`);
  }
  // mkdir does not change an existing directory's mode: check what is there (created just now: 0700).
  const [st, err] = os.stat(config.stateDir);
  if (err !== 0) throw new Error(`cannot read the state directory ${config.stateDir}: ${std.strerror(err)}`);
  checkStateDirMode(config.stateDir, st.mode);
  const log = createQjsLog({ json: config.log.json, minLevel: options.verbose ? 'debug' : config.log.level });
  const s = config.server;
  const storage = new QjsStorage(config.stateDir);
  const random = new QjsRandom();
  const dm = await loadDmNative();
  return {
    runtime: 'quickjs',
    transport: new CurlTransport({
      followRedirects: s.followRedirects,
      caFile: s.tls.caFile,
      certFile: s.tls.certFile,
      keyFile: s.tls.keyFile,
      pinnedPubKey: s.tls.pinnedPubKey,
      insecure: s.tls.insecure,
    }),
    storage,
    stateLock: createQjsStateLock(config.stateDir),
    clock: new QjsClock(),
    random,
    log,
    deviceInfo: createQuickjsDeviceInfoReader(config.device),
    ui: createQjsUi(parseUiConfig(config.ui), log),
    fumo: () => qjsFumoAdapters(s.tls.caFile),
    scomo: () => qjsScomoPorts(s.tls.caFile),
    startNotifications: startQjsNotifications,
    startButton: startQjsButton,
    serviceManager: createQjsServiceManager(log, dm),
    onStop(fn) {
      os.signal(os.SIGTERM, fn);
      os.signal(os.SIGINT, fn);
    },
    onReload(fn) {
      os.signal(SIGHUP, fn);
    },
    daemonLock: createQjsStateLock(config.stateDir, 'daemon.lock'),
    spoolFs: qjsSpoolFs,
    ...ringPorts(dm),
  };
}
