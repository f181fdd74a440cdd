// Device facts shared by the platform readers: configuration, parsing of os-release and cpuinfo, DevId schemes.
import type { DeviceFacts } from '../ports';
import type { DeviceConfig } from './config';
import { buildDeviceFacts } from './facts';
import { collectDeviceSources, type DeviceFileAccess } from './sources';

export { DEVID_SCHEMES, type DevIdScheme, type DeviceConfig, type FirmwareVersionSource, parseDeviceConfig } from './config';
export { type CpuInfo, parseCpuInfo } from './cpuinfo';
export { luhnValid, makeDevId, normaliseMac, pickInterface } from './devid';
export { DeviceConfigError, DeviceFactError } from './errors';
export { buildDeviceFacts, clean, UNKNOWN } from './facts';
export { parseOsRelease } from './os-release';
export { collectDeviceSources, readBootId, DEVICE_PATHS, type DeviceFileAccess, type DeviceSources, DMI_KEYS, underRoot } from './sources';

/** What both readers do: read the sources through their file access, then compute the facts. */
export async function readDeviceFacts(files: DeviceFileAccess, config: DeviceConfig): Promise<DeviceFacts> {
  return buildDeviceFacts(await collectDeviceSources(files, config), config);
}
export { cachedFacts, type FactsCache } from './facts-cache';
