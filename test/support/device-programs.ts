// The programs a device runs for the flash writers in the page-cache power-cut tests, as one CommandRunner: the REAL
// fw_printenv/fw_setenv on env copies outside the model (each fw_setenv is one cut point `exec:fw_setenv` and counts
// as durable once it returns, as libubootenv syncs its copy), and a modelled RAUC (`rauc install` / `rauc status` /
// mark-good / mark-bad) whose slots live in memory and whose own writes are durable when it exits (RAUC syncs the slot
// and its status file before it returns; each mutating call is a cut point `exec:rauc-…`). `rauc install` reads the
// staged bundle through the page cache (`peek`), as a real installer would. The Node run passes this runner as its
// port; the QuickJS run reaches it through files.ts exec (test/support/qjs-os-model.ts modelExec).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { PageCache } from './page-cache.js';
import type { CommandResult, CommandRunner } from '../../src/ports/commands.js';
import { nodeRunCommand } from '../../platform/node/run-command.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The real program, through the production runner (platform/node/run-command.ts). */
function realRun(argv: string[], stdin?: string): Promise<CommandResult> {
  return nodeRunCommand(argv, stdin === undefined ? {} : { stdin });
}

export type RaucSlot = 'A' | 'B';

/** What RAUC and the bootloader know: the image (hash) in each slot, which is primary, good, booted. */
export interface RaucDevice {
  image: Record<RaucSlot, string>;
  version: Record<RaucSlot, string | undefined>;
  good: Record<RaucSlot, boolean>;
  primary: RaucSlot;
  booted: RaucSlot;
}

const NAME: Record<RaucSlot, string> = { A: 'rootfs.0', B: 'rootfs.1' };
const other = (s: RaucSlot): RaucSlot => (s === 'A' ? 'B' : 'A');

/** The bootloader (RAUC's bootchooser): the primary slot if it is good, else the other one if that is good. */
export function raucBoot(d: RaucDevice): RaucSlot | null {
  const pick = d.good[d.primary] ? d.primary : d.good[other(d.primary)] ? other(d.primary) : null;
  if (pick) d.booted = pick;
  return pick;
}

export function raucStatusJson(d: RaucDevice): string {
  const slot = (s: RaucSlot) => ({
    [NAME[s]]: { class: 'rootfs', bootname: s, state: d.booted === s ? 'booted' : 'inactive', parent: null, boot_status: d.good[s] ? 'good' : 'bad', slot_status: { bundle: { version: d.version[s] } } },
  });
  return JSON.stringify({ compatible: 'gw-100', booted: d.booted, boot_primary: NAME[d.primary], slots: [slot('A'), slot('B')] });
}

export function devicePrograms(pc: () => PageCache, rauc: () => RaucDevice | null, versions: Map<string, string>): CommandRunner {
  const ok = (stdout = ''): CommandResult => ({ code: 0, stdout, stderr: '', timedOut: false });
  return async (argv, options = {}) => {
    const stdin = options.stdin;
    const name = argv[0];
    if (name === 'fw_printenv') return realRun(argv, stdin);
    if (name === 'fw_setenv') {
      pc().step('exec:fw_setenv');
      return realRun(argv, stdin);
    }
    const d = rauc();
    if (name === 'rauc' && d) {
      if (argv[1] === 'install' && argv.length === 3) {
        pc().step('exec:rauc-install');
        const bundle = pc().peek(argv[2]);
        if (!bundle || !versions.has(sha(bundle))) return { code: 1, stdout: '', stderr: `rauc: ${argv[2]}: not a valid bundle`, timedOut: false };
        // RAUC writes the slot it did not boot from, marks it good and primary (bootchooser), and syncs before exit.
        const t = other(d.booted);
        d.image[t] = sha(bundle);
        d.version[t] = versions.get(sha(bundle));
        d.good[t] = true;
        d.primary = t;
        return ok();
      }
      if (argv[1] === 'status' && argv[2] === 'mark-good' && argv[3] === 'booted') {
        pc().step('exec:rauc-mark-good');
        d.good[d.booted] = true;
        d.primary = d.booted;
        return ok();
      }
      if (argv[1] === 'status' && argv[2] === 'mark-bad' && argv.length === 4) {
        pc().step('exec:rauc-mark-bad');
        const s = argv[3] === NAME.A ? 'A' : argv[3] === NAME.B ? 'B' : null;
        if (!s) return { code: 1, stdout: '', stderr: `rauc: no slot ${argv[3]}`, timedOut: false };
        d.good[s] = false;
        if (d.primary === s) d.primary = other(s);
        return ok();
      }
      if (argv[1] === 'status' && argv.indexOf('--output-format=json') > 0) return ok(raucStatusJson(d));
    }
    throw new Error(`device-programs: no model for the program ${argv.join(' ')}`);
  };
}
