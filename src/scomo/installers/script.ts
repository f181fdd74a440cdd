// A configured script as installer and activator, for anything dpkg/opkg do not cover (container images, modem
// firmware through a vendor tool...). Called as `<script> <action>` with action install | remove | activate |
// deactivate, and the details in environment variables:
//
//   SCOMO_ACTION, SCOMO_PKG_PATH, SCOMO_PKG_ID, SCOMO_PKG_TYPE, SCOMO_INSTALL_PARAMS, SCOMO_ACTIVATE (1|0)   (install)
//   SCOMO_COMPONENT_ID, SCOMO_COMPONENT_NAME, SCOMO_COMPONENT_VERSION, SCOMO_COMPONENT_SERVICE        (the others)
//
// For install the script prints `component=<ID>` lines naming what it installed (default: the PkgID).
// Exit codes map to result codes (docs/protocol.md §6.3): 0 success; 2 → 1407 validation; 3 → 1406 out of space (1404 is for
// downloads); 4 → 1413 unsupported environment; 5 → 1401 user cancelled; 6 → 1411 not implemented; any other code →
// the action's failure code (1405 install, 1408 remove, 1409 activate, 1410 deactivate). `exitCodes` overrides
// entries (e.g. `{ 10: 1460 }` for a vendor-specified code).

import type { Component } from '../../inventory/component.js';
import { ScomoResult, isValidResultCode } from '../codes.js';
import { ScomoError } from '../errors.js';
import type { Activator, InstallOutcome, InstallRequest, Installer } from '../../ports/scomo.js';
import type { CommandRunner } from '../../ports/commands.js';
import { runOrFail, tail } from './command.js';

export interface ScriptOptions {
  script: string;
  /** Extra arguments before the action. */
  args?: string[];
  /** Extra environment for every call. */
  env?: Record<string, string>;
  exitCodes?: Record<number, number>;
  timeoutMs?: number;
}

export const DEFAULT_SCRIPT_EXIT_CODES: Record<number, number> = {
  2: ScomoResult.PackageValidationFailed,
  3: ScomoResult.InstallOutOfMemory,
  4: ScomoResult.UnsupportedEnvType,
  5: ScomoResult.UserCancelled,
  6: ScomoResult.NotImplemented,
};

type Action = 'install' | 'remove' | 'activate' | 'deactivate';
const FAILURE: Record<Action, number> = {
  install: ScomoResult.InstallFailed,
  remove: ScomoResult.RemoveFailed,
  activate: ScomoResult.ActivateFailed,
  deactivate: ScomoResult.DeactivateFailed,
};

export class ScriptInstaller implements Installer, Activator {
  private readonly exitCodes: Record<number, number>;

  constructor(
    private readonly runner: CommandRunner,
    private readonly o: ScriptOptions,
  ) {
    this.exitCodes = { ...DEFAULT_SCRIPT_EXIT_CODES, ...(o.exitCodes || {}) };
    for (const k of Object.keys(this.exitCodes))
      if (!isValidResultCode(this.exitCodes[Number(k)]))
        throw new RangeError(`script exit code ${k} maps to ${this.exitCodes[Number(k)]}, which is not a SCOMO result code`);
  }

  /** The result code for an exit code (0 → 1200). */
  resultCodeFor(action: Action, exitCode: number): number {
    if (exitCode === 0) return ScomoResult.Successful;
    const mapped = this.exitCodes[exitCode];
    return mapped !== undefined ? mapped : FAILURE[action];
  }

  private async run(action: Action, env: Record<string, string>): Promise<string> {
    const r = await runOrFail(this.runner, FAILURE[action], this.o.script, (this.o.args || []).concat([action]), {
      env: { ...(this.o.env || {}), ...env, SCOMO_ACTION: action },
      timeoutMs: this.o.timeoutMs,
    });
    const code = r.timedOut ? FAILURE[action] : this.resultCodeFor(action, r.code);
    if (code !== ScomoResult.Successful)
      throw new ScomoError(code, `${this.o.script} ${action} failed (${r.timedOut ? 'timed out' : 'exit ' + r.code}): ${tail(r.stderr || r.stdout)}`);
    return r.stdout;
  }

  async install(request: InstallRequest): Promise<InstallOutcome> {
    const out = await this.run('install', {
      SCOMO_PKG_PATH: request.path,
      SCOMO_PKG_ID: request.pkgId || '',
      SCOMO_PKG_TYPE: request.pkgType || '',
      SCOMO_INSTALL_PARAMS: request.installParams || '',
      SCOMO_ACTIVATE: request.activate ? '1' : '0',
    });
    const ids: string[] = [];
    for (const line of out.split('\n')) {
      const m = /^component=(.+)$/.exec(line.trim());
      if (m && ids.indexOf(m[1]) < 0) ids.push(m[1]);
    }
    if (ids.length === 0 && request.pkgId) ids.push(request.pkgId);
    return { componentIds: ids };
  }

  private componentEnv(c: Component): Record<string, string> {
    return {
      SCOMO_COMPONENT_ID: c.id,
      SCOMO_COMPONENT_NAME: c.name,
      SCOMO_COMPONENT_VERSION: c.version,
      SCOMO_COMPONENT_SERVICE: c.service || '',
    };
  }

  async remove(component: Component): Promise<void> {
    await this.run('remove', this.componentEnv(component));
  }
  async activate(component: Component): Promise<void> {
    await this.run('activate', this.componentEnv(component));
  }
  async deactivate(component: Component): Promise<void> {
    await this.run('deactivate', this.componentEnv(component));
  }
}
