// External installers (RAUC, SWUpdate, OpenWrt sysupgrade, or a project's own): the command lines the command writer
// runs, what their exit codes mean (a kind of update failure, src/update/errors.ts; or the FUMO result the operator
// configured), how each one tells what booted, and the file name each expects for the staged package. Runtime-free:
// both runtimes run these same specs.

import type { UpdateFailure } from '../errors.js';


export type BuiltInInstaller = 'rauc' | 'swupdate' | 'sysupgrade';

export interface InstallerSpec {
  /** `rauc`, `swupdate`, `sysupgrade` or `custom` (for messages and the fake tools in tests). */
  name: string;
  /** Install command; `{file}` is replaced by the staged file path. */
  install: string[];
  /** Exit code → FUMO result code, as the operator configured it (`fumo.writer.exitCodes`); reported as is. */
  exitCodes?: Record<number, number>;
  /** Exit code → what it means, for the built-in installers; unmapped non-zero codes are `install-failed`. */
  exitKinds?: Record<number, UpdateFailure>;
  /** Run once the new image is proven to run (never before: it marks the running slot good). */
  commit?: string[];
  /** Run when the update is abandoned; `{slot}` is replaced by the slot that was installed (skipped when unknown). */
  rollback?: string[];
  /** False for an installer whose result runs at once (no reboot in between). Default true. */
  needsReboot?: boolean;
  timeoutMs?: number;
  /**
   * How the writer tells what runs after the reboot:
   *   `rauc`  `rauc status --detailed --output-format=json`: booted slot, primary slot and the booted slot's bundle version
   *   `facts` the running firmware version the platform reports (DevDetail FwV, `device.firmwareVersion`)
   * A custom installer may give its own commands instead (`bootedSlot`, `version`).
   */
  observe: 'rauc' | 'facts';
  /** Custom: prints the booted slot (first line of stdout). */
  bootedSlot?: string[];
  /** Custom: prints the running firmware version (first line of stdout); replaces the platform's version. */
  version?: string[];
  /** File name of the staged package in `fumo.stagingDir` (RAUC refuses a bundle whose name does not end in .raucb). */
  stagedName: string;
}

/**
 * rauc: `rauc install` exits 1 on any failure (signature, compatible, write). mark-good/mark-bad name their slot
 * explicitly: `mark-good booted` only after the booted slot was checked to be the installed one, `mark-bad <slot>`
 * on the installed slot (the booted one after a fallback is the old, good image and is never touched).
 * swupdate: exits 1 on failure; its bootloader transaction (`ustate`) is confirmed by the project's own logic.
 * sysupgrade: exits 1 when its image check refuses the file, i.e. an image for another board → 403 device mismatch
 * (from OpenWrt's sysupgrade script, not checked on a device). It reboots by itself on success.
 */
export const INSTALLERS: Record<BuiltInInstaller, InstallerSpec> = {
  rauc: {
    name: 'rauc',
    install: ['rauc', 'install', '{file}'],
    commit: ['rauc', 'status', 'mark-good', 'booted'],
    rollback: ['rauc', 'status', 'mark-bad', '{slot}'],
    needsReboot: true,
    observe: 'rauc',
    stagedName: 'firmware.raucb',
  },
  swupdate: { name: 'swupdate', install: ['swupdate', '-i', '{file}'], needsReboot: true, observe: 'facts', stagedName: 'firmware.swu' },
  sysupgrade: {
    name: 'sysupgrade',
    install: ['sysupgrade', '{file}'],
    exitKinds: { 1: 'device-mismatch' },
    needsReboot: true,
    observe: 'facts',
    stagedName: 'firmware.bin',
  },
};

/** Staged file name of a custom installer, and of every writer that is not an external installer. */
export const DEFAULT_STAGED_NAME = 'firmware.pkg';

/** `argv` with `{file}` / `{slot}` replaced. */
export function commandLine(argv: string[], vars: { file?: string; slot?: string } = {}): string[] {
  return argv.map((a) => {
    let s = a;
    if (vars.file !== undefined) s = s.split('{file}').join(vars.file);
    if (vars.slot !== undefined) s = s.split('{slot}').join(vars.slot);
    return s;
  });
}

/** What a non-zero exit of the install command means: its kind, and the FUMO result the operator configured, if any. */
export function failureForExit(o: Pick<InstallerSpec, 'exitCodes' | 'exitKinds'>, code: number): { kind: UpdateFailure; configuredResult?: number } {
  return { kind: (o.exitKinds && o.exitKinds[code]) || 'install-failed', configuredResult: o.exitCodes && o.exitCodes[code] };
}
