// /proc/cpuinfo: `key<TAB>: value` lines. On ARM boards it is where the SoC (`Hardware`), board revision
// (`Revision`), board serial (`Serial`) and, on Raspberry Pi, the board name (`Model`) are found; on x86 only the
// CPU `model name`. First occurrence wins (per-CPU blocks repeat the same keys).

export interface CpuInfo {
  modelName?: string;
  hardware?: string;
  revision?: string;
  serial?: string;
  model?: string;
}

export function parseCpuInfo(text: string): CpuInfo {
  const out: CpuInfo = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const key = line.substring(0, i).trim().toLowerCase();
    const value = line.substring(i + 1).trim();
    if (value === '') continue;
    if (key === 'model name' && out.modelName === undefined) out.modelName = value;
    else if (key === 'hardware' && out.hardware === undefined) out.hardware = value;
    else if (key === 'revision' && out.revision === undefined) out.revision = value;
    else if (key === 'serial' && out.serial === undefined) out.serial = value;
    else if (key === 'model' && out.model === undefined && !/^\d+$/.test(value)) out.model = value; // x86 "model: 142" is a number
  }
  return out;
}
