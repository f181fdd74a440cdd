// A fake sysRoot (docs/protocol.md §4.1, §4.2: the files DevInfo and DevDetail are read from): a PC with DMI
// (one placeholder value among them) or an ARM board with a device tree and a Raspberry Pi cpuinfo, both with
// os-release, a kernel release, a firmware version file and physical and virtual network interfaces. Shared by the
// reader test (device.test.ts) and the built-agent test (e2e-info-same.test.ts). The caller removes the directory.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

let root = '';

function put(rel: string, text: string): void {
  const p = path.join(root, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
}

export function makeFakeRoot(kind: 'pc' | 'arm'): string {
  root = mkdtempSync(path.join(tmpdir(), `dm-sysroot-${kind}-`));
  put('etc/os-release', 'NAME="Gateway Linux"\nID=gwl\nVERSION_ID="5.2"\nPRETTY_NAME="Gateway Linux 5.2 (kestrel)"\nIMAGE_VERSION="5.2.7"\n');
  put('proc/sys/kernel/osrelease', '6.6.31\n');
  put('etc/version', 'fw-2026.11.1\n');
  // /sys/class/net entries are symlinks into devices/; virtual ones into devices/virtual/net.
  const nets: [string, string, boolean][] = [
    ['lo', '00:00:00:00:00:00', true],
    ['docker0', '02:42:ac:11:00:02', true],
    ['eth1', 'b8:27:eb:00:00:02', false],
    ['eth0', 'b8:27:eb:00:00:01', false],
  ];
  for (const [name, mac, virtual] of nets) {
    const target = virtual ? `devices/virtual/net/${name}` : `devices/platform/soc/net/${name}`;
    put(`sys/${target}/address`, mac + '\n');
    mkdirSync(path.join(root, 'sys/class/net'), { recursive: true });
    symlinkSync(`../../${target}`, path.join(root, 'sys/class/net', name));
  }
  if (kind === 'pc') {
    put('proc/cpuinfo', 'processor\t: 0\nmodel name\t: Intel(R) Atom(TM) x6425E\n');
    const dmi: Record<string, string> = {
      sys_vendor: 'Advantech',
      product_name: 'UNO-2271G',
      product_version: 'Default string',
      product_serial: 'AKB1234567',
      product_uuid: '03000200-0400-0500-0006-000700080009',
      board_vendor: 'Advantech Co., Ltd.',
      board_name: 'UNO-2271G V2',
      board_version: 'A1',
    };
    for (const k of Object.keys(dmi)) put(`sys/class/dmi/id/${k}`, dmi[k] + '\n');
  } else {
    put('proc/cpuinfo', 'processor\t: 0\nBogoMIPS\t: 108.00\n\nHardware\t: BCM2835\nRevision\t: c03111\nSerial\t\t: 10000000abcdef01\nModel\t\t: Raspberry Pi 4 Model B Rev 1.1\n');
    put('sys/firmware/devicetree/base/model', 'Raspberry Pi 4 Model B Rev 1.1\u0000');
    put('sys/firmware/devicetree/base/serial-number', '10000000abcdef01\u0000');
    put('sys/firmware/devicetree/base/compatible', 'raspberrypi,4-model-b\u0000brcm,bcm2711\u0000');
  }
  return root;
}
