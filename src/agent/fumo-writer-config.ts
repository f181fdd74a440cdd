// `fumo.writer`: which flash writer, validated strictly (a key that is not documented for the chosen type is a
// configuration error naming it, like everywhere else in the config). README.md, Configuration → `fumo`.
import { ConfigError } from '../config.js';
import { DEFAULT_STAGED_NAME, INSTALLERS, type InstallerSpec } from '../update/installers/spec.js';
import type { WriterConfig } from '../update/writers/factory.js';

export type { WriterConfig };

type Obj = Record<string, unknown>;

const KEYS: Record<string, string[]> = {
  file: ['type', 'path'],
  'uboot-ab': ['type', 'slotA', 'slotB', 'envConfig', 'bootedSlot', 'cmdline'],
  command: ['type', 'installer', 'stagedName'],
  custom: ['type', 'install', 'bootedSlot', 'version', 'commit', 'rollback', 'exitCodes', 'needsReboot', 'stagedName'],
};

function s(o: Obj, k: string, dflt?: string): string {
  const v = o[k];
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'string' || v === '') throw new ConfigError(`fumo.writer.${k}`, v === undefined ? 'is required' : 'must be a non-empty string');
  return v;
}

function argv(o: Obj, k: string): string[] | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'string' || x === ''))
    throw new ConfigError(`fumo.writer.${k}`, 'must be a command: a non-empty list of non-empty strings, e.g. ["my-tool", "--flag"]');
  return v as string[];
}

function checkKeys(w: Obj, allowed: string[], what: string): void {
  for (const k of Object.keys(w)) {
    if (k === '$comment' || allowed.indexOf(k) >= 0) continue;
    throw new ConfigError(`fumo.writer.${k}`, `unknown key for ${what} (allowed: ${allowed.join(', ')})`);
  }
}

function stagedName(w: Obj, dflt: string): string {
  const v = s(w, 'stagedName', dflt);
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(v)) throw new ConfigError('fumo.writer.stagedName', `must be a plain file name (letters, digits, . _ + -), got ${JSON.stringify(v)}`);
  return v;
}

function exitCodes(w: Obj): Record<number, number> | undefined {
  const ec = w.exitCodes;
  if (ec === undefined) return undefined;
  if (!ec || typeof ec !== 'object' || Array.isArray(ec)) throw new ConfigError('fumo.writer.exitCodes', 'must be an object {"<exit code>": <FUMO result 400..599>}');
  const out: Record<number, number> = {};
  for (const k of Object.keys(ec)) {
    const v = (ec as Obj)[k];
    if (!/^\d{1,3}$/.test(k) || typeof v !== 'number' || !Number.isInteger(v) || v < 400 || v > 599)
      throw new ConfigError(`fumo.writer.exitCodes.${k}`, 'must map an exit code to a FUMO failure result 400..599');
    out[Number(k)] = v;
  }
  return out;
}

function commandWriter(w: Obj): WriterConfig {
  const installer = w.installer;
  if (installer !== undefined) {
    if (installer !== 'rauc' && installer !== 'swupdate' && installer !== 'sysupgrade')
      throw new ConfigError('fumo.writer.installer', `must be rauc, swupdate or sysupgrade (or leave it out and give "install" for your own), got ${JSON.stringify(installer)}`);
    checkKeys(w, KEYS.command, `installer ${installer}`);
    const spec: InstallerSpec = Object.assign({}, INSTALLERS[installer], { stagedName: stagedName(w, INSTALLERS[installer].stagedName) });
    // RAUC opens a bundle only when its name ends in .raucb.
    if (installer === 'rauc' && !/\.raucb$/.test(spec.stagedName)) throw new ConfigError('fumo.writer.stagedName', `must end in .raucb for rauc, got ${JSON.stringify(spec.stagedName)}`);
    return { type: 'command', installer, spec };
  }
  checkKeys(w, KEYS.custom, 'a custom installer (or name a built-in one with "installer")');
  const install = argv(w, 'install');
  if (!install) throw new ConfigError('fumo.writer.install', 'is required: the install command with {file} for the staged package (or name a built-in "installer")');
  if (install.join(' ').indexOf('{file}') < 0) throw new ConfigError('fumo.writer.install', 'must contain {file} (replaced by the staged package path)');
  const spec: InstallerSpec = { name: 'custom', install, observe: 'facts', stagedName: stagedName(w, DEFAULT_STAGED_NAME) };
  const bootedSlot = argv(w, 'bootedSlot');
  if (bootedSlot) spec.bootedSlot = bootedSlot;
  const version = argv(w, 'version');
  if (version) spec.version = version;
  const commit = argv(w, 'commit');
  if (commit) spec.commit = commit;
  const rollback = argv(w, 'rollback');
  if (rollback) spec.rollback = rollback;
  const codes = exitCodes(w);
  if (codes) spec.exitCodes = codes;
  if (w.needsReboot !== undefined) {
    if (typeof w.needsReboot !== 'boolean') throw new ConfigError('fumo.writer.needsReboot', 'must be true or false');
    spec.needsReboot = w.needsReboot;
  }
  return { type: 'command', installer: 'custom', spec };
}

export function parseWriterConfig(raw: unknown): WriterConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('fumo.writer', 'must be an object');
  const w = raw as Obj;
  const type = w.type;
  if (type === 'file') {
    checkKeys(w, KEYS.file, 'type file');
    return { type, path: s(w, 'path') };
  }
  if (type === 'uboot-ab') {
    checkKeys(w, KEYS['uboot-ab'], 'type uboot-ab');
    const booted = w.bootedSlot === undefined ? 'cmdline' : w.bootedSlot;
    if (booted !== 'cmdline' && booted !== 'env' && booted !== 'A' && booted !== 'B') throw new ConfigError('fumo.writer.bootedSlot', 'must be cmdline, env, A or B');
    return { type, slotA: s(w, 'slotA'), slotB: s(w, 'slotB'), envConfig: s(w, 'envConfig', '/etc/fw_env.config'), bootedSlot: booted, cmdline: s(w, 'cmdline', '/proc/cmdline') };
  }
  if (type === 'command') return commandWriter(w);
  throw new ConfigError('fumo.writer.type', `must be file, uboot-ab or command, got ${JSON.stringify(type)}`);
}

/** File name of the staged package: what the external installer expects, else firmware.pkg. */
export function stagedFileName(w: WriterConfig | undefined): string {
  return w && w.type === 'command' ? w.spec.stagedName : DEFAULT_STAGED_NAME;
}
