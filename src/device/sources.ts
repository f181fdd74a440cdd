// What the platform readers read, in one place, so that the Node and the QuickJS reader look at exactly the same
// files and differ only in how they open them. Paths are relative to the configured sysRoot.

import type { DeviceFileAccess } from '../ports/device.js';
export type { DeviceFileAccess } from '../ports/device.js';
import type { DeviceConfig } from './config.js';


export const DMI_KEYS = [
  'sys_vendor',
  'product_name',
  'product_version',
  'product_serial',
  'product_uuid',
  'board_vendor',
  'board_name',
  'board_version',
] as const;
export type DmiKey = (typeof DMI_KEYS)[number];

export interface NetInterfaceSource {
  name: string;
  address: string;
  /** The /sys/class/net entry links into devices/virtual (bridges, veth, tun ...). */
  virtual: boolean;
}

/** Raw texts the facts are computed from (./facts.ts); nothing interpreted yet. */
export interface DeviceSources {
  osRelease: string | null;
  cpuinfo: string | null;
  kernelRelease: string | null;
  dmi: Partial<Record<DmiKey, string>>;
  deviceTreeModel: string | null;
  deviceTreeSerial: string | null;
  deviceTreeCompatible: string | null;
  netInterfaces: NetInterfaceSource[];
  /** Output of the configured firmware version file or command, when one is configured. */
  firmwareVersionRaw: string | null;
}

export const DEVICE_PATHS = {
  osRelease: 'etc/os-release',
  osReleaseFallback: 'usr/lib/os-release',
  cpuinfo: 'proc/cpuinfo',
  kernelRelease: 'proc/sys/kernel/osrelease',
  dmiDir: 'sys/class/dmi/id',
  deviceTreeModel: 'sys/firmware/devicetree/base/model',
  deviceTreeSerial: 'sys/firmware/devicetree/base/serial-number',
  deviceTreeCompatible: 'sys/firmware/devicetree/base/compatible',
  netDir: 'sys/class/net',
  bootId: 'proc/sys/kernel/random/boot_id',
};

/** The kernel's boot id (a UUID the kernel draws at every boot), or null when absent or empty. */
export async function readBootId(files: DeviceFileAccess): Promise<string | null> {
  const text = await files.readText(DEVICE_PATHS.bootId);
  const id = text === null ? '' : text.trim();
  return id === '' ? null : id;
}

/** Reads every source the configuration may need. */
export async function collectDeviceSources(files: DeviceFileAccess, config: DeviceConfig): Promise<DeviceSources> {
  let osRelease = await files.readText(DEVICE_PATHS.osRelease);
  if (osRelease === null) osRelease = await files.readText(DEVICE_PATHS.osReleaseFallback);
  const dmi: Partial<Record<DmiKey, string>> = {};
  for (const k of DMI_KEYS) {
    const v = await files.readText(DEVICE_PATHS.dmiDir + '/' + k);
    if (v !== null) dmi[k] = v;
  }
  const netInterfaces: NetInterfaceSource[] = [];
  const names = await files.listDir(DEVICE_PATHS.netDir);
  if (names) {
    for (const name of names.slice().sort()) {
      const address = await files.readText(DEVICE_PATHS.netDir + '/' + name + '/address');
      if (address === null) continue;
      const link = await files.readLink(DEVICE_PATHS.netDir + '/' + name);
      netInterfaces.push({ name, address, virtual: link !== null && link.indexOf('/virtual/') >= 0 });
    }
  }
  let firmwareVersionRaw: string | null = null;
  const fw = config.firmwareVersion;
  if (fw && 'file' in fw) firmwareVersionRaw = await files.readText(fw.file.replace(/^\/+/, ''));
  else if (fw && 'command' in fw) firmwareVersionRaw = await files.runCommand(fw.command);
  return {
    osRelease,
    cpuinfo: await files.readText(DEVICE_PATHS.cpuinfo),
    kernelRelease: await files.readText(DEVICE_PATHS.kernelRelease),
    dmi,
    deviceTreeModel: await files.readText(DEVICE_PATHS.deviceTreeModel),
    deviceTreeSerial: await files.readText(DEVICE_PATHS.deviceTreeSerial),
    deviceTreeCompatible: await files.readText(DEVICE_PATHS.deviceTreeCompatible),
    netInterfaces,
    firmwareVersionRaw,
  };
}

/** Joins sysRoot and a relative path without doubling or losing the separator. */
export function underRoot(sysRoot: string, relPath: string): string {
  const root = sysRoot.replace(/\/+$/, '');
  return root + '/' + relPath.replace(/^\/+/, '');
}
