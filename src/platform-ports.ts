// What one runtime supplies for a configuration: the core's runtime ports (src/ports/runtime.ts RuntimePorts) plus the device
// extras the command line starts. It lives outside src/cli and src/agent so that neither imports the other for it:
// the agent runs on RuntimePorts alone, the command line builds PlatformPorts through its host.
import type { SourceFactory } from './agent/compose.js';
import type { RunningTriggers } from './triggers/start.js';
import type { NotificationConfig, NotificationIntake } from './notification/index.js';
import type { Log, RuntimePorts } from './ports/runtime.js';

/** The device-facing adapters of one runtime, built for a given configuration. */
export interface PlatformPorts extends RuntimePorts {
  /** FUMO, SCOMO and other report sources with their tree mounts (see src/agent/compose.ts). */
  sources?: SourceFactory[];
  /** Starts the button and schedule triggers of the `triggers` section (the daemon). */
  startTriggers?(section: Record<string, unknown>): Promise<RunningTriggers>;
  /** Starts the notification transports of the `notifications` section, all feeding `intake` (the daemon). */
  startNotifications?(config: NotificationConfig, intake: NotificationIntake, log: Log): Promise<{ close(): Promise<void> }>;
  /** Calls `fn` once when the process is asked to stop (SIGTERM/SIGINT). */
  onStop?(fn: () => void): void;
}
