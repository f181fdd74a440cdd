// Fake external installers for the command-writer tests (test/update-installers.test.ts, test/update-writers.test.ts):
// shell scripts in `<dir>/bin` that record every call in `<dir>/fake/calls.log` and keep their state in `<dir>/fake`.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface FakeTools {
  dir: string;
  bin: string;
  state: string;
  calls(): string[];
  /** The calls after the last mark(label). */
  callsSince(label: string): string[];
  mark(label: string): void;
  raucStatus(booted: 'A' | 'B', primary: 'A' | 'B', bVersion?: string): void;
}

/**
 * Fake installers in `<dir>/bin`, state in `<dir>/fake`: every call is appended to calls.log; `rauc status` prints
 * rauc-status.json; `rauc install` refuses a bundle whose name does not end in .raucb (as RAUC does); my-slot and
 * my-version print the files slot and version.
 */
export function fakeTools(dir: string, o: { sysupgradeRefuses?: boolean } = {}): FakeTools {
  const bin = path.join(dir, 'bin');
  const state = path.join(dir, 'fake');
  mkdirSync(bin, { recursive: true });
  mkdirSync(state, { recursive: true });
  const log = path.join(state, 'calls.log');
  const script = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> '${log}'\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  script(
    'rauc',
    `case "$1" in
  install) case "$2" in *.raucb) [ -f "$2" ] || exit 1; cp "$2" '${state}/installed'; exit 0;; *) echo "rauc: bundle must end in .raucb" >&2; exit 1;; esac;;
  status) case "$2" in mark-*) exit 0;; *) cat '${state}/rauc-status.json'; exit 0;; esac;;
esac
exit 2`,
  );
  for (const [name, suffix] of o.sysupgradeRefuses ? [['swupdate', '.swu']] : [['swupdate', '.swu'], ['sysupgrade', '.bin']]) {
    const file = name === 'swupdate' ? '"$2"' : '"$1"';
    script(name, `case ${file} in *${suffix}) cp ${file} '${state}/installed'; exit 0;; *) echo "${name}: wrong file name" >&2; exit 1;; esac`);
  }
  // sysupgrade's image check refusing a file meant for another board (exit 1).
  if (o.sysupgradeRefuses) script('sysupgrade', 'echo "Image check failed: not for this board" >&2; exit 1');
  script('my-flasher', `cp "$1" '${state}/installed'`);
  script('my-slot', `cat '${state}/slot'`);
  script('my-version', `cat '${state}/version'`);
  script('my-commit', 'exit 0');
  writeFileSync(log, '');
  const slot = (name: string, bootname: string, st: string, good: boolean, version?: string) => ({
    [name]: { class: 'rootfs', device: `/dev/mmcblk0p${bootname === 'A' ? 2 : 3}`, type: 'ext4', bootname, state: st, parent: null, mountpoint: st === 'booted' ? '/' : null, boot_status: good ? 'good' : 'bad', slot_status: { bundle: { compatible: 'gw-100', version }, status: 'ok' } },
  });
  const calls = () => readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return {
    dir,
    bin,
    state,
    calls,
    callsSince(label) {
      const lines = calls().map((l) => l.trim());
      return lines.slice(lines.lastIndexOf(`--- ${label}`) + 1);
    },
    mark: (label) => writeFileSync(log, readFileSync(log, 'utf8') + `--- ${label}\n`),
    raucStatus(booted, primary, bVersion) {
      const doc = {
        compatible: 'gw-100',
        variant: '',
        booted,
        boot_primary: primary === 'A' ? 'rootfs.0' : 'rootfs.1',
        slots: [slot('rootfs.0', 'A', booted === 'A' ? 'booted' : 'inactive', primary === 'A' || booted === 'A', '1.0'), slot('rootfs.1', 'B', booted === 'B' ? 'booted' : 'inactive', primary === 'B', bVersion)],
      };
      writeFileSync(path.join(state, 'rauc-status.json'), JSON.stringify(doc));
    },
  };
}
