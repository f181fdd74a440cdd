import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeDeviceInfoReader } from '../platform/node/device-info.js';
import {
  buildDeviceFacts,
  clean,
  DeviceConfigError,
  DeviceFactError,
  luhnValid,
  makeDevId,
  normaliseMac,
  parseCpuInfo,
  parseDeviceConfig,
  parseOsRelease,
  type DeviceSources,
} from '../src/device/index.js';
import { makeFakeRoot } from './support/fake-sysroot.js';
import { bundleForQjs, ensureQjs, qjsSkipReason, runQjs, scratchDir } from './support/qjs.js';

describe('os-release and cpuinfo parsing', () => {
  it('reads os-release quoting, escapes and comments', () => {
    const text = [
      '# comment',
      'NAME="Debian GNU/Linux"',
      "ID=debian",
      'VERSION_ID="12"',
      'PRETTY_NAME="Debian \\"bookworm\\" \\$x"',
      "IMAGE_VERSION='2.4.1'",
      'not an assignment',
      '',
    ].join('\n');
    expect(parseOsRelease(text)).toEqual({
      NAME: 'Debian GNU/Linux',
      ID: 'debian',
      VERSION_ID: '12',
      PRETTY_NAME: 'Debian "bookworm" $x',
      IMAGE_VERSION: '2.4.1',
    });
  });

  it('reads ARM and x86 cpuinfo, first occurrence winning', () => {
    const arm = 'processor\t: 0\nBogoMIPS\t: 108.00\n\nprocessor\t: 1\n\nHardware\t: BCM2835\nRevision\t: c03111\nSerial\t\t: 10000000abcdef01\nModel\t\t: Raspberry Pi 4 Model B Rev 1.1\n';
    expect(parseCpuInfo(arm)).toEqual({ hardware: 'BCM2835', revision: 'c03111', serial: '10000000abcdef01', model: 'Raspberry Pi 4 Model B Rev 1.1' });
    const x86 = 'processor\t: 0\nmodel\t\t: 142\nmodel name\t: Intel(R) Core(TM) i5\nprocessor\t: 1\nmodel name\t: other\n';
    expect(parseCpuInfo(x86)).toEqual({ modelName: 'Intel(R) Core(TM) i5' });
  });

  it('drops DMI placeholders and device-tree NULs', () => {
    expect(clean('To be filled by O.E.M.\n')).toBeUndefined();
    expect(clean('Default string')).toBeUndefined();
    expect(clean('-')).toBeUndefined(); // the dash some firmware writes for "no value"
    expect(clean('Raspberry Pi 4 Model B Rev 1.1\u0000')).toBe('Raspberry Pi 4 Model B Rev 1.1');
    expect(clean('raspberrypi,4-model-b\u0000brcm,bcm2711\u0000')).toBe('raspberrypi,4-model-b');
  });
});

describe('DevId schemes', () => {
  const nets = [
    { name: 'docker0', address: '02:42:ac:11:00:02', virtual: true },
    { name: 'eth0', address: '00:1a:2b:3c:4d:5e\n', virtual: false },
    { name: 'lo', address: '00:00:00:00:00:00', virtual: true },
    { name: 'wlan0', address: 'dc:a6:32:00:00:01', virtual: false },
  ];
  const cfg = (o: Record<string, unknown>) => parseDeviceConfig(o);

  it('mac: first physical non-loopback interface by name, or the pinned one', () => {
    expect(makeDevId(cfg({}), { netInterfaces: nets })).toBe('MAC:001A2B3C4D5E');
    expect(makeDevId(cfg({ netInterface: 'wlan0' }), { netInterfaces: nets })).toBe('MAC:DCA632000001');
    // a virtual-looking name is skipped even without the /sys symlink
    expect(makeDevId(cfg({}), { netInterfaces: [{ name: 'br-lan0', address: '02:00:00:00:00:01', virtual: false }, nets[3]] })).toBe('MAC:DCA632000001');
    expect(() => makeDevId(cfg({}), { netInterfaces: [nets[0], nets[2]] })).toThrow(DeviceFactError);
    expect(() => makeDevId(cfg({ netInterface: 'eth9' }), { netInterfaces: nets })).toThrow(/eth9/);
    expect(normaliseMac('ff:ff:ff:ff:ff:ff')).toBeNull();
    expect(normaliseMac('00-1A-2B-3C-4D-5E')).toBe('001A2B3C4D5E');
  });

  it('imei: 15 digits with a valid Luhn check digit (digest example IMEI:493005100592800)', () => {
    expect(luhnValid('493005100592800')).toBe(true);
    expect(makeDevId(cfg({ devIdScheme: 'imei', devId: '493005100592800' }), { netInterfaces: [] })).toBe('IMEI:493005100592800');
    expect(makeDevId(cfg({ devIdScheme: 'imei', devId: 'IMEI:493005100592800' }), { netInterfaces: [] })).toBe('IMEI:493005100592800');
    expect(() => makeDevId(cfg({ devIdScheme: 'imei', devId: '493005100592801' }), { netInterfaces: [] })).toThrow(/Luhn/);
    expect(() => makeDevId(cfg({ devIdScheme: 'imei', devId: '12345' }), { netInterfaces: [] })).toThrow(DeviceConfigError);
  });

  it('serial, uuid and fixed', () => {
    expect(makeDevId(cfg({ devIdScheme: 'serial' }), { netInterfaces: [], serial: 'ABC123' })).toBe('SN:ABC123');
    expect(makeDevId(cfg({ devIdScheme: 'uuid' }), { netInterfaces: [], uuid: '4C4C4544-0000' })).toBe('UUID:4c4c4544-0000');
    expect(makeDevId(cfg({ devIdScheme: 'fixed', devId: 'urn:dev:gw-7' }), { netInterfaces: [] })).toBe('urn:dev:gw-7');
    expect(() => makeDevId(cfg({ devIdScheme: 'serial' }), { netInterfaces: [] })).toThrow(/serial/);
    expect(() => makeDevId(cfg({ devIdScheme: 'uuid' }), { netInterfaces: [] })).toThrow(/product_uuid/);
  });
});

