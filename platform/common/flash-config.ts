// Which flash writer to use, as it appears in the agent's config file (one shape for Node and QuickJS), with a
// validator that names the wrong field.
//
//   { "kind": "uboot-ab", "slots": { "A": "/dev/mmcblk0p2", "B": "/dev/mmcblk0p3" },
//     "fwEnvConfig": "/etc/fw_env.config", "defaultEnv": "/etc/u-boot-initial-env", "bootlimit": 3 }
//   { "kind": "file", "target": "/var/lib/firmware/current.bin" }
//   { "kind": "command", "installer": "rauc" }            (or "swupdate", "sysupgrade")
//   { "kind": "command", "install": ["my-flasher", "{file}"], "exitCodes": { "3": 403 }, "needsReboot": true }

import { CommandWriterOptions, INSTALLERS } from './installers';

export type FlashConfig =
  | { kind: 'uboot-ab'; slots: { A: string; B: string }; fwEnvConfig: string; defaultEnv?: string; cmdlineFile?: string; bootlimit?: number }
  | { kind: 'file'; target: string }
  | { kind: 'command'; command: CommandWriterOptions };

export class FlashConfigError extends Error {
  constructor(message: string) {
    super(`flash config: ${message}`);
    this.name = 'FlashConfigError';
  }
}

function str(o: Record<string, unknown>, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw new FlashConfigError(`${where}.${key} must be a non-empty string`);
  return v;
}

function strList(v: unknown, where: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string'))
    throw new FlashConfigError(`${where} must be a non-empty list of strings`);
  return v as string[];
}

export function parseFlashConfig(raw: unknown): FlashConfig {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new FlashConfigError('must be an object');
  const o = raw as Record<string, unknown>;
  switch (o.kind) {
    case 'uboot-ab': {
      const slots = o.slots as Record<string, unknown> | undefined;
      if (!slots || typeof slots !== 'object') throw new FlashConfigError('slots must be an object {A, B}');
      const c: FlashConfig = { kind: 'uboot-ab', slots: { A: str(slots, 'A', 'slots'), B: str(slots, 'B', 'slots') }, fwEnvConfig: str(o, 'fwEnvConfig', 'flash') };
      if (c.slots.A === c.slots.B) throw new FlashConfigError('slots.A and slots.B must differ');
      if (o.defaultEnv !== undefined) c.defaultEnv = str(o, 'defaultEnv', 'flash');
      if (o.cmdlineFile !== undefined) c.cmdlineFile = str(o, 'cmdlineFile', 'flash');
      if (o.bootlimit !== undefined) {
        if (typeof o.bootlimit !== 'number' || !(o.bootlimit >= 1 && o.bootlimit <= 100) || Math.floor(o.bootlimit) !== o.bootlimit)
          throw new FlashConfigError('bootlimit must be an integer 1..100');
        c.bootlimit = o.bootlimit;
      }
      return c;
    }
    case 'file':
      return { kind: 'file', target: str(o, 'target', 'flash') };
    case 'command': {
      if (o.installer !== undefined) {
        if (o.installer !== 'rauc' && o.installer !== 'swupdate' && o.installer !== 'sysupgrade')
          throw new FlashConfigError(`installer ${JSON.stringify(o.installer)} is not one of rauc, swupdate, sysupgrade`);
        return { kind: 'command', command: INSTALLERS[o.installer] };
      }
      const command: CommandWriterOptions = { install: strList(o.install, 'flash.install') };
      if (command.install.join(' ').indexOf('{file}') < 0) throw new FlashConfigError('flash.install must contain {file}');
      if (o.commit !== undefined) command.commit = strList(o.commit, 'flash.commit');
      if (o.rollback !== undefined) command.rollback = strList(o.rollback, 'flash.rollback');
      if (o.needsReboot !== undefined) {
        if (typeof o.needsReboot !== 'boolean') throw new FlashConfigError('needsReboot must be true or false');
        command.needsReboot = o.needsReboot;
      }
      if (o.exitCodes !== undefined) {
        const ec = o.exitCodes as Record<string, unknown>;
        if (!ec || typeof ec !== 'object') throw new FlashConfigError('exitCodes must be an object');
        command.exitCodes = {};
        for (const k of Object.keys(ec)) {
          const v = ec[k];
          if (!/^\d+$/.test(k) || typeof v !== 'number' || !(v >= 400 && v <= 599))
            throw new FlashConfigError(`exitCodes.${k} must map an exit code to a FUMO failure code 400..599`);
          command.exitCodes[Number(k)] = v;
        }
      }
      return { kind: 'command', command };
    }
    default:
      throw new FlashConfigError(`kind ${JSON.stringify(o.kind)} is not one of uboot-ab, file, command`);
  }
}
