// Text formats of libubootenv's tools, shared by the Node and QuickJS env adapters: the `fw_setenv -s` script (one
// `name=value` per line, a bare `name` deletes it; all lines applied in ONE atomic env write) and `fw_printenv` output.

export class FwEnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FwEnvError';
  }
}

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

/** fw_env.config text for a redundant env held in two plain files. */
export function fileEnvConfig(copyA: string, copyB: string, size = 0x4000): string {
  return `# device offset size\n${copyA} 0x0 0x${size.toString(16)}\n${copyB} 0x0 0x${size.toString(16)}\n`;
}
