// The sample U-Boot environment for the A/B scheme (scripts/image-lib/u-boot-ab.env, README.md "Booting A/B with
// U-Boot"): it names exactly the variables the uboot-ab writer reads and writes, loads through the real fw_setenv -s,
// and its bootcmd/altbootcmd make the same boot decision as the U-Boot simulator the agent's FUMO tests boot with
// (platform/node/flash/uboot-sim.ts), for every state the variables can be in. The boot logic runs in sh: U-Boot's
// hush takes the same `if test ...; then ...; fi`, `&&` and `${name}` forms, and setenv/run/saveenv/load/booti are
// small sh functions here; U-Boot's own part (CONFIG_BOOTCOUNT_ENV: bootcount++ while upgrade_available=1, altbootcmd
// past bootlimit) is played by the harness.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulateBoot } from '../platform/node/flash/uboot-sim.js';
import { repoRoot } from './support/qjs.js';

const FILE = path.join(repoRoot, 'scripts/image-lib/u-boot-ab.env');
const WRITER = path.join(repoRoot, 'src/update/writers/uboot-ab.ts');
// U-Boot's own variables the script uses besides the agent's and its ab_* helpers.
const UBOOT_OWN = ['bootcmd', 'altbootcmd', 'bootargs', 'kernel_addr_r', 'fdt_addr_r'];

function parseEnvFile(text: string): Array<[string, string]> {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]);
}

/** Every variable the writer reads or writes: `dm_slot`, `dm_${slot}_ok` for A and B, and U-Boot's trial counters. */
function writerVariables(): string[] {
  const src = readFileSync(WRITER, 'utf8').replace(/^\s*\/\/.*$/gm, ''); // code, not comments
  const names = new Set<string>();
  for (const m of src.matchAll(/\b(dm_[A-Za-z]+|upgrade_available|bootcount|bootlimit)\b/g)) names.add(m[1]);
  if (/`dm_\$\{[^}]+\}_ok`/.test(src)) for (const s of ['A', 'B']) names.add(`dm_${s}_ok`);
  return [...names].sort();
}

/** Every variable the script sets, reads (${name}) or assigns (setenv name). */
function scriptVariables(entries: Array<[string, string]>): string[] {
  const names = new Set<string>();
  for (const [name, value] of entries) {
    names.add(name);
    for (const m of value.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)) names.add(m[1]);
    for (const m of value.matchAll(/\bsetenv ([A-Za-z0-9_]+)/g)) names.add(m[1]);
  }
  return [...names].filter((n) => !n.startsWith('ab_') && UBOOT_OWN.indexOf(n) < 0).sort();
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** One boot with the script's logic in sh; returns the booted slot (or null) and the env afterwards. */
function bootWithScript(entries: Array<[string, string]>, state: Record<string, string>): { slot: string | null; env: Record<string, string> } {
  const env: Record<string, string> = Object.fromEntries(entries);
  Object.assign(env, state);
  const keys = ['dm_slot', 'dm_A_ok', 'dm_B_ok', 'upgrade_available', 'bootcount', 'bootlimit'];
  const program = [
    ...Object.entries(env).map(([k, v]) => `${k}=${q(v)}`),
    'setenv() { n=$1; shift; eval "$n=\\"\\$*\\""; }',
    'saveenv() { :; }',
    'load() { :; }',
    'run() { for v in "$@"; do eval "c=\\${$v}"; eval "$c"; done; }',
    `dump() { printf '%s\\n' ${keys.map((k) => `"${k}=\${${k}}"`).join(' ')}; }`,
    'booti() { case "$bootargs" in *dm.slot=A*) echo BOOTED=A ;; *dm.slot=B*) echo BOOTED=B ;; esac; dump; exit 0; }',
    // U-Boot with CONFIG_BOOTCOUNT_LIMIT/CONFIG_BOOTCOUNT_ENV, before bootcmd:
    'if [ "$upgrade_available" = 1 ]; then bootcount=$((bootcount + 1)); fi',
    'if [ "$upgrade_available" = 1 ] && [ "$bootcount" -gt "$bootlimit" ]; then run altbootcmd; else run bootcmd; fi',
    'echo BOOTED=none; dump',
  ].join('\n');
  const r = spawnSync('sh', ['-c', program]);
  expect(r.stderr.toString()).toBe('');
  const out: Record<string, string> = {};
  for (const l of r.stdout.toString().split('\n')) if (l.includes('=') && !l.startsWith('dm-agent')) out[l.slice(0, l.indexOf('='))] = l.slice(l.indexOf('=') + 1);
  const slot = out.BOOTED === 'A' || out.BOOTED === 'B' ? out.BOOTED : null;
  delete out.BOOTED;
  return { slot, env: out };
}

