// Node reader for the DeviceInfoReader port. It reads the same files as the QuickJS reader (src/device/sources.ts)
// under the configured sysRoot, so both runtimes report the same facts for the same files. On the real system
// (sysRoot `/`) systeminformation fills what the files could not give (DMI serial/uuid need root to read, but
// systeminformation may get them through dmidecode or other means); a fake sysRoot never consults it.

import { nodeRunCommand } from './run-command.js';
import { promises as fs } from 'node:fs';
import type { DeviceFacts, DeviceInfoReader } from '../../src/ports/runtime.js';
import { buildDeviceFacts, collectDeviceSources, type DeviceConfig, type DeviceFileAccess, type DeviceSources, parseDeviceConfig, readBootId, underRoot } from '../../src/device/index.js';

export interface NodeDeviceInfoOptions {
  /** Consult systeminformation for missing facts (default: only when sysRoot is `/`). */
  useSystemInformation?: boolean;
  /** Milliseconds a firmware-version command may take (default 5000). */
  commandTimeoutMs?: number;
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

/** Fills gaps in the file sources from systeminformation (real system only). */
async function addSystemInformation(s: DeviceSources): Promise<void> {
  const si = await import('systeminformation');
  const [sys, os] = await Promise.all([si.system().catch(() => null), si.osInfo().catch(() => null)]);
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
      if (useSi) await addSystemInformation(sources);
      return buildDeviceFacts(sources, config);
    },
    bootId: () => readBootId(files),
  };
}