describe('device config', () => {
  it('applies defaults and validates keys with clear errors', () => {
    expect(parseDeviceConfig(undefined)).toEqual({ devIdScheme: 'mac', devType: 'gateway', lang: 'en-US', sysRoot: '/' });
    expect(parseDeviceConfig({ firmwareVersion: '1.0' }).firmwareVersion).toEqual({ fixed: '1.0' });
    expect(parseDeviceConfig({ firmwareVersion: { command: 'cat /x' } }).firmwareVersion).toEqual({ command: 'cat /x' });
    expect(() => parseDeviceConfig({ devIdScheme: 'imsi' })).toThrow(/devIdScheme "imsi"/);
    expect(() => parseDeviceConfig({ devIdScheme: 'fixed' })).toThrow(/needs device.devId/);
    expect(() => parseDeviceConfig({ colour: 'red' })).toThrow(/device.colour/);
    expect(() => parseDeviceConfig({ model: 7 })).toThrow(/device.model must be a string/);
    expect(() => parseDeviceConfig({ firmwareVersion: { file: 'rel/path' } })).toThrow(/absolute/);
    expect(() => parseDeviceConfig({ firmwareVersion: { file: '/a', command: 'b' } })).toThrow(/one of/);
    expect(() => parseDeviceConfig({ sysRoot: 'relative' })).toThrow(/sysRoot/);
  });
});

describe('facts from sources', () => {
  const base: DeviceSources = {
    osRelease: 'NAME="Acme OS"\nVERSION_ID=3.1\nPRETTY_NAME="Acme OS 3.1"\nBUILD_ID=20261101\n',
    cpuinfo: null,
    kernelRelease: '6.1.0-13-arm64\n',
    dmi: {},
    deviceTreeModel: null,
    deviceTreeSerial: null,
    deviceTreeCompatible: null,
    netInterfaces: [{ name: 'eth0', address: '00:11:22:33:44:55', virtual: false }],
    firmwareVersionRaw: null,
  };

  it('prefers configuration, then DMI, then device tree, then cpuinfo, and falls back to "unknown"', () => {
    const f = buildDeviceFacts(base, parseDeviceConfig({}));
    expect(f).toEqual({
      devId: 'MAC:001122334455',
      manufacturer: 'unknown',
      model: 'unknown',
      oem: 'unknown',
      devType: 'gateway',
      firmwareVersion: '20261101', // BUILD_ID before VERSION_ID by default
      softwareVersion: 'Acme OS 3.1',
      hardwareVersion: 'unknown',
      lang: 'en-US',
      macAddress: '001122334455',
      osName: 'Acme OS',
      osVersion: '3.1',
      kernelVersion: '6.1.0-13-arm64',
    });
    const g = buildDeviceFacts({ ...base, dmi: { sys_vendor: 'Dell Inc.', product_name: 'Edge Gateway 3001', product_version: 'To be filled by O.E.M.', board_version: 'A01' } }, parseDeviceConfig({ model: 'GW', firmwareVersion: { osRelease: 'VERSION_ID' } }));
    expect([g.manufacturer, g.model, g.oem, g.hardwareVersion, g.firmwareVersion]).toEqual(['Dell Inc.', 'GW', 'Dell Inc.', 'A01', '3.1']);
  });

  it('takes the first non-empty line of a firmware version file or command', () => {
    const f = buildDeviceFacts({ ...base, firmwareVersionRaw: '\n  2.4.1-rc1  \nbuilt by ci\n' }, parseDeviceConfig({ firmwareVersion: { file: '/etc/version' } }));
    expect(f.firmwareVersion).toBe('2.4.1-rc1');
  });
});

