// From raw sources to DeviceFacts (docs/protocol.md §4.1 DevInfo, §4.2 DevDetail). Pure, so both runtimes give the same
// answer for the same files. Configuration wins over what the device says; placeholder values that firmware
// vendors leave in DMI ("To be filled by O.E.M.", "Default string") count as absent.

import type { DeviceFacts } from '../ports/runtime.js';
import type { DeviceConfig } from './config.js';
import { parseCpuInfo } from './cpuinfo.js';
import { makeDevId, pickInterface } from './devid.js';
import { parseOsRelease } from './os-release.js';
import type { DeviceSources } from './sources.js';

export const UNKNOWN = 'unknown';

const PLACEHOLDER = /^(to be filled by o\.?e\.?m\.?|default string|system (product name|manufacturer|version|serial number)|not specified|not applicable|none|n\/a|0123456789|0+|x+|123456789|invalid|unknown|-+|\.+)$/i;

/** Trims a raw value (device-tree strings end in NUL) and drops placeholders; undefined when nothing useful is left. */
export function clean(v: string | null | undefined): string | undefined {
  if (v === null || v === undefined) return undefined;
  const t = v.replace(/\u0000+$/g, '').split('\u0000')[0].trim();
  if (t === '' || PLACEHOLDER.test(t)) return undefined;
  return t;
}

function firstLine(v: string | null): string | undefined {
  if (v === null) return undefined;
  return clean(v.split(/\r?\n/).filter((l) => l.trim() !== '')[0]);
}

function first(...values: (string | undefined)[]): string | undefined {
  for (const v of values) if (v !== undefined) return v;
  return undefined;
}

export function buildDeviceFacts(s: DeviceSources, config: DeviceConfig): DeviceFacts {
  const os = s.osRelease !== null ? parseOsRelease(s.osRelease) : {};
  const cpu = s.cpuinfo !== null ? parseCpuInfo(s.cpuinfo) : {};
  const dmi = (k: keyof DeviceSources['dmi']) => clean(s.dmi[k]);
  const compatible = clean(s.deviceTreeCompatible);
  const dtVendor = compatible && compatible.indexOf(',') > 0 ? compatible.substring(0, compatible.indexOf(',')) : undefined;
  const serial = first(dmi('product_serial'), clean(s.deviceTreeSerial), clean(cpu.serial));
  const uuid = dmi('product_uuid');

  const manufacturer = first(config.manufacturer, dmi('sys_vendor'), dmi('board_vendor'), dtVendor) || UNKNOWN;
  const model = first(config.model, dmi('product_name'), clean(s.deviceTreeModel), clean(cpu.model), dmi('board_name'), clean(cpu.hardware)) || UNKNOWN;

  let firmwareVersion: string | undefined;
  const fw = config.firmwareVersion;
  if (!fw) firmwareVersion = first(clean(os.IMAGE_VERSION), clean(os.BUILD_ID), clean(os.VERSION_ID));
  else if ('fixed' in fw) firmwareVersion = clean(fw.fixed);
  else if ('osRelease' in fw) firmwareVersion = clean(os[fw.osRelease]);
  else firmwareVersion = firstLine(s.firmwareVersionRaw);

  const osName = first(clean(os.NAME), clean(os.ID));
  const osVersion = first(clean(os.VERSION_ID), clean(os.VERSION));
  const kernelVersion = firstLine(s.kernelRelease);
  const picked = pickInterface({ netInterfaces: s.netInterfaces }, config.netInterface);

  const facts: DeviceFacts = {
    devId: makeDevId(config, { netInterfaces: s.netInterfaces, serial, uuid }),
    manufacturer,
    model,
    oem: first(config.oem, dmi('board_vendor'), manufacturer === UNKNOWN ? undefined : manufacturer) || UNKNOWN,
    devType: config.devType,
    firmwareVersion: firmwareVersion || UNKNOWN,
    softwareVersion: first(config.softwareVersion, clean(os.PRETTY_NAME), osName && osVersion ? osName + ' ' + osVersion : osName) || UNKNOWN,
    hardwareVersion: first(config.hardwareVersion, dmi('product_version'), dmi('board_version'), clean(cpu.revision)) || UNKNOWN,
    lang: config.lang,
  };
  if (serial !== undefined) facts.serialNumber = serial;
  if (picked) facts.macAddress = picked.mac;
  if (osName !== undefined) facts.osName = osName;
  if (osVersion !== undefined) facts.osVersion = osVersion;
  if (kernelVersion !== undefined) facts.kernelVersion = kernelVersion;
  return facts;
}
