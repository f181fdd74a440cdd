// The `scomo` section of the configuration: where the inventory comes from, which installer and service manager
// act on it, how result alerts look. Validated here, once, for both runtimes.
//
// ---- README block ------------------------------------------------------------------------------------------------
// ### `scomo` — software components (SCOMO 1.1)
// ```jsonc
// "scomo": {
//   "enabled": true,                      // false or no section: no ./SCOMO on this device
//   "uri": "./SCOMO",                     // where the MO is mounted (docs/protocol.md §6.1)
//   "acl": "Get=*&Add=*&Replace=*&Delete=*&Exec=*",   // ACL of the SCOMO root (inherited below)
//   "inventory": {
//     "dpkg": "/var/lib/dpkg/status",     // a path, true (default path) or false; default: true
//     "opkg": "/usr/lib/opkg/status",     // same; default: true (a missing file simply lists nothing)
//     "manifests": "/etc/dm-agent/components"   // folder of component manifests (*.json), optional
//   },
//   "installer": {                        // absent: Install/Remove answer 1411 Not Implemented
//     "type": "dpkg",                     // "dpkg" | "opkg" | "script"
//     "root": "/",                        // dpkg --root / opkg --offline-root (image builders, tests)
//     "purge": false,                     // dpkg: --purge instead of --remove
//     "script": "/usr/libexec/gw-component", // script type: called with install|remove|activate|deactivate
//     "exitCodes": { "10": 1460 }         // script type: extra exit code → result code (docs/protocol.md §6.3)
//   },
//   "service": {                          // absent: Activate/Deactivate answer 1411 (unless the installer is a script)
//     "type": "systemd",                  // "systemd" | "initd"
//     "enable": true,                     // also enable/disable at boot
//     "services": { "sensor-daemon": "sensord.service" }  // component ID → service (manifests may name their own)
//   },
//   "stagingDir": "<stateDir>/scomo-staging", // where packages are downloaded (resumable)
//   "maxPackageSize": 67108864,           // cap in bytes for one package; default: what the staging file system has free
//   "allowedHosts": [], "allowHttp": true, // PkgURL allow-list, as for FUMO
//   "envTypes": [],                       // accepted Download/<x>/EnvType values; [] = any
//   "alert": { "format": "xml", "markSuccess": "informational", "markFailure": "warning" }   // docs/protocol.md §9 #2
// }
// ```
// ------------------------------------------------------------------------------------------------------------------
import { ConfigError } from '../config.js';
import { isValidResultCode } from './codes.js';
import { DPKG_STATUS_PATH } from '../inventory/dpkg-status.js';
import { OPKG_STATUS_PATH } from '../inventory/opkg-status.js';

type Obj = Record<string, unknown>;

export type InstallerConfig =
  | { type: 'dpkg'; root?: string; purge: boolean }
  | { type: 'opkg'; root?: string }
  | { type: 'script'; script: string; exitCodes: Record<number, number> };

export interface ScomoConfigSection {
  enabled: boolean;
  uri: string;
  acl?: string;
  inventory: { dpkg?: string; opkg?: string; manifests?: string };
  installer?: InstallerConfig;
  service?: { type: 'systemd' | 'initd'; enable: boolean; services: Record<string, string> };
  stagingDir: string;
  /** Cap in bytes for one delivery package; absent: the free staging space. */
  maxPackageSize?: number;
  allowedHosts: string[];
  allowHttp: boolean;
  envTypes: string[];
  alert: { format: string; markSuccess: string; markFailure: string };
}

const MARKS = ['fatal', 'critical', 'minor', 'warning', 'informational', 'harmless', 'indeterminate'];

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function keys(o: Obj, allowed: string[], path: string): void {
  for (const k of Object.keys(o)) if (allowed.indexOf(k) < 0 && k !== '$comment') throw new ConfigError(`${path}.${k}`, `unknown key (allowed: ${allowed.join(', ')})`);
}
function obj(o: Obj, k: string, path: string): Obj | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (!isObj(v)) throw new ConfigError(`${path}.${k}`, 'must be an object');
  return v;
}
function str(o: Obj, k: string, path: string, dflt?: string): string {
  const v = o[k];
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'string' || v === '') throw new ConfigError(`${path}.${k}`, v === undefined ? 'is required' : 'must be a non-empty string');
  return v;
}
function optStr(o: Obj, k: string, path: string): string | undefined {
  return o[k] === undefined ? undefined : str(o, k, path);
}
function bool(o: Obj, k: string, path: string, dflt: boolean): boolean {
  const v = o[k];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new ConfigError(`${path}.${k}`, 'must be true or false');
  return v;
}
function strList(o: Obj, k: string, path: string): string[] {
  const v = o[k];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new ConfigError(`${path}.${k}`, 'must be a list of strings');
  return v as string[];
}
/** A status-file source: a path, true (the default path) or false (off). */
function statusPath(o: Obj, k: string, path: string, dflt: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === true) return dflt;
  if (v === false) return undefined;
  return str(o, k, path);
}

