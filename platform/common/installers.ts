// External installers (RAUC, SWUpdate, OpenWrt sysupgrade): the specs and the writer live in the runtime-free core
// (src/update/installers/); this keeps the platform-side name for the flash-config factories.

import { INSTALLERS, type InstallerSpec, DEFAULT_STAGED_NAME } from '../../src/update/installers/spec';

export { INSTALLERS, commandLine, resultForExit } from '../../src/update/installers/spec';

/** A custom installer as the flash config gives it: the install command, the rest optional. */
export type CommandWriterOptions = Partial<InstallerSpec> & { install: string[] };

export function installerSpec(o: CommandWriterOptions): InstallerSpec {
  for (const k of Object.keys(INSTALLERS) as Array<keyof typeof INSTALLERS>) if (INSTALLERS[k] === o) return INSTALLERS[k];
  return Object.assign({ name: 'custom', observe: 'facts' as const, stagedName: DEFAULT_STAGED_NAME }, o);
}
