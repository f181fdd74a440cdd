// The `device` section of the agent configuration: where DevInfo/DevDetail facts come from (docs/protocol.md §4.1, §4.2).
//
// ---- README block (paste as is) -------------------------------------------------------------------------------
// ### `device` — what DevInfo and DevDetail report
//
// ```jsonc
// "device": {
//   "devIdScheme": "mac",          // how ./DevInfo/DevId is made (docs/protocol.md §4.1, URN style):
//                                  //   "mac"    MAC:<12 hex> of netInterface, or of the first physical
//                                  //            non-loopback interface in /sys/class/net (default)
//                                  //   "imei"   IMEI:<15 digits> from devId (Luhn-checked; a modem gateway)
//                                  //   "serial" SN:<serial> from DMI product_serial, device-tree serial-number
//                                  //            or the cpuinfo Serial (Raspberry Pi), first found
//                                  //   "uuid"   UUID:<uuid> from DMI product_uuid
//                                  //   "fixed"  devId exactly as written
//   "devId": "…",                  // the IMEI for "imei", the whole DevId for "fixed"; ignored otherwise
//   "netInterface": "eth0",        // optional: pin the interface "mac" uses
//   "manufacturer": "Acme",        // DevInfo/Man; default DMI sys_vendor, else device-tree compatible vendor
//   "model": "GW-100",             // DevInfo/Mod; default DMI product_name, device-tree model, cpuinfo Model
//   "oem": "Acme",                 // DevDetail/OEM; default DMI board_vendor, else the manufacturer
//   "devType": "gateway",          // DevDetail/DevTyp (default "gateway")
//   "lang": "en-US",               // DevInfo/Lang (default "en-US")
//   "hardwareVersion": "rev B",    // DevDetail/HwV; default DMI product_version/board_version, cpuinfo Revision
//   "softwareVersion": "…",        // DevDetail/SwV; default os-release PRETTY_NAME
//   "firmwareVersion": { "file": "/etc/version" },   // DevDetail/FwV, one of:
//                                  //   { "file": "/etc/version" }      first line of a file (under sysRoot)
//                                  //   { "osRelease": "VERSION_ID" }   an os-release key
//                                  //   { "command": "fw_printenv -n version" }  first line of a command's output
//                                  //   "2.4.1"                         a fixed string
//                                  // default: os-release IMAGE_VERSION, else BUILD_ID, else VERSION_ID
//   "sysRoot": "/"                 // root the /etc, /proc and /sys files are read under (tests, chroots)
// }
// ```
// -----------------------------------------------------------------------------------------------------------------

import { DeviceConfigError } from './errors.js';

export const DEVID_SCHEMES = ['mac', 'imei', 'serial', 'uuid', 'fixed'] as const;
export type DevIdScheme = (typeof DEVID_SCHEMES)[number];

export type FirmwareVersionSource = { file: string } | { osRelease: string } | { command: string } | { fixed: string };

export interface DeviceConfig {
  devIdScheme: DevIdScheme;
  devId?: string;
  netInterface?: string;
  manufacturer?: string;
  model?: string;
  oem?: string;
  devType: string;
  lang: string;
  hardwareVersion?: string;
  softwareVersion?: string;
  firmwareVersion?: FirmwareVersionSource;
  sysRoot: string;
}

const KNOWN_KEYS = [
  'devIdScheme',
  'devId',
  'netInterface',
  'manufacturer',
  'model',
  'oem',
  'devType',
  'lang',
  'hardwareVersion',
  'softwareVersion',
  'firmwareVersion',
  'sysRoot',
];

function str(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new DeviceConfigError(`device.${key} must be a string, got ${typeof v}`);
  return v;
}

/** Validates the raw `device` section (undefined = all defaults); throws DeviceConfigError naming the key. */
export function parseDeviceConfig(raw: unknown): DeviceConfig {
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new DeviceConfigError('device must be an object');
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (KNOWN_KEYS.indexOf(k) < 0) throw new DeviceConfigError(`device.${k} is not a known key (known: ${KNOWN_KEYS.join(', ')})`);
  }
  const scheme = str(o, 'devIdScheme') || 'mac';
  let known = false;
  for (const s of DEVID_SCHEMES) if (s === scheme) known = true;
  if (!known) throw new DeviceConfigError(`device.devIdScheme ${JSON.stringify(scheme)} is not one of ${DEVID_SCHEMES.join(', ')}`);
  const cfg: DeviceConfig = {
    devIdScheme: scheme as DevIdScheme,
    devType: str(o, 'devType') || 'gateway',
    lang: str(o, 'lang') || 'en-US',
    sysRoot: str(o, 'sysRoot') || '/',
  };
  const optional = ['devId', 'netInterface', 'manufacturer', 'model', 'oem', 'hardwareVersion', 'softwareVersion'] as const;
  for (const k of optional) {
    const v = str(o, k);
    if (v !== undefined) cfg[k] = v;
  }
  if ((cfg.devIdScheme === 'imei' || cfg.devIdScheme === 'fixed') && !cfg.devId) {
    throw new DeviceConfigError(`device.devIdScheme ${cfg.devIdScheme} needs device.devId`);
  }
  if (cfg.sysRoot[0] !== '/') throw new DeviceConfigError(`device.sysRoot must be an absolute path, got ${JSON.stringify(cfg.sysRoot)}`);
  const fw = o.firmwareVersion;
  if (fw !== undefined && fw !== null) {
    if (typeof fw === 'string') cfg.firmwareVersion = { fixed: fw };
    else if (typeof fw === 'object' && !Array.isArray(fw)) {
      const f = fw as Record<string, unknown>;
      const keys = Object.keys(f);
      if (keys.length !== 1 || (keys[0] !== 'file' && keys[0] !== 'osRelease' && keys[0] !== 'command') || typeof f[keys[0]] !== 'string' || f[keys[0]] === '') {
        throw new DeviceConfigError('device.firmwareVersion must be one of {file: path}, {osRelease: KEY}, {command: text} or a string');
      }
      if (keys[0] === 'file') {
        const file = f.file as string;
        if (file[0] !== '/') throw new DeviceConfigError(`device.firmwareVersion.file must be an absolute path, got ${JSON.stringify(file)}`);
        cfg.firmwareVersion = { file };
      } else if (keys[0] === 'osRelease') cfg.firmwareVersion = { osRelease: f.osRelease as string };
      else cfg.firmwareVersion = { command: f.command as string };
    } else throw new DeviceConfigError('device.firmwareVersion must be an object or a string');
  }
  return cfg;
}
