// What the command line needs from the runtime it runs on (platform/node/cli.ts, platform/quickjs/main.ts).
import type { AgentConfig } from '../config.js';
import type { PlatformPorts } from '../platform-ports.js';

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
  /**
   * The rules this runtime adds to the configuration (e.g. QuickJS needs `notifications.spool` for UDP and HTTP),
   * checked by every command that loads it, right after the sections themselves; throws the section's error naming
   * the key. Absent: the runtime adds none.
   */
  checkConfig?(config: AgentConfig): void;
}
