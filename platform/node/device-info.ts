// Node reader for the DeviceInfoReader port. It reads the same files as the QuickJS reader (src/device/sources.ts)
// under the configured sysRoot, so both runtimes report the same facts for the same files. On the real system
// (sysRoot `/`) systeminformation fills what the files could not give (DMI serial/uuid need root to read, but
// systeminformation may get them through dmidecode or other means); a fake sysRoot never consults it. It is asked
// only when the files leave a gap it could fill, and its answers are kept in the state directory for the current boot
// (system-facts-cache.ts), so a `request` after the first one of a boot starts without loading it.

import { nodeRunCommand } from './run-command.js';
import { systemFactsForBoot, type SystemFacts } from './system-facts-cache.js';
import { promises as fs } from 'node:fs';
import type { DeviceFacts, DeviceInfoReader } from '../../src/ports/runtime.js';
import { buildDeviceFacts, collectDeviceSources, type DeviceConfig, type DeviceFileAccess, type DeviceSources, parseDeviceConfig, readBootId, underRoot } from '../../src/device/index.js';

export interface NodeDeviceInfoOptions {
  /** Consult systeminformation for missing facts (default: only when sysRoot is `/`). */
  useSystemInformation?: boolean;
  /** Milliseconds a firmware-version command may take (default 5000). */
  commandTimeoutMs?: number;
  /** Where systeminformation's answers are kept for the current boot (default: not kept, asked on every read). */
  systemFactsFile?: string;
}

export function nodeDeviceFileAccess(sysRoot: string, commandTimeoutMs = 5000): DeviceFileAccess {
  return {
    async readText(rel) {
      try {
        return await fs.readFile(underRoot(sysRoot, rel), 'utf8');
      } catch (e) {
        return null;
      }
    },
    async listDir(rel) {
      try {
        return await fs.readdir(underRoot(sysRoot, rel));
      } catch (e) {
        return null;
      }
    },
    async readLink(rel) {
      try {
        return await fs.readlink(underRoot(sysRoot, rel));
      } catch (e) {
        return null;
      }
    },
    async runCommand(command) {
      try {
        const r = await nodeRunCommand(['/bin/sh', '-c', command], { timeoutMs: commandTimeoutMs });
        return r.code === 0 ? r.stdout : null;
      } catch (e) {
        return null;
      }
    },
  };
}

/** The gaps systeminformation could fill: without one, asking it cannot change a fact. */
function hasGap(s: DeviceSources): boolean {
  const keys: (keyof DeviceSources['dmi'])[] = ['sys_vendor', 'product_name', 'product_version', 'product_serial', 'product_uuid'];
  return s.kernelRelease === null || s.osRelease === null || keys.some((k) => !s.dmi[k]);
}

/** Fills gaps in the file sources from systeminformation's answers (real system only). */
function addSystemInformation(s: DeviceSources, facts: SystemFacts): void {
  const { system: sys, os } = facts;
  const fill = (key: keyof DeviceSources['dmi'], value: string | undefined) => {
    if (value && !s.dmi[key]) s.dmi[key] = value;
  };
  if (sys) {
    fill('sys_vendor', sys.manufacturer);
    fill('product_name', sys.model);
    fill('product_version', sys.version);
    fill('product_serial', sys.serial);
    fill('product_uuid', sys.uuid);
  }
  if (os) {
    if (s.kernelRelease === null && os.kernel) s.kernelRelease = os.kernel;
    if (s.osRelease === null && os.distro) s.osRelease = `NAME="${os.distro}"\nVERSION_ID="${os.release}"\n`;
  }
}

export function createNodeDeviceInfoReader(rawConfig: unknown, options: NodeDeviceInfoOptions = {}): DeviceInfoReader {
  const config: DeviceConfig = parseDeviceConfig(rawConfig);
  const files = nodeDeviceFileAccess(config.sysRoot, options.commandTimeoutMs);
  const useSi = options.useSystemInformation !== undefined ? options.useSystemInformation : config.sysRoot === '/';
  return {
    async read(): Promise<DeviceFacts> {
      const sources = await collectDeviceSources(files, config);
      if (useSi && hasGap(sources)) addSystemInformation(sources, await systemFactsForBoot(options.systemFactsFile, await readBootId(files)));
      return buildDeviceFacts(sources, config);
    },
    bootId: () => readBootId(files),
  };
}
