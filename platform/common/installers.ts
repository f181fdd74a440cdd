// External installers (RAUC, SWUpdate, OpenWrt sysupgrade): command lines and exit-code → FUMO result mapping,
// shared by the Node and QuickJS command writers (digest §5.4 codes).

import { FumoResult } from '../../src/fumo/result-codes';

export interface CommandWriterOptions {
  /** Install command; `{file}` is replaced by the staged file path. */
  install: string[];
  /** Exit code → FUMO result code; unmapped non-zero codes give 410. */
  exitCodes?: Record<number, number>;
  commit?: string[];
  rollback?: string[];
  needsReboot?: boolean;
  timeoutMs?: number;
}

export const INSTALLERS: Record<'rauc' | 'swupdate' | 'sysupgrade', CommandWriterOptions> = {
  // rauc exits 1 on any failure (signature, compatible, write); mark-good/mark-bad act on the booted slot.
  rauc: { install: ['rauc', 'install', '{file}'], commit: ['rauc', 'status', 'mark-good'], rollback: ['rauc', 'status', 'mark-bad'], needsReboot: true },
  // swupdate exits 1 on failure; the bootloader transaction is in its `ustate`, confirmed by the project's own logic.
  swupdate: { install: ['swupdate', '-i', '{file}'], needsReboot: true },
  // sysupgrade exits 1 when its image check refuses the file, i.e. an image for another board → 403 device mismatch
  // ([mem]: from OpenWrt's sysupgrade script, not checked on a device). It reboots by itself on success.
  sysupgrade: { install: ['sysupgrade', '{file}'], exitCodes: { 1: FumoResult.DeviceMismatch }, needsReboot: true },
};

/** `argv` with `{file}` replaced. */
export function commandLine(argv: string[], file?: string): string[] {
  return argv.map((a) => (file !== undefined ? a.split('{file}').join(file) : a));
}

/** FUMO result code for a non-zero installer exit: the configured mapping, else 410 Firmware Update Failed. */
export function resultForExit(o: CommandWriterOptions, code: number): number {
  const mapped = o.exitCodes ? o.exitCodes[code] : undefined;
  return mapped === undefined ? FumoResult.UpdateFailed : mapped;
}
