// Does the new image run? The decision for external installers, from what the installer reports after the reboot
// (booted slot, the slot the bootloader tries next, the running version) against what the journal expects. The same
// rules as the A/B writer's VerifyBoot: booted the installed slot → go on; still on the old slot with the switch
// armed → the reboot has not happened yet; on the old slot with the switch gone → the bootloader fell back (410).
// A version the package names must be the version that runs: a success report is a claim about the running image
// (OMA-TS-DM_FUMO-V1_0 result 200 "Successful" ends the update only when the new firmware is in place).

import type { BootExpectation, BootVerdict } from '../../ports/update.js';

export interface ObservedBoot {
  bootedSlot?: string;
  /** Slot the bootloader boots next (RAUC boot_primary). */
  primarySlot?: string;
  /** Running firmware version (RAUC: the booted slot's bundle version; else the platform's or the custom command's). */
  version?: string;
}

export function judgeBoot(o: ObservedBoot, e: BootExpectation): BootVerdict {
  let slotProven = false;
  if (o.bootedSlot !== undefined && (e.slot !== undefined || e.fromSlot !== undefined)) {
    const onNew = e.slot !== undefined ? o.bootedSlot === e.slot : o.bootedSlot !== e.fromSlot;
    const wanted = e.slot !== undefined ? `slot ${e.slot}` : `a slot other than ${e.fromSlot}`;
    if (!onNew) {
      if (e.rebooted !== true) {
        const armed = o.primarySlot !== undefined && (e.slot !== undefined ? o.primarySlot === e.slot : o.primarySlot !== e.fromSlot);
        // No primary slot known (a custom bootedSlot command): still on the old slot is "not rebooted yet", bounded by
        // the engine's reboot count.
        if (armed || o.primarySlot === undefined) return { state: 'awaiting-reboot', why: `booted ${o.bootedSlot}, ${wanted} is armed for the next boot` };
      }
      return { state: 'failed', why: `booted ${o.bootedSlot}, expected ${wanted}: the bootloader fell back to the old image` };
    }
    slotProven = true;
  }
  if (e.version !== undefined) {
    if (o.version === undefined) return { state: 'failed', why: `the running firmware version cannot be read, the package is ${e.version}` };
    if (o.version === e.version) return { state: 'running' };
    if (!slotProven && e.fromVersion !== undefined && o.version === e.fromVersion && e.rebooted !== true)
      return { state: 'awaiting-reboot', why: `still runs version ${o.version}, the package is ${e.version}` };
    return { state: 'failed', why: `runs version ${o.version}, the package is ${e.version}` };
  }
  if (slotProven) return { state: 'running' };
  if (o.version !== undefined && e.fromVersion !== undefined) {
    if (o.version !== e.fromVersion) return { state: 'running', note: `version ${e.fromVersion} → ${o.version} (the package names no version)` };
    if (e.rebooted === true) return { state: 'failed', why: `still runs version ${o.version} after the reboot` };
    return { state: 'awaiting-reboot', why: `still runs version ${o.version}` };
  }
  // Nothing to compare: neither a slot nor a version is known. Only the installer's exit status speaks.
  return { state: 'running', note: 'the installer reports neither a slot nor a version: trusted by its exit status' };
}
