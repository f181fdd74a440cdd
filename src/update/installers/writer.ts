// The command writer: hands the verified, staged package to an external installer (RAUC, SWUpdate, sysupgrade or a
// project's own) and afterwards judges from what the installer itself reports whether the new image runs. Runtime-
// free: a runtime supplies only `run` (spawn a program, collect its output) and the platform's firmware version.
//
// Truthful by construction: nothing is marked good and no success is reported until checkBoot() has seen the
// installed slot booted and the package's version running (OMA-TS-DM_FUMO-V1_0: the result report states the
// outcome of the update, so it is sent after the reboot, not when the installer exits). After a fallback the old,
// running slot is never marked good; only the installed slot is marked bad.

import type { Log } from '../../ports/runtime.js';
import { UpdateError } from '../errors.js';
import type { BootExpectation, BootVerdict, FlashStatus, ImageMeta, WholeFileWriter } from '../../ports/update.js';
import type { CommandResult, CommandRunner } from '../../ports/commands.js';
import { InstallerSpec, commandLine, failureForExit } from './spec.js';
import { RAUC_STATUS_ARGS, parseRaucStatus } from './rauc-status.js';
import { ObservedBoot, judgeBoot } from './verdict.js';

export interface InstallerWriterOptions {
  spec: InstallerSpec;
  /** Runs a program (PATH lookup, no shell); rejects only when it cannot be started at all. */
  run: CommandRunner;
  /** The running firmware version as the platform reports it (DevDetail FwV), for `observe: 'facts'`. */
  firmwareVersion?(): Promise<string | undefined>;
  log?: Log;
}

const INSTALL_TIMEOUT_MS = 30 * 60_000;
const QUERY_TIMEOUT_MS = 60_000;

function firstLine(s: string): string | undefined {
  const line = s.split('\n')[0].trim();
  return line === '' ? undefined : line;
}

export class InstallerWriter implements WholeFileWriter {
  readonly kind = 'command';
  readonly needsReboot: boolean;
  constructor(private readonly o: InstallerWriterOptions) {
    this.needsReboot = o.spec.needsReboot !== false;
  }

  get spec(): InstallerSpec {
    return this.o.spec;
  }

  private async exec(argv: string[], what: string, timeoutMs: number, vars: { file?: string; slot?: string } = {}): Promise<string> {
    const args = commandLine(argv, vars);
    let r: CommandResult;
    try {
      r = await this.o.run(args, { timeoutMs: this.o.spec.timeoutMs || timeoutMs });
    } catch (e) {
      throw new UpdateError('install-failed', `${what}: cannot run ${args[0]}: ${(e as Error).message}`);
    }
    if (r.code === 127 && r.stdout === '' && r.stderr === '') throw new UpdateError('install-failed', `${what}: cannot run ${args[0]}`);
    if (r.code !== 0) {
      // exitCodes/exitKinds describe the install command (e.g. sysupgrade's image check); any other command failing
      // is install-failed.
      const f = what === 'install' ? failureForExit(this.o.spec, r.code) : { kind: 'install-failed' as const };
      throw new UpdateError(f.kind, `${what}: ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().slice(0, 300)}`, undefined, f.configuredResult);
    }
    return r.stdout;
  }

  private usesRauc(): boolean {
    return this.o.spec.observe === 'rauc' && !this.o.spec.bootedSlot && !this.o.spec.version;
  }

  /** What runs now, as the installer (or the platform) reports it. */
  private async observe(): Promise<ObservedBoot & { targetSlot?: string }> {
    const s = this.o.spec;
    if (this.usesRauc()) {
      const st = parseRaucStatus(await this.exec(RAUC_STATUS_ARGS, 'status', QUERY_TIMEOUT_MS));
      const o: ObservedBoot & { targetSlot?: string } = { bootedSlot: st.booted };
      if (st.primary !== undefined) o.primarySlot = st.primary;
      if (st.bootedVersion !== undefined) o.version = st.bootedVersion;
      if (st.target !== undefined) o.targetSlot = st.target;
      return o;
    }
    const o: ObservedBoot = {};
    if (s.bootedSlot) {
      const slot = firstLine(await this.exec(s.bootedSlot, 'bootedSlot', QUERY_TIMEOUT_MS));
      if (slot === undefined) throw new UpdateError('install-failed', `bootedSlot: ${s.bootedSlot.join(' ')} printed nothing`);
      o.bootedSlot = slot;
    }
    if (s.version) {
      const v = firstLine(await this.exec(s.version, 'version', QUERY_TIMEOUT_MS));
      if (v !== undefined) o.version = v;
    } else if (this.o.firmwareVersion) {
      const v = await this.o.firmwareVersion();
      if (v !== undefined && v !== '') o.version = v;
    }
    return o;
  }

  async status(): Promise<FlashStatus> {
    const o = await this.observe();
    const st: FlashStatus = { pendingCommit: o.primarySlot !== undefined && o.bootedSlot !== undefined && o.primarySlot !== o.bootedSlot };
    if (o.bootedSlot !== undefined) st.bootedSlot = o.bootedSlot;
    if (o.primarySlot !== undefined) st.primarySlot = o.primarySlot;
    if (o.targetSlot !== undefined) st.targetSlot = o.targetSlot;
    if (o.version !== undefined) st.runningVersion = o.version;
    return st;
  }

  /** Hands the staged, verified package to the installer (a whole file: nothing is streamed through the agent). */
  async installFile(file: string, _meta: ImageMeta): Promise<void> {
    await this.exec(this.o.spec.install, 'install', INSTALL_TIMEOUT_MS, { file });
  }
  async activate(): Promise<void> {
    // The installer switched the boot target itself (RAUC marks the installed slot primary, SWUpdate sets ustate).
  }

  async checkBoot(expect: BootExpectation): Promise<BootVerdict> {
    const v = judgeBoot(await this.observe(), expect);
    if (v.state === 'awaiting-reboot' && !this.needsReboot)
      return { state: 'failed', why: `the install did not change what runs (${v.why}), and ${this.o.spec.name} needs no reboot` };
    if (v.state === 'running' && v.note && this.o.log) this.o.log.log('info', `${this.o.spec.name}: ${v.note}`);
    return v;
  }

  /** Marks the running image good, after checking once more that it is the new one (a re-run after a power cut). */
  async commit(expect?: BootExpectation): Promise<void> {
    if (expect) {
      const v = await this.checkBoot(expect);
      if (v.state !== 'running') throw new UpdateError('fell-back', `not committed: ${v.why}`);
    }
    if (this.o.spec.commit) await this.exec(this.o.spec.commit, 'commit', QUERY_TIMEOUT_MS);
  }

  /** Marks the installed slot bad; never touches the slot that runs after a fallback (that is the good old image). */
  async rollback(expect?: BootExpectation): Promise<void> {
    const argv = this.o.spec.rollback;
    if (!argv) return;
    const slot = expect && expect.slot;
    if (slot === undefined && argv.some((a) => a.indexOf('{slot}') >= 0)) {
      if (this.o.log) this.o.log.log('warn', `${this.o.spec.name}: rollback skipped, the installed slot is not known`);
      return;
    }
    await this.exec(argv, 'rollback', QUERY_TIMEOUT_MS, slot === undefined ? {} : { slot });
  }
}
