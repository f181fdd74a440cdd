// The `fumo` section of the configuration: which flash writer, where packages are staged, how to reboot, what an
// image must prove before it is written. Validated here, once, for both runtimes.
//
// ---- README block ------------------------------------------------------------------------------------------------
// ### `fumo` — firmware updates
// ```jsonc
// "fumo": {
//   "uri": "./FUMO",                    // the FUMO <x> node (docs/protocol.md §5.1)
//   "writer": {                         // absent: no FUMO on this device (the server's Exec gets 404)
//     "type": "uboot-ab",               // A/B slots switched through the real fw_setenv
//     "slotA": "/dev/mmcblk0p2", "slotB": "/dev/mmcblk0p3",
//     "envConfig": "/etc/fw_env.config",
//     "bootedSlot": "cmdline"           // "cmdline" (dm.slot=/rauc.slot= in /proc/cmdline), or "A"/"B", or "env"
//   },                                  // or { "type": "file", "path": "/data/fw.img" }
//                                       // or { "type": "command", "installer": "rauc" | "swupdate" | "sysupgrade" }
//                                       // or { "type": "command", "install": [..., "{file}"], "bootedSlot"/"version": [...] }
//                                       // (all writer keys: README.md, Configuration → fumo; src/agent/fumo-writer-config.ts)
//   "stagingDir": "<stateDir>/staging", // where the package is downloaded (resumable)
//   "maxPackageSize": 268435456,        // cap for a package whose size no descriptor announces; default: the target
//                                       // slot's size (uboot-ab), else what the staging file system has free
//   "reboot": ["systemctl", "reboot"],  // command run after activation; [] = reboot later (the next start resumes)
//   "healthCommand": ["/usr/bin/gw-selftest"], // must exit 0 in the new image before it is committed
//   "allowedHosts": ["dl.example.com", "*.cdn.example.com"],  // hosts PkgURL may name; [] = any
//   "allowHttp": true,                  // plain http allowed (the hash/signature protect the image)
//   "requireHash": true,                // refuse an image whose SHA-256 is not known in advance
//   "requireSignature": false, "publicKeys": ["<ed25519 public key, 64 hex>"],
//   "hardware": "gw-100",               // must appear in a signed manifest's hardware list
//   "refuseDowngrade": false,
//   "refuseReinstall": true,            // a package naming the running version is not flashed again ...
//   "reinstallResult": 200,             // ... and this FUMO result code is reported ("already installed" in the log)
//   "reportSource": "exec-target"       // result alert Source: the Exec'd node, or "mo-root" (docs/protocol.md §9 #4)
// }
// ```
// ------------------------------------------------------------------------------------------------------------------
import { ConfigError } from '../config.js';
import { parseWriterConfig, type WriterConfig } from './fumo-writer-config.js';

export type { WriterConfig };

export interface FumoConfig {
  uri: string;
  writer?: WriterConfig;
  stagingDir: string;
  /** Cap in bytes for a package of unknown size; absent: the slot size, else the free staging space. */
  maxPackageSize?: number;
  reboot: string[];
  healthCommand?: string[];
  allowedHosts: string[];
  allowHttp: boolean;
  requireHash: boolean;
  requireSignature: boolean;
  publicKeys: string[];
  hardware?: string;
  refuseDowngrade: boolean;
  /** A package whose version (manifest, else PkgVersion) equals the running firmware is not flashed again. */
  refuseReinstall: boolean;
  /** FUMO result code reported for such a package (default 200: what was asked for is what runs). */
  reinstallResult: number;
  reportSource: 'exec-target' | 'mo-root';
}

type Obj = Record<string, unknown>;

function s(o: Obj, k: string, path: string, dflt?: string): string {
  const v = o[k];
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'string' || v === '') throw new ConfigError(`${path}.${k}`, v === undefined ? 'is required' : 'must be a non-empty string');
  return v;
}

