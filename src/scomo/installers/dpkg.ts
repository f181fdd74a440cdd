// dpkg as the SCOMO installer for Debian-based gateways. `root`/`admindir`/`instdir` let tests (and image builders)
// install real .deb files into a scratch root. Result codes (docs/protocol.md §6.3): an archive dpkg-deb cannot read is 1407
// (Failed Package Validation); an architecture dpkg refuses is 1413 (unsupported environment); ENOSPC is 1406; every
// other dpkg failure is 1405 Install Failed / 1408 Remove Failed.

import type { Component } from '../../inventory/component.js';
import { ScomoResult } from '../codes.js';
import { ScomoError } from '../errors.js';
import type { Activator, InstallOutcome, InstallRequest, Installer } from '../../ports/scomo.js';
import type { CommandRunner } from '../../ports/commands.js';
import { checkOperand, joinPath, leaveInactive, runOrFail, tail } from './command.js';

export interface DpkgOptions {
  /** dpkg binary, default `dpkg`. */
  dpkg?: string;
  /** dpkg-deb binary, default `dpkg-deb`. */
  dpkgDeb?: string;
  /** dpkg-query binary, default `dpkg-query`. */
  dpkgQuery?: string;
  /** `--root=<dir>`: install into another root (sets instdir and admindir below it). */
  root?: string;
  /** `--admindir=<dir>` (default with root: `<root>/var/lib/dpkg`). */
  admindir?: string;
  /** `--instdir=<dir>` (default with root: `<root>`). */
  instdir?: string;
  /** `--force-not-root`: allow a non-root user to install into a scratch root. */
  forceNotRoot?: boolean;
  /** `--force-script-chrootless`: run maintainer scripts without chroot into `root` (scratch roots have no shell). */
  scriptChrootless?: boolean;
  /**
   * `--log=<file>`; default with root: `<root>/var/log/dpkg.log`, so a scratch install never writes the host log
   * (the platform wrappers create `<root>/var/log`; dpkg only warns when it cannot open the log).
   */
  log?: string;
  /** Remove with `--purge` (configuration files too) instead of `--remove`. */
  purge?: boolean;
  extraArgs?: string[];
  timeoutMs?: number;
  /** Used to leave a package Inactive after InstallInactive (maintainer scripts may have started its service). */
  activator?: Activator;
}

export class DpkgInstaller implements Installer {
  constructor(
    private readonly runner: CommandRunner,
    private readonly o: DpkgOptions = {},
  ) {}

  private async common(): Promise<string[]> {
    const args: string[] = [];
    const o = this.o;
    if (o.root) args.push(`--root=${o.root}`);
    const admindir = o.admindir || (o.root ? joinPath(o.root, 'var/lib/dpkg') : undefined);
    if (admindir) args.push(`--admindir=${admindir}`);
    const instdir = o.instdir || o.root;
    if (instdir) args.push(`--instdir=${instdir}`);
    if (o.forceNotRoot) args.push('--force-not-root');
    if (o.scriptChrootless) args.push('--force-script-chrootless');
    const log = o.log || (o.root ? joinPath(o.root, 'var/log/dpkg.log') : undefined);
    if (log) args.push(`--log=${log}`);
    return args.concat(o.extraArgs || []);
  }

  /** Package, Version and Architecture from the archive's control file; an unreadable archive is 1407. */
  async inspect(file: string): Promise<{ package: string; version: string; architecture: string }> {
    const r = await runOrFail(this.runner, ScomoResult.InstallFailed, this.o.dpkgDeb || 'dpkg-deb', ['--field', file, 'Package', 'Version', 'Architecture']);
    if (r.code !== 0) throw new ScomoError(ScomoResult.PackageValidationFailed, `not a valid .deb archive: ${tail(r.stderr)}`);
    const f: Record<string, string> = {};
    for (const line of r.stdout.split('\n')) {
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (m) f[m[1].toLowerCase()] = m[2].trim();
    }
    if (!f.package) throw new ScomoError(ScomoResult.PackageValidationFailed, '.deb control file has no Package field');
    return { package: f.package, version: f.version || '', architecture: f.architecture || '' };
  }

