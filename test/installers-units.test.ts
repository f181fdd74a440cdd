// Units of the runtime-free installer logic (src/update/installers, src/agent/fumo-writer-config.ts): RAUC's status
// JSON, the boot verdict, and the strict fumo.writer section. The end-to-end runs on both runtimes are in
// test/update-installers.test.ts.
import { describe, expect, it } from 'vitest';
import { parseRaucStatus } from '../src/update/installers/rauc-status.js';
import { judgeBoot } from '../src/update/installers/verdict.js';
import { parseWriterConfig } from '../src/agent/fumo-writer-config.js';
import { ConfigError } from '../src/config.js';

// Shape of `rauc status --detailed --output-format=json` (RAUC's r_status_formatter_json), booted by device path.
const RAUC_JSON = JSON.stringify({
  compatible: 'gw-100',
  variant: '',
  booted: '/dev/mmcblk0p3',
  boot_primary: 'rootfs.1',
  slots: [
    { 'rootfs.0': { class: 'rootfs', device: '/dev/mmcblk0p2', type: 'ext4', bootname: 'A', state: 'inactive', parent: null, mountpoint: null, boot_status: 'good', slot_status: { bundle: { compatible: 'gw-100', version: '1.0' } } } },
    { 'appfs.1': { class: 'appfs', device: '/dev/mmcblk0p5', type: 'ext4', bootname: null, state: 'active', parent: 'rootfs.1', mountpoint: null, boot_status: null } },
    { 'rootfs.1': { class: 'rootfs', device: '/dev/mmcblk0p3', type: 'ext4', bootname: 'B', state: 'booted', parent: null, mountpoint: '/', boot_status: 'good', slot_status: { bundle: { compatible: 'gw-100', version: '2.0', hash: 'ab' }, status: 'ok' } } },
  ],
});

describe('rauc status JSON', () => {
  it('finds the booted slot by state (not by the "booted" field), its bundle version, the primary and the other slot', () => {
    expect(parseRaucStatus(RAUC_JSON)).toMatchObject({ booted: 'rootfs.1', primary: 'rootfs.1', bootedVersion: '2.0', target: 'rootfs.0' });
  });
  it('refuses output it cannot read, saying why', () => {
    expect(() => parseRaucStatus('Compatible: gw-100')).toThrow(/rauc status: output is not JSON/);
    expect(() => parseRaucStatus('{"slots": {}}')).toThrow(/no "slots" list/);
    expect(() => parseRaucStatus(JSON.stringify({ slots: [{ 'rootfs.0': { class: 'rootfs', state: 'inactive' } }] }))).toThrow(/0 slots are in state "booted"/);
  });
});

describe('boot verdict', () => {
  const cases: Array<[string, Parameters<typeof judgeBoot>[0], Parameters<typeof judgeBoot>[1], string]> = [
    ['installed slot, package version', { bootedSlot: 'B', primarySlot: 'B', version: '2.0' }, { slot: 'B', version: '2.0' }, 'running'],
    ['old slot, switch armed', { bootedSlot: 'A', primarySlot: 'B', version: '1.0' }, { slot: 'B', version: '2.0' }, 'awaiting-reboot'],
    ['old slot, switch gone (fallback)', { bootedSlot: 'A', primarySlot: 'A', version: '1.0' }, { slot: 'B', version: '2.0' }, 'failed'],
    ['old slot armed but a reboot happened', { bootedSlot: 'A', primarySlot: 'B' }, { slot: 'B', rebooted: true }, 'failed'],
    ['installed slot, other version', { bootedSlot: 'B', primarySlot: 'B', version: '1.9' }, { slot: 'B', version: '2.0' }, 'failed'],
    ['installed slot, no version known', { bootedSlot: 'B', primarySlot: 'B' }, { slot: 'B', version: '2.0' }, 'failed'],
    ['version only: new version', { version: '2.0' }, { version: '2.0', fromVersion: '1.0' }, 'running'],
    ['version only: still the old one', { version: '1.0' }, { version: '2.0', fromVersion: '1.0' }, 'awaiting-reboot'],
    ['version only: a third version', { version: '1.5' }, { version: '2.0', fromVersion: '1.0' }, 'failed'],
    ['version only, package names none: changed', { version: '1.1' }, { fromVersion: '1.0' }, 'running'],
    ['version only, package names none: unchanged', { version: '1.0' }, { fromVersion: '1.0' }, 'awaiting-reboot'],
    ['custom slot command: still the start slot', { bootedSlot: 'A', version: '2.0' }, { fromSlot: 'A', version: '2.0' }, 'awaiting-reboot'],
    ['custom slot command: another slot', { bootedSlot: 'B', version: '2.0' }, { fromSlot: 'A', version: '2.0' }, 'running'],
  ];
  for (const [name, observed, expect_, state] of cases) it(`${name} → ${state}`, () => expect(judgeBoot(observed, expect_).state).toBe(state));
});

describe('fumo.writer', () => {
  const err = (w: unknown): string => {
    try {
      parseWriterConfig(w);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error('accepted');
  };
  it('names the staged file as each installer expects, configurable', () => {
    const name = (w: Record<string, unknown>) => {
      const c = parseWriterConfig(w);
      return c.type === 'command' ? c.spec.stagedName : '';
    };
    expect(name({ type: 'command', installer: 'rauc' })).toBe('firmware.raucb');
    expect(name({ type: 'command', installer: 'swupdate' })).toBe('firmware.swu');
    expect(name({ type: 'command', installer: 'sysupgrade' })).toBe('firmware.bin');
    expect(name({ type: 'command', installer: 'swupdate', stagedName: 'gw.swu' })).toBe('gw.swu');
    expect(name({ type: 'command', install: ['x', '{file}'] })).toBe('firmware.pkg');
    expect(err({ type: 'command', installer: 'rauc', stagedName: 'b.bin' })).toMatch(/stagedName: must end in \.raucb/);
    expect(err({ type: 'command', installer: 'swupdate', stagedName: '../x.swu' })).toMatch(/stagedName: must be a plain file name/);
  });
  it('a custom installer takes exactly its documented keys', () => {
    const c = parseWriterConfig({ type: 'command', install: ['fl', '{file}'], bootedSlot: ['s'], version: ['v'], commit: ['c'], rollback: ['r', '{slot}'], exitCodes: { '3': 403 }, needsReboot: false });
    expect(c).toMatchObject({ type: 'command', installer: 'custom', spec: { install: ['fl', '{file}'], bootedSlot: ['s'], version: ['v'], commit: ['c'], exitCodes: { 3: 403 }, needsReboot: false } });
    expect(err({ type: 'command', install: ['fl'] })).toMatch(/install: must contain \{file\}/);
    expect(err({ type: 'command' })).toMatch(/install: is required/);
    expect(err({ type: 'command', install: ['fl', '{file}'], exitCodes: { '1': 200 } })).toMatch(/exitCodes\.1: must map/);
    expect(err({ type: 'command', install: ['fl', '{file}'], version: 'v' })).toMatch(/fumo\.writer\.version: must be a command/);
    expect(err({ type: 'command', installer: 'rauc', commit: ['x'] })).toMatch(/fumo\.writer\.commit: unknown key for installer rauc/);
    expect(err({ type: 'file', path: '/x', $comment: 'ok', extra: 1 })).toMatch(/fumo\.writer\.extra: unknown key for type file/);
  });
});