// ---- both platform readers on the same fake sysRoot ----------------------------------------------------------

const qjsSkip = qjsSkipReason('host');
if (qjsSkip) console.warn(`[device readers] QuickJS half skipped: ${qjsSkip}`);
let bundle = '';

beforeAll(async () => {
  if (qjsSkip) return;
  ensureQjs('host');
  bundle = await bundleForQjs('test/device-info.qjs-entry.ts', path.join(scratchDir('device-info'), 'device-info.js'));
}, 900_000);

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

async function readWithQjs(config: Record<string, unknown>): Promise<unknown> {
  const r = await runQjs('host', bundle, [JSON.stringify(config)]); // await: fine whether the helper is sync or async
  if (r.code !== 0) throw new Error(`qjs reader failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe.each(['pc', 'arm'] as const)('Node and QuickJS readers on a fake %s sysRoot', (kind) => {
  const sysRoot = makeFakeRoot(kind);
  roots.push(sysRoot);

  const configs: Record<string, Record<string, unknown>> = {
    defaults: { sysRoot },
    serial: { sysRoot, devIdScheme: 'serial', firmwareVersion: { file: '/etc/version' } },
    command: { sysRoot, devIdScheme: 'mac', netInterface: 'eth1', firmwareVersion: { command: 'echo 9.9.9; echo second' } },
  };

  it('the Node reader reports the expected facts', async () => {
    const facts = await createNodeDeviceInfoReader(configs.defaults).read();
    expect(facts.devId).toBe('MAC:B827EB000001'); // eth0: first physical by name; lo and docker0 are virtual
    expect(facts.firmwareVersion).toBe('5.2.7');
    expect(facts.softwareVersion).toBe('Gateway Linux 5.2 (kestrel)');
    expect(facts.kernelVersion).toBe('6.6.31');
    if (kind === 'pc') {
      expect([facts.manufacturer, facts.model, facts.oem, facts.hardwareVersion]).toEqual(['Advantech', 'UNO-2271G', 'Advantech Co., Ltd.', 'A1']);
    } else {
      expect([facts.manufacturer, facts.model, facts.oem, facts.hardwareVersion]).toEqual(['raspberrypi', 'Raspberry Pi 4 Model B Rev 1.1', 'raspberrypi', 'c03111']);
    }
    const s = await createNodeDeviceInfoReader(configs.serial).read();
    expect(s.devId).toBe(kind === 'pc' ? 'SN:AKB1234567' : 'SN:10000000abcdef01');
    expect(s.firmwareVersion).toBe('fw-2026.11.1');
    const c = await createNodeDeviceInfoReader(configs.command).read();
    expect([c.devId, c.firmwareVersion]).toEqual(['MAC:B827EB000002', '9.9.9']);
  });

  it.skipIf(!!qjsSkip)('the QuickJS reader (under qjs) gives identical DeviceFacts', async () => {
    for (const name of Object.keys(configs)) {
      const node = await createNodeDeviceInfoReader(configs[name]).read();
      expect(await readWithQjs(configs[name]), name).toEqual(JSON.parse(JSON.stringify(node)));
    }
  });

  it.skipIf(!!qjsSkip)('the QuickJS reader reports a missing fact as a typed error like the Node one', async () => {
    const cfg = { sysRoot, devIdScheme: 'uuid' };
    if (kind === 'pc') return; // the PC root has a DMI uuid
    await expect(createNodeDeviceInfoReader(cfg).read()).rejects.toThrow(DeviceFactError);
    await expect(readWithQjs(cfg)).rejects.toThrow(/DeviceFactError: devIdScheme uuid/);
  });
});

describe('the QuickJS reader on the real /proc', () => {
  it.skipIf(!!qjsSkip)('reads /proc files that std.loadFile would see as empty', async () => {
    const cfg = { devIdScheme: 'fixed', devId: 'x', firmwareVersion: { file: '/proc/sys/kernel/osrelease' } };
    const facts = (await readWithQjs(cfg)) as { firmwareVersion: string; kernelVersion: string };
    expect(facts.firmwareVersion).not.toBe('unknown');
    expect(facts.firmwareVersion).toBe(facts.kernelVersion);
  });
});