  /** `ii`, `iU`, `rc`... from dpkg-query, or '' when dpkg has never heard of the package. */
  async statusOf(pkg: string): Promise<string> {
    const admindir = this.o.admindir || (this.o.root ? joinPath(this.o.root, 'var/lib/dpkg') : undefined);
    const args = (admindir ? [`--admindir=${admindir}`] : []).concat(['--show', '--showformat=${db:Status-Abbrev}', pkg]);
    const r = await runOrFail(this.runner, ScomoResult.InstallFailed, this.o.dpkgQuery || 'dpkg-query', args, { timeoutMs: 60000 });
    return r.code === 0 ? r.stdout.trim() : '';
  }

  async install(request: InstallRequest): Promise<InstallOutcome> {
    checkOperand(request.path, 'package file', ScomoResult.InstallFailed);
    const meta = await this.inspect(request.path);
    checkOperand(meta.package, 'package name', ScomoResult.PackageValidationFailed);
    const before = await this.statusOf(meta.package);
    const r = await runOrFail(this.runner, ScomoResult.InstallFailed, this.o.dpkg || 'dpkg', (await this.common()).concat(['--install', request.path]), {
      timeoutMs: this.o.timeoutMs,
    });
    if (r.code !== 0) {
      // A first install that failed half-way (unmet dependency, failing postinst) leaves the package unpacked:
      // take it out again so the gateway is not left with a broken package. An upgrade is left to dpkg's own unwind.
      if (before === '' || before[1] === 'n') await this.cleanUp(meta.package);
      throw new ScomoError(installFailureCode(r.stderr), `dpkg --install ${meta.package} failed (exit ${r.code}): ${tail(r.stderr, 6)}`);
    }
    const component: Component = { id: meta.package, name: meta.package, version: meta.version, state: 'active', source: 'dpkg' };
    if (!request.activate) await leaveInactive(this.o.activator, component);
    return { componentIds: [meta.package] };
  }

  private async cleanUp(pkg: string): Promise<void> {
    const now = await this.statusOf(pkg);
    if (now !== '' && now[1] !== 'n' && now !== 'ii') await runOrFail(this.runner, ScomoResult.InstallFailed, this.o.dpkg || 'dpkg', (await this.common()).concat(['--remove', pkg]), { timeoutMs: this.o.timeoutMs });
  }

  async remove(component: Component): Promise<void> {
    checkOperand(component.id, 'package name', ScomoResult.RemoveFailed);
    const r = await runOrFail(this.runner, ScomoResult.RemoveFailed, this.o.dpkg || 'dpkg', (await this.common()).concat([this.o.purge ? '--purge' : '--remove', component.id]), {
      timeoutMs: this.o.timeoutMs,
    });
    if (r.code !== 0) throw new ScomoError(ScomoResult.RemoveFailed, `dpkg --remove ${component.id} failed (exit ${r.code}): ${tail(r.stderr)}`);
    // dpkg exits 0 for a package it does not know ("ignoring request to remove ... which isn't installed"): for
    // SCOMO that is a Remove that did not happen (wrong admindir, renamed package), not a success.
    if (/ignoring request to remove .* which isn't installed/.test(r.stderr + r.stdout))
      throw new ScomoError(ScomoResult.RemoveFailed, `dpkg does not know ${component.id}: ${tail(r.stderr + r.stdout)}`);
  }
}

function installFailureCode(stderr: string): number {
  if (/No space left on device/i.test(stderr)) return ScomoResult.InstallOutOfMemory;
  if (/architecture \([^)]*\) does not match system/i.test(stderr)) return ScomoResult.UnsupportedEnvType;
  return ScomoResult.InstallFailed;
}
