// U-Boot environment through the real libubootenv tools (`fw_printenv`/`fw_setenv -c <fw_env.config>`), so the
// redundant-copy format, CRC and the /var/lock/fw_printenv.lock lock are exactly what U-Boot and other tools use
// (docs/update-practice.md §9 [lab]: two copies, a torn write falls back to the older copy). Several variables are always set in
// ONE `fw_setenv -s -` call: one atomic env write (docs/update-practice.md §10 step 6, §11.3), never a series of calls.

import { writeFileSync } from 'node:fs';
import { run } from './exec';
import { FwEnvError, fileEnvConfig, fwSetenvScript, parsePrintenv } from '../../common/fw-env-script';
import type { BootEnv } from '../../common/uboot-ab';

export { FwEnvError };

export interface FwEnvOptions {
  /** fw_env.config path (device lines: `<file or mtd> <offset> <size>`, two lines = redundant env). */
  config: string;
  /** Default environment (key=value lines) used when both copies are invalid (`-f`). */
  defaultEnv?: string;
  printenv?: string;
  setenv?: string;
  /** Called before each env write; the power-cut harness throws from it. */
  onDurableWrite?(what: string): void;
  /** Called after each successful env write (the harness tears the copy just written here). */
  afterDurableWrite?(what: string): void;
}

export class FwEnv implements BootEnv {
  constructor(private readonly o: FwEnvOptions) {}

  private base(): string[] {
    const a = ['-c', this.o.config];
    if (this.o.defaultEnv) a.push('-f', this.o.defaultEnv);
    return a;
  }

  async read(): Promise<Record<string, string>> {
    const r = await run([this.o.printenv || 'fw_printenv'].concat(this.base()));
    if (r.code !== 0) throw new FwEnvError(`fw_printenv failed (${r.code}): ${r.stderr.trim()}`);
    return parsePrintenv(r.stdout);
  }

  /** Sets (value string) or deletes (null) several variables in one atomic env write. */
  async write(vars: Record<string, string | null>): Promise<void> {
    const script = fwSetenvScript(vars);
    if (this.o.onDurableWrite) this.o.onDurableWrite('env');
    const r = await run([this.o.setenv || 'fw_setenv'].concat(this.base(), ['-s', '-']), script);
    if (r.code !== 0) throw new FwEnvError(`fw_setenv failed (${r.code}): ${r.stderr.trim()}`);
    if (this.o.afterDurableWrite) this.o.afterDurableWrite('env');
  }
}

/** Writes an fw_env.config for a redundant env held in two plain files (tests, demo, file-backed devices). */
export function writeFileEnvConfig(configPath: string, copyA: string, copyB: string, size = 0x4000): void {
  writeFileSync(configPath, fileEnvConfig(copyA, copyB, size));
}