describe('U-Boot A/B sample environment (scripts/image-lib/u-boot-ab.env)', () => {
  const entries = parseEnvFile(readFileSync(FILE, 'utf8'));

  it('names exactly the variables the uboot-ab writer uses, with the defaults the writer expects', () => {
    expect(scriptVariables(entries)).toEqual(writerVariables());
    expect(writerVariables()).toEqual(['bootcount', 'bootlimit', 'dm_A_ok', 'dm_B_ok', 'dm_slot', 'upgrade_available']);
    const env = Object.fromEntries(entries);
    expect(env).toMatchObject({ dm_slot: 'A', dm_A_ok: '1', dm_B_ok: '1', upgrade_available: '0', bootcount: '0', bootlimit: '3' });
    // Each slot tells the agent what booted, the way fumo.writer.bootedSlot "cmdline" reads it.
    expect(env.ab_boot_A).toContain('dm.slot=A');
    expect(env.ab_boot_B).toContain('dm.slot=B');
  });

  const fwTools = spawnSync('sh', ['-c', 'command -v fw_setenv && command -v fw_printenv']).status === 0;
  it.skipIf(!fwTools)(`loads through fw_setenv -s unchanged${fwTools ? '' : ' (skipped: fw_setenv not installed)'}`, () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'uboot-ab-'));
    try {
      for (const f of ['env1', 'env2']) writeFileSync(path.join(dir, f), Buffer.alloc(0x4000, 0xff));
      writeFileSync(path.join(dir, 'fw_env.config'), `${path.join(dir, 'env1')} 0x0 0x4000\n${path.join(dir, 'env2')} 0x0 0x4000\n`);
      writeFileSync(path.join(dir, 'default.env'), 'baudrate=115200\n');
      const args = ['-c', path.join(dir, 'fw_env.config'), '-f', path.join(dir, 'default.env')];
      const set = spawnSync('fw_setenv', [...args, '-s', FILE]);
      expect(set.status, set.stderr.toString()).toBe(0);
      const printed = spawnSync('fw_printenv', args).stdout.toString();
      for (const [k, v] of entries) expect(printed.split('\n')).toContain(`${k}=${v}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bootcmd and altbootcmd decide as the U-Boot simulator for every state of the variables', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'uboot-ab-'));
    try {
      let cases = 0;
      for (const dm_slot of ['A', 'B'])
        for (const dm_A_ok of ['0', '1'])
          for (const dm_B_ok of ['0', '1'])
            for (const upgrade_available of ['0', '1'])
              for (const bootcount of ['0', '2', '3']) {
                const state = { dm_slot, dm_A_ok, dm_B_ok, upgrade_available, bootcount, bootlimit: '3' };
                const simEnv: Record<string, string> = { ...state };
                const env = {
                  read: async () => ({ ...simEnv }),
                  write: async (vars: Record<string, string | null>) => {
                    for (const [k, v] of Object.entries(vars)) if (v === null) delete simEnv[k]; else simEnv[k] = v;
                  },
                };
                const sim = await simulateBoot(env, path.join(dir, 'cmdline'));
                const script = bootWithScript(entries, state);
                const what = JSON.stringify(state);
                expect(script.slot, what).toBe(sim.slot);
                expect(script.env, what).toEqual(simEnv);
                cases++;
              }
      expect(cases).toBe(48);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
