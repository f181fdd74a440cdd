// The core's U-Boot env (src/update/writers/env.ts) bound to Node's command runner, for the bootloader simulator
// (uboot-sim.ts), the demo and the tests that prepare or inspect an env; the agent builds its own in the writer factory.

import { writeFileSync } from 'node:fs';
import { FwEnv as CoreFwEnv, FwEnvError, type FwEnvOptions, fileEnvConfig } from '../../../src/update/writers/env.js';
import { nodeRun } from '../writer-ports.js';

export { FwEnvError };

export class FwEnv extends CoreFwEnv {
  constructor(o: Omit<FwEnvOptions, 'run'>) {
    super(Object.assign({ run: nodeRun }, o));
  }
}

/** Writes an fw_env.config for a redundant env held in two plain files (tests, demo, file-backed devices). */
export function writeFileEnvConfig(configPath: string, copyA: string, copyB: string, size = 0x4000): void {
  writeFileSync(configPath, fileEnvConfig(copyA, copyB, size));
}
