// systeminformation's answers about the machine, kept in the state directory until the next boot. Loading the
// library and asking it costs about 230 ms and 11 MiB on every start (it spawns tools), which is most of Node's cold
// start to package 1 (OMA-TS-DM_Protocol-V1_2 §8.3: package 1 carries DevInfo, i.e. Man and Mod, which may come from
// here). What it reports for a real system (DMI vendor, model, serial, uuid; virtualisation; kernel; distribution when
// /etc/os-release is missing) cannot change without a reboot, so the kernel's boot id (proc(5): /proc/sys/kernel/random/boot_id) is the key:
// a new boot id asks systeminformation again. A damaged or foreign file is ignored and rewritten, never an error.

import { promises as fs } from 'node:fs';
import { writeFileAtomic } from './atomic-file.js';

/** The fields the device reader takes from systeminformation (platform/node/device-info.ts). */
export interface SystemFacts {
  system: { manufacturer?: string; model?: string; version?: string; serial?: string; uuid?: string } | null;
  os: { kernel?: string; distro?: string; release?: string } | null;
}

const FORMAT = 1;

/** Asks systeminformation (loaded here, on first use only) for the two records the device reader reads. */
export async function askSystemInformation(): Promise<SystemFacts> {
  const si = await import('systeminformation');
  const [sys, os] = await Promise.all([si.system().catch(() => null), si.osInfo().catch(() => null)]);
  return {
    system: sys ? { manufacturer: sys.manufacturer, model: sys.model, version: sys.version, serial: sys.serial, uuid: sys.uuid } : null,
    os: os ? { kernel: os.kernel, distro: os.distro, release: os.release } : null,
  };
}

function strings(o: unknown, keys: string[]): Record<string, string> | null | undefined {
  if (o === null) return null;
  if (typeof o !== 'object' || Array.isArray(o)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
    if (keys.indexOf(k) < 0 || typeof v !== 'string') return undefined;
    out[k] = v;
  }
  return out;
}

/** The cached facts if `file` holds them for this boot, else null. */
export async function readCachedSystemFacts(file: string, bootId: string): Promise<SystemFacts | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (e) {
    return null;
  }
  const p = parsed as { format?: unknown; bootId?: unknown; system?: unknown; os?: unknown };
  if (!p || typeof p !== 'object' || p.format !== FORMAT || p.bootId !== bootId) return null;
  const system = strings(p.system, ['manufacturer', 'model', 'version', 'serial', 'uuid']);
  const os = strings(p.os, ['kernel', 'distro', 'release']);
  if (system === undefined || os === undefined) return null;
  return { system, os };
}

/** systeminformation's facts for this boot: from `file` when it has them, else asked once and stored there. */
export async function systemFactsForBoot(file: string | undefined, bootId: string | null, ask = askSystemInformation): Promise<SystemFacts> {
  if (!file || !bootId) return ask();
  const cached = await readCachedSystemFacts(file, bootId);
  if (cached) return cached;
  const fresh = await ask();
  try {
    await writeFileAtomic(file, JSON.stringify({ format: FORMAT, bootId, ...fresh }) + '\n');
  } catch (e) {
    // A read-only or full state directory costs the next start the same ask again, nothing more.
  }
  return fresh;
}
