// Running a program: the one thing the flash writers' external installers (RAUC, SWUpdate, sysupgrade, custom), the
// U-Boot env tools (fw_printenv/fw_setenv), the reboot and health-check commands and the SCOMO installers (dpkg, opkg,
// script, service managers) need from a runtime. One runner per runtime: Node's child_process, QuickJS's os.exec.

/** How to run one program. */
export interface CommandOptions {
  /** Added to (not replacing) the agent's own environment. A bare program name is looked up in this PATH when given. */
  env?: Record<string, string>;
  /** Kill the program (SIGKILL) after this many milliseconds; default 30 minutes (a large package on slow flash). */
  timeoutMs?: number;
  /** Written to the program's stdin, which is then closed; without it the program gets no stdin. */
  stdin?: string;
}

/** What a program left behind. A non-zero exit is a result, not an error. */
export interface CommandResult {
  /** Exit code; -1 when killed by a signal or the timeout. 127 with no output: the program could not be started. */
  code: number;
  /** The last 64 KiB of each stream at most: the error is at the end, memory stays bounded. */
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs `argv[0]` (PATH lookup, no shell) with the arguments that follow. Resolves for any exit code. A program that
 * cannot be started either rejects (Node: spawn's error) or resolves with code 127 and no output (QuickJS: the child's
 * exec failed); callers treat both as "cannot run".
 */
export type CommandRunner = (argv: string[], options?: CommandOptions) => Promise<CommandResult>;
