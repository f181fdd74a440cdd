// The U-Boot environment through libubootenv's own tools (`fw_printenv`/`fw_setenv -c <fw_env.config>`), run through
// the CommandRunner port, so the redundant-copy format, the CRC and the /var/lock/fw_printenv.lock lock are exactly
// what U-Boot and other tools use (docs/update-practice.md §9: two copies, a torn write falls back to the older
// copy). Several variables are always set in ONE `fw_setenv -s -` call: one atomic env write (docs/update-practice.md
// §10 step 6, §11.3), never a series of calls.

import type { CommandRunner } from '../../ports/commands.js';

export class FwEnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FwEnvError';
  }
}

/** The U-Boot environment: read all, and set/delete several variables in ONE atomic write. */
export interface BootEnv {
  read(): Promise<Record<string, string>>;
  write(vars: Record<string, string | null>): Promise<void>;
}

/** The `fw_setenv -s` script: one `name=value` per line, a bare `name` deletes it; all applied in ONE env write. */
export function fwSetenvScript(vars: Record<string, string | null>): string {
  let script = '';
  for (const k of Object.keys(vars)) {
    if (!/^[A-Za-z0-9_.-]+$/.test(k)) throw new FwEnvError(`invalid env variable name ${JSON.stringify(k)}`);
    const v = vars[k];
    if (v !== null && /[\n\0]/.test(v)) throw new FwEnvError(`env value for ${k} contains a newline or NUL`);
    script += v === null ? `${k}\n` : `${k}=${v}\n`;
  }
  return script;
}

export function parsePrintenv(stdout: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) env[line.substring(0, eq)] = line.substring(eq + 1);
  }
  return env;
}

/** fw_env.config text for a redundant env held in two plain files (tests, demo, file-backed devices). */
export function fileEnvConfig(copyA: string, copyB: string, size = 0x4000): string {
  return `# device offset size\n${copyA} 0x0 0x${size.toString(16)}\n${copyB} 0x0 0x${size.toString(16)}\n`;
}

export interface FwEnvOptions {
  run: CommandRunner;
  /** fw_env.config path (device lines: `<file or mtd> <offset> <size>`, two lines = redundant env). */
  config: string;
  /** Default environment (key=value lines) used when both copies are invalid (`-f`). */
  defaultEnv?: string;
  printenv?: string;
  setenv?: string;
}

const ENV_TOOL_TIMEOUT_MS = 60_000;

export class FwEnv implements BootEnv {
  constructor(private readonly o: FwEnvOptions) {}

  private base(): string[] {
    const a = ['-c', this.o.config];
    if (this.o.defaultEnv) a.push('-f', this.o.defaultEnv);
    return a;
  }

  async read(): Promise<Record<string, string>> {
    const r = await this.o.run([this.o.printenv || 'fw_printenv'].concat(this.base()), { timeoutMs: ENV_TOOL_TIMEOUT_MS });
    if (r.code !== 0) throw new FwEnvError(`fw_printenv failed (${r.code}): ${r.stderr.trim()}`);
    return parsePrintenv(r.stdout);
  }

  /** Sets (value string) or deletes (null) several variables in one atomic env write. */
  async write(vars: Record<string, string | null>): Promise<void> {
    const r = await this.o.run([this.o.setenv || 'fw_setenv'].concat(this.base(), ['-s', '-']), { timeoutMs: ENV_TOOL_TIMEOUT_MS, stdin: fwSetenvScript(vars) });
    if (r.code !== 0) throw new FwEnvError(`fw_setenv failed (${r.code}): ${r.stderr.trim()}`);
  }
}
