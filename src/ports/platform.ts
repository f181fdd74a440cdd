// What one runtime supplies as a whole: PlatformPorts, built for a configuration (the runtime ports every command
// needs, plus FUMO's and SCOMO's ports, the button and the notification listeners the daemon starts), and CliHost,
// the command line's own I/O. platform/node/platform.ts and platform/quickjs/platform.ts build PlatformPorts;
// platform/node/cli.ts and platform/quickjs/main.ts are the CliHosts. The agent runs on RuntimePorts alone.
import type { AgentConfig } from '../config.js';
import type { Log, RuntimePorts, StateLock } from './runtime.js';
import type { FumoAdapters } from './fumo.js';
import type { ButtonStarter } from './triggers.js';
import type { NotificationListenConfig, NotificationReceiver, SpoolFs } from './notification.js';
import type { ScomoPorts } from './scomo.js';
import type { ProgressTerminal } from './progress.js';
import type { ServiceManagerPort } from './service-manager.js';

/** The device-facing adapters of one runtime, built for a given configuration. */
export interface PlatformPorts extends RuntimePorts {
  /** FUMO's ports, built on first use (absent: this runtime has no FUMO). The core builds FUMO over them. */
  fumo?(): Promise<FumoAdapters>;
  /** SCOMO's ports, built on first use and only when `scomo` is enabled. The core builds SCOMO over them. */
  scomo?(): Promise<ScomoPorts>;
  /** Reads the device's button (evdev or GPIO) for the daemon; absent: no button on this runtime. */
  startButton?: ButtonStarter;
  /** Starts the notification transports of the `notifications` section, all feeding `intake` (the daemon). */
  startNotifications?(config: NotificationListenConfig, receiver: NotificationReceiver, log: Log): Promise<{ close(): Promise<void> }>;
  /** The service manager's notification socket (systemd Type=notify); absent when $NOTIFY_SOCKET is not set. */
  serviceManager?: ServiceManagerPort;
  /** Calls `fn` once when the process is asked to stop (SIGTERM/SIGINT). */
  onStop?(fn: () => void): void;
  /** Calls `fn` each time the process is asked to re-read its configuration (SIGHUP, `systemctl reload`). */
  onReload?(fn: () => void): void;
  /**
   * The lock `<stateDir>/daemon.lock`, held by a running daemon for its whole life: a second daemon is refused, and
   * `dm-agent request` hands its request to the daemon that holds it (docs/handoff.md). Absent: no hand-off.
   */
  daemonLock?: StateLock;
  /** The file operations of the spool folders: the notification spool and the request spool (docs/handoff.md). */
  spoolFs?: SpoolFs;
  /**
   * Calls `fn` each time another process rings this one (SIGUSR2): `dm-agent request` rings the daemon after it
   * handed a request over, so an idle daemon takes it at once instead of at its next look (docs/handoff.md).
   */
  onRing?(fn: () => void): void;
  /** Rings the process `pid` (SIGUSR2); false when it cannot be rung (gone, not ours, no signal number). */
  ring?(pid: number): boolean;
}

/** What the command line needs from the runtime it runs on (platform/node/cli.ts, platform/quickjs/main.ts). */
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
   * The terminal stderr is (its width in columns), or null when it is a pipe, a file or a journal: update progress is
   * then a bar redrawn in place or one line every 10% (src/cli/progress.ts). Absent: never a terminal.
   */
  stderrTerminal?(): ProgressTerminal | null;
  /**
   * Builds the adapters for a configuration. The state directory is created (mode 0700) when missing and checked
   * with checkStateDirMode (src/state/dir-mode.ts) when it exists.
   */
  platform(config: AgentConfig, options: { verbose: boolean; json: boolean }): Promise<PlatformPorts>;
  /**
   * The rules this runtime adds to the configuration (e.g. QuickJS needs `notifications.spool` for UDP and HTTP),
   * checked by every command that loads it, right after the sections themselves; throws the section's error naming
   * the key. Absent: the runtime adds none.
   */
  checkConfig?(config: AgentConfig): void;
}
