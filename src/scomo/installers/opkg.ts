// opkg (OpenWrt) as the SCOMO installer: `opkg install <file.ipk>` / `opkg remove <name>`, with optional `-f <conf>`
// and `--offline-root <dir>` for image builders and tests. The installed package names are taken from the lines opkg
// prints (`Installing <name> (<version>) to root...`, `Upgrading <name> on root from ...`), falling back to the
// delivery package's PkgID. Result codes as for dpkg (docs/protocol.md §6.3).

import type { Component } from '../../inventory/component.js';
import { ScomoResult } from '../codes.js';
import { ScomoError } from '../errors.js';
import type { Activator, InstallOutcome, InstallRequest, Installer } from '../../ports/scomo.js';
import type { CommandRunner } from '../../ports/commands.js';
import { checkOperand, leaveInactive, runOrFail, tail } from './command.js';

export interface OpkgOptions {
  /** opkg binary, default `opkg`. */
  opkg?: string;
  /** `--offline-root <dir>`. */
  offlineRoot?: string;
  /** `-f <conf>`. */
  conf?: string;
  extraArgs?: string[];
  timeoutMs?: number;
  activator?: Activator;
}

export class OpkgInstaller implements Installer {
  constructor(
    private readonly runner: CommandRunner,
    private readonly o: OpkgOptions = {},
  ) {}

  private common(): string[] {
    const args: string[] = [];
    if (this.o.conf) args.push('-f', this.o.conf);
    if (this.o.offlineRoot) args.push('--offline-root', this.o.offlineRoot);
    return args.concat(this.o.extraArgs || []);
  }

  async install(request: InstallRequest): Promise<InstallOutcome> {
    checkOperand(request.path, 'package file', ScomoResult.InstallFailed);
    const r = await runOrFail(this.runner, ScomoResult.InstallFailed, this.o.opkg || 'opkg', this.common().concat(['install', request.path]), { timeoutMs: this.o.timeoutMs });
    const out = r.stdout + '\n' + r.stderr;
    if (r.code !== 0) {
      const code = /No space left on device|not enough space/i.test(out)
        ? ScomoResult.InstallOutOfMemory
        : /Malformed package file|corrupt|unpack/i.test(out)
          ? ScomoResult.PackageValidationFailed
          : /incompatible with the architectures/i.test(out)
            ? ScomoResult.UnsupportedEnvType
            : ScomoResult.InstallFailed;
      throw new ScomoError(code, `opkg install failed (exit ${r.code}): ${tail(out)}`);
    }
    const ids: string[] = [];
    const re = /(?:Installing ([^\s]+) \(|Upgrading ([^\s]+) on )/g;
    for (let m = re.exec(out); m; m = re.exec(out)) {
      const name = m[1] || m[2];
      if (ids.indexOf(name) < 0) ids.push(name);
    }
    if (ids.length === 0 && request.pkgId) ids.push(request.pkgId);
    if (!request.activate) for (const id of ids) await leaveInactive(this.o.activator, { id, name: id, version: '', state: 'active', source: 'opkg' });
    return { componentIds: ids };
  }

  async remove(component: Component): Promise<void> {
    checkOperand(component.id, 'package name', ScomoResult.RemoveFailed);
    const r = await runOrFail(this.runner, ScomoResult.RemoveFailed, this.o.opkg || 'opkg', this.common().concat(['remove', component.id]), { timeoutMs: this.o.timeoutMs });
    if (r.code !== 0) throw new ScomoError(ScomoResult.RemoveFailed, `opkg remove ${component.id} failed (exit ${r.code}): ${tail(r.stdout + '\n' + r.stderr)}`);
  }
}
