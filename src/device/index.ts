// Device facts shared by the platform readers: configuration, parsing of os-release and cpuinfo, DevId schemes.
import type { DeviceFacts } from '../ports/runtime.js';
import type { DeviceConfig } from './config.js';
import { buildDeviceFacts } from './facts.js';
import { collectDeviceSources, type DeviceFileAccess } from './sources.js';

export { DEVID_SCHEMES, type DevIdScheme, type DeviceConfig, type FirmwareVersionSource, parseDeviceConfig } from './config.js';
export { type CpuInfo, parseCpuInfo } from './cpuinfo.js';
export { luhnValid, makeDevId, normaliseMac, pickInterface } from './devid.js';
export { DeviceConfigError, DeviceFactError } from './errors.js';
export { buildDeviceFacts, clean, UNKNOWN } from './facts.js';
export { parseOsRelease } from './os-release.js';
export { collectDeviceSources, readBootId, DEVICE_PATHS, type DeviceFileAccess, type DeviceSources, DMI_KEYS, underRoot } from './sources.js';

/** What both readers do: read the sources through their file access, then compute the facts. */
export async function readDeviceFacts(files: DeviceFileAccess, config: DeviceConfig): Promise<DeviceFacts> {
  return buildDeviceFacts(await collectDeviceSources(files, config), config);
}
export { cachedFacts, type FactsCache } from './facts-cache.js';
