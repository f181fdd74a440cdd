// The device facts behind DevInfo and DevDetail (firmware version, hardware, OS; OMA-TS-DM_StdObj-V1_2): read from files
// under the configured sysRoot (/proc, /sys, /etc/os-release) or a command; which file holds what is the core's
// (src/device/).

/** File access a reader provides (Node: fs/promises, QuickJS: std/os). All answer null when something is absent. */
export interface DeviceFileAccess {
  /** Whole text of a file under sysRoot (/proc and /sys files included), or null. */
  readText(relPath: string): Promise<string | null>;
  /** Entry names of a directory under sysRoot, or null. */
  listDir(relPath: string): Promise<string[] | null>;
  /** Target of a symbolic link under sysRoot, or null when it is not a link. */
  readLink(relPath: string): Promise<string | null>;
  /** Standard output of a shell command (run on the real system, not under sysRoot), or null when it failed. */
  runCommand(command: string): Promise<string | null>;
}
