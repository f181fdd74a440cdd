// The core's U-Boot env (src/update/writers/env.ts) bound to Node's command runner, for the bootloader simulator
// (uboot-sim.ts), the demo and the tests that prepare or inspect an env; the agent builds its own in the writer factory.

import { writeFileSync } from 'node:fs';
import { FwEnv as CoreFwEnv, FwEnvError, type FwEnvOptions, fileEnvConfig } from '../../../src/update/writers/env.js';
import { nodeRunCommand } from '../run-command.js';

export { FwEnvError };

export interface NodeFwEnvOptions extends Omit<FwEnvOptions, 'run'> {
  /** Test hook: called before each env write (the power-cut harness throws from it). */
  onDurableWrite?(what: string): void;
  /** Test hook: called after each successful env write (the harness tears the copy just written here). */
  afterDurableWrite?(what: string): void;
}

export class FwEnv extends CoreFwEnv {
  constructor(private readonly hooks: NodeFwEnvOptions) {
    super(Object.assign({ run: nodeRunCommand }, hooks));
  }

  override async write(vars: Record<string, string | null>): Promise<void> {
    if (this.hooks.onDurableWrite) this.hooks.onDurableWrite('env');
    await super.write(vars);
    if (this.hooks.afterDurableWrite) this.hooks.afterDurableWrite('env');
  }
}

/** Writes an fw_env.config for a redundant env held in two plain files (tests, demo, file-backed devices). */
export function writeFileEnvConfig(configPath: string, copyA: string, copyB: string, size = 0x4000): void {
  writeFileSync(configPath, fileEnvConfig(copyA, copyB, size));
}