export function parseScomoConfig(section: Obj, stateDir: string): ScomoConfigSection {
  const p = 'scomo';
  keys(section, ['enabled', 'uri', 'acl', 'inventory', 'installer', 'service', 'stagingDir', 'maxPackageSize', 'allowedHosts', 'allowHttp', 'envTypes', 'alert'], p);
  const inv = obj(section, 'inventory', p) || {};
  keys(inv, ['dpkg', 'opkg', 'manifests'], `${p}.inventory`);
  const uri = str(section, 'uri', p, './SCOMO');
  if (!/^\.\/[^/]+(\/[^/]+)*$/.test(uri)) throw new ConfigError(`${p}.uri`, `must be an absolute tree URI like ./SCOMO, got ${JSON.stringify(uri)}`);
  const out: ScomoConfigSection = {
    enabled: bool(section, 'enabled', p, Object.keys(section).length > 0),
    uri,
    inventory: {},
    // Not `<stateDir>/scomo`: that is the name of the SCOMO state document in the same directory.
    stagingDir: str(section, 'stagingDir', p, `${stateDir.replace(/\/+$/, '')}/scomo-staging`),
    allowedHosts: strList(section, 'allowedHosts', p),
    allowHttp: bool(section, 'allowHttp', p, true),
    envTypes: strList(section, 'envTypes', p),
    alert: { format: 'xml', markSuccess: 'informational', markFailure: 'warning' },
  };
  const max = section.maxPackageSize;
  if (max !== undefined) {
    if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 1)
      throw new ConfigError(`${p}.maxPackageSize`, `must be a positive integer (bytes), got ${JSON.stringify(max)}`);
    out.maxPackageSize = max;
  }
  const acl = optStr(section, 'acl', p);
  if (acl !== undefined) out.acl = acl;
  const dpkg = statusPath(inv, 'dpkg', `${p}.inventory`, DPKG_STATUS_PATH);
  if (dpkg) out.inventory.dpkg = dpkg;
  const opkg = statusPath(inv, 'opkg', `${p}.inventory`, OPKG_STATUS_PATH);
  if (opkg) out.inventory.opkg = opkg;
  const manifests = optStr(inv, 'manifests', `${p}.inventory`);
  if (manifests) out.inventory.manifests = manifests;

  const ins = obj(section, 'installer', p);
  if (ins) {
    const ip = `${p}.installer`;
    const type = str(ins, 'type', ip);
    if (type === 'dpkg') {
      keys(ins, ['type', 'root', 'purge'], ip);
      out.installer = { type, purge: bool(ins, 'purge', ip, false) };
      const root = optStr(ins, 'root', ip);
      if (root && root !== '/') out.installer.root = root;
    } else if (type === 'opkg') {
      keys(ins, ['type', 'root'], ip);
      out.installer = { type };
      const root = optStr(ins, 'root', ip);
      if (root && root !== '/') out.installer.root = root;
    } else if (type === 'script') {
      keys(ins, ['type', 'script', 'exitCodes'], ip);
      const exitCodes: Record<number, number> = {};
      const ec = obj(ins, 'exitCodes', ip) || {};
      for (const k of Object.keys(ec)) {
        const code = ec[k];
        if (!/^\d{1,3}$/.test(k) || Number(k) > 255) throw new ConfigError(`${ip}.exitCodes.${k}`, 'keys must be exit codes 1..255');
        if (typeof code !== 'number' || !isValidResultCode(code)) throw new ConfigError(`${ip}.exitCodes.${k}`, `must be a SCOMO result code (docs/protocol.md §6.3), got ${JSON.stringify(code)}`);
        exitCodes[Number(k)] = code;
      }
      out.installer = { type, script: str(ins, 'script', ip), exitCodes };
    } else throw new ConfigError(`${ip}.type`, `must be dpkg, opkg or script, got ${JSON.stringify(type)}`);
  }

  const svc = obj(section, 'service', p);
  if (svc) {
    const sp = `${p}.service`;
    keys(svc, ['type', 'enable', 'services'], sp);
    const type = str(svc, 'type', sp);
    if (type !== 'systemd' && type !== 'initd') throw new ConfigError(`${sp}.type`, `must be systemd or initd, got ${JSON.stringify(type)}`);
    const services: Record<string, string> = {};
    const map = obj(svc, 'services', sp) || {};
    for (const k of Object.keys(map)) services[k] = str(map, k, `${sp}.services`);
    out.service = { type, enable: bool(svc, 'enable', sp, true), services };
  }

  const alert = obj(section, 'alert', p);
  if (alert) {
    const ap = `${p}.alert`;
    keys(alert, ['format', 'markSuccess', 'markFailure'], ap);
    out.alert.format = str(alert, 'format', ap, 'xml');
    for (const k of ['markSuccess', 'markFailure'] as const) {
      out.alert[k] = str(alert, k, ap, out.alert[k]);
      if (MARKS.indexOf(out.alert[k]) < 0) throw new ConfigError(`${ap}.${k}`, `must be one of ${MARKS.join(', ')} (docs/protocol.md §1.11)`);
    }
  }
  return out;
}
