// The files of a test device with A/B slots and a U-Boot environment kept in two redundant env files (the real
// fw_printenv/fw_setenv run on them): fw_env.config naming the copies, a default env, and slot A holding the image
// the device left the factory with. Each test writes the env it starts from and slot B as it needs them.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileEnvConfig } from '../../platform/node/flash/fw-env.js';

export interface FileEnvFiles {
  cfg: string;
  def: string;
  slots: { A: string; B: string };
}

export function fileEnvFiles(dir: string, slotA: Uint8Array): FileEnvFiles {
  const cfg = path.join(dir, 'fw_env.config');
  for (const c of ['env0', 'env1']) writeFileSync(path.join(dir, c), Buffer.alloc(0x4000));
  writeFileEnvConfig(cfg, path.join(dir, 'env0'), path.join(dir, 'env1'));
  const def = path.join(dir, 'default.env');
  writeFileSync(def, 'dm_slot=A\ndm_A_ok=1\ndm_B_ok=0\nbootlimit=3\n');
  const slots = { A: path.join(dir, 'slotA'), B: path.join(dir, 'slotB') };
  writeFileSync(slots.A, slotA);
  return { cfg, def, slots };
}
