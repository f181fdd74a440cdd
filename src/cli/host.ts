// What the command line needs from the runtime it runs on (platform/node/cli.ts, platform/quickjs/main.ts).
import type { AgentConfig } from '../config.js';
import type { SourceFactory } from '../agent/compose.js';
import type { RunningTriggers } from '../triggers/start.js';
import type { NotificationConfig, NotificationIntake } from '../notification/index.js';
import type { Clock, DeviceInfoReader, Log, Random, StateLock, Storage, Transport, UserInterface } from '../ports.js';

/** The device-facing adapters of one runtime, built for a given configuration. */
export interface PlatformPorts {
  runtime: 'node' | 'quickjs';
  transport: Transport;
  storage: Storage;
  /** The exclusive lock `<stateDir>/lock`; commands that write state hold it (src/cli/state-lock.ts). */
  stateLock: StateLock;
  clock: Clock;
  random: Random;
  log: Log;
  deviceInfo: DeviceInfoReader;
  ui: UserInterface;
  /** FUMO, SCOMO and other report sources with their tree mounts (see src/agent/compose.ts). */
  sources?: SourceFactory[];
  /** Starts the button and schedule triggers of the `triggers` section (the daemon). */
  startTriggers?(section: Record<string, unknown>): Promise<RunningTriggers>;
  /** Starts the notification transports of the `notifications` section, all feeding `intake` (the daemon). */
  startNotifications?(config: NotificationConfig, intake: NotificationIntake, log: Log): Promise<{ close(): Promise<void> }>;
  /** Calls `fn` once when the process is asked to stop (SIGTERM/SIGINT). */
  onStop?(fn: () => void): void;
}

export interface CliHost {
  runtime: 'node' | 'quickjs';
  /**
   * Reads a whole file; throws an Error whose message names the path when it cannot. With `limit`, stops after
   * limit + 1 bytes, so the caller can refuse "more than limit" without reading /dev/zero forever.
   */
  readFile(path: string, limit?: number): Promise<Uint8Array>;
  fileExists(path: string): boolean;
  /** Reads stdin to its end, or with `limit` at most limit + 1 bytes (as readFile). */
  readStdin(limit?: number): Promise<Uint8Array>;
  writeStdout(data: string | Uint8Array): void;
  writeStderr(text: string): void;
  /**
   * Builds the adapters for a configuration. The state directory is created (mode 0700) when missing and checked
   * with checkStateDirMode (src/state/dir-mode.ts) when it exists.
   */
  platform(config: AgentConfig, options: { verbose: boolean; json: boolean }): Promise<PlatformPorts>;
}
