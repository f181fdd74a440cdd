// Helpers of the installer and service adapters over the one thing they need from a runtime, the CommandRunner port
// (src/ports/commands.ts: Node's child_process, QuickJS's os.exec). The adapters in this folder hold all the logic (arguments, output parsing, exit-code → result-code mapping, docs/protocol.md §6.3), so both
// runtimes behave the same.

import type { Component } from '../../inventory/component.js';
import { ScomoResult } from '../codes.js';
import { ScomoError } from '../errors.js';
import type { Activator } from '../../ports/scomo.js';
import type { CommandOptions, CommandResult, CommandRunner } from '../../ports/commands.js';


/** Runs a command; a start failure becomes a ScomoError with `failureCode`. */
export async function runOrFail(runner: CommandRunner, failureCode: number, command: string, args: string[], options?: CommandOptions): Promise<CommandResult> {
  try {
    return await runner([command].concat(args), options);
  } catch (e) {
    throw new ScomoError(failureCode, `cannot run ${command}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Last non-empty lines of a command's output, for error messages and logs. */
export function tail(text: string, lines = 3): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .slice(-lines)
    .join(' | ');
}

export function joinPath(dir: string, rel: string): string {
  return dir.replace(/\/+$/, '') + '/' + rel.replace(/^\/+/, '');
}

/**
 * Refuses a package name or file that a package manager would read as an option (`--force-all`, `-r`): names come
 * from status files and manifests, files from the staging area, but neither is trusted to start with a letter.
 */
export function checkOperand(value: string, what: string, failureCode: number): string {
  if (value === '' || value[0] === '-' || /[\u0000-\u001f]/.test(value))
    throw new ScomoError(failureCode, `refusing ${what} ${JSON.stringify(value)}: empty, starts with "-" or contains control characters`);
  return value;
}

/**
 * After an install into the Inactive state (InstallInactive, DownloadInstallInactive): stop what the package's own
 * scripts may have started. A component without a service (1411 from the activator) has nothing to stop.
 */
export async function leaveInactive(activator: Activator | undefined, c: Component): Promise<void> {
  if (!activator) return;
  try {
    await activator.deactivate(c);
  } catch (e) {
    if (e instanceof ScomoError && e.resultCode === ScomoResult.NotImplemented) return;
    throw e;
  }
}