function strList(o: Obj, k: string, path: string, dflt: string[]): string[] {
  const v = o[k];
  if (v === undefined) return dflt;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new ConfigError(`${path}.${k}`, 'must be a list of strings');
  return v as string[];
}

function b(o: Obj, k: string, path: string, dflt: boolean): boolean {
  const v = o[k];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new ConfigError(`${path}.${k}`, 'must be true or false');
  return v;
}

const KEYS = ['uri', 'writer', 'stagingDir', 'maxPackageSize', 'reboot', 'healthCommand', 'allowedHosts', 'allowHttp', 'requireHash', 'requireSignature', 'publicKeys', 'hardware', 'refuseDowngrade', 'refuseReinstall', 'reinstallResult', 'reportSource', '$comment'];

export function parseFumoConfig(o: Obj, stateDir: string): FumoConfig {
  for (const k of Object.keys(o)) if (KEYS.indexOf(k) < 0) throw new ConfigError(`fumo.${k}`, `unknown key (allowed: ${KEYS.join(', ')})`);
  const writer: WriterConfig | undefined = o.writer === undefined ? undefined : parseWriterConfig(o.writer);
  const reportSource = o.reportSource === undefined ? 'exec-target' : o.reportSource;
  if (reportSource !== 'exec-target' && reportSource !== 'mo-root') throw new ConfigError('fumo.reportSource', 'must be exec-target or mo-root');
  const keys = strList(o, 'publicKeys', 'fumo', []);
  for (const k of keys) if (!/^[0-9a-fA-F]{64}$/.test(k)) throw new ConfigError('fumo.publicKeys', `${JSON.stringify(k)} is not a 32-byte ed25519 key in hex`);
  const requireSignature = b(o, 'requireSignature', 'fumo', false);
  if (requireSignature && keys.length === 0) throw new ConfigError('fumo.publicKeys', 'at least one key is required when requireSignature is true');
  const uri = s(o, 'uri', 'fumo', './FUMO');
  if (!/^\.\/[^?#\s]+[^/]$/.test(uri)) throw new ConfigError('fumo.uri', `must be a DM tree URI like ./FUMO, got ${JSON.stringify(uri)}`);
  const max = o.maxPackageSize;
  if (max !== undefined && (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 1))
    throw new ConfigError('fumo.maxPackageSize', `must be a positive integer (bytes), got ${JSON.stringify(max)}`);
  const reinstallResult = o.reinstallResult === undefined ? 200 : o.reinstallResult;
  // 200 (already there), or a FUMO failure code (OMA-TS-DM_FUMO-V1_0 result codes), e.g. 405 Not Acceptable as SWUpdate -R.
  if (typeof reinstallResult !== 'number' || !Number.isInteger(reinstallResult) || !(reinstallResult === 200 || (reinstallResult >= 400 && reinstallResult <= 599)))
    throw new ConfigError('fumo.reinstallResult', `must be a FUMO result code: 200, or 400-599, got ${JSON.stringify(reinstallResult)}`);
  return {
    uri,
    writer,
    maxPackageSize: max as number | undefined,
    stagingDir: s(o, 'stagingDir', 'fumo', stateDir.replace(/\/+$/, '') + '/staging'),
    reboot: strList(o, 'reboot', 'fumo', ['reboot']),
    healthCommand: o.healthCommand === undefined ? undefined : strList(o, 'healthCommand', 'fumo', []),
    allowedHosts: strList(o, 'allowedHosts', 'fumo', []).map((h) => h.toLowerCase()),
    allowHttp: b(o, 'allowHttp', 'fumo', true),
    requireHash: b(o, 'requireHash', 'fumo', true),
    requireSignature,
    publicKeys: keys,
    hardware: o.hardware === undefined ? undefined : s(o, 'hardware', 'fumo'),
    refuseDowngrade: b(o, 'refuseDowngrade', 'fumo', false),
    refuseReinstall: b(o, 'refuseReinstall', 'fumo', true),
    reinstallResult,
    reportSource,
  };
}
