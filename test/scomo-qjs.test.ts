// The SCOMO adapters on QuickJS (platform/quickjs/inventory.ts, installer.ts): same inventory as Node for the same
// status file, a real .deb installed and removed with dpkg by qjs, script exit codes and service calls mapped alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { bundleForQjs, ensureQjs, qjsSkipReason, runQjs } from './support/qjs.js';
import { dpkgStatusSource } from '../platform/node/inventory.js';

const hasDpkg = spawnSync('sh', ['-c', 'command -v dpkg && command -v dpkg-deb'], { stdio: 'ignore' }).status === 0;
const skip = qjsSkipReason('host') || (hasDpkg ? null : 'dpkg/dpkg-deb not installed');
if (skip) console.warn(`[scomo on QuickJS] skipped: ${skip}`);

const work = mkdtempSync(path.join(tmpdir(), 'scomo-qjs-'));
let bundle = '';
beforeAll(async () => {
  if (skip) return;
  ensureQjs('host');
  bundle = await bundleForQjs('test/scomo.qjs-entry.ts', path.join(work, 'scomo.js'));
}, 900_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!!skip)('SCOMO with the QuickJS adapters', () => {
  it('inventory, dpkg install/remove, service deactivate and script exit codes behave as on Node', async () => {
    const root = path.join(work, 'root');
    for (const d of ['var/lib/dpkg/info', 'var/lib/dpkg/updates']) mkdirSync(path.join(root, d), { recursive: true });
    writeFileSync(path.join(root, 'var/lib/dpkg/status'), '');
    const pkg = path.join(work, 'pkg');
    mkdirSync(path.join(pkg, 'DEBIAN'), { recursive: true });
    mkdirSync(path.join(pkg, 'opt/qjs-tool'), { recursive: true });
    writeFileSync(path.join(pkg, 'DEBIAN/control'), 'Package: qjs-tool\nVersion: 0.7-2\nArchitecture: all\nMaintainer: T <t@e>\nDescription: installed by qjs\n');
    writeFileSync(path.join(pkg, 'opt/qjs-tool/x'), 'x');
    const deb = path.join(work, 'qjs-tool.deb');
    execFileSync('dpkg-deb', ['--build', '--root-owner-group', pkg, deb], { stdio: 'ignore' });
    const manifests = path.join(work, 'manifests');
    mkdirSync(manifests);
    writeFileSync(path.join(manifests, 'modem.json'), JSON.stringify({ id: 'modem', name: 'Modem', version: '1', service: 'modem.service' }));
    const fakeBin = path.join(work, 'bin');
    mkdirSync(fakeBin);
    const calls = path.join(work, 'calls');
    writeFileSync(path.join(fakeBin, 'systemctl'), `#!/bin/sh\necho "systemctl $*" >> ${calls}\n`);
    chmodSync(path.join(fakeBin, 'systemctl'), 0o755);
    const script = path.join(work, 'tool.sh');
    writeFileSync(script, '#!/bin/sh\ncase "$SCOMO_PKG_PATH" in *bad-signature*) exit 2;; *crash*) exit 9;; esac\necho component=x\n');
    chmodSync(script, 0o755);
    const hostStatus = existsSync('/var/lib/dpkg/status') ? '/var/lib/dpkg/status' : path.join(root, 'var/lib/dpkg/status');

    const r = await runQjs('host', bundle, [JSON.stringify({ hostStatus, root, deb, script, fakeBin, manifests })]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const nodeIds = (await dpkgStatusSource(hostStatus).list()).map((c) => `${c.id}=${c.version}`);
    expect(out.hostIds).toEqual(nodeIds);
    expect(out.before).toEqual(['modem']);
    expect(out.exec).toBe(202);
    expect(out.version).toBe('0.7-2');
    expect(out.after).toEqual(['modem']);
    expect(out.reports).toEqual([
      ['./SCOMO/Download/p/Operations/DownloadInstall', './SCOMO/Inventory/Deployed/qjs-tool', 1200, 'qjs-tool', 'q1'],
      ['./SCOMO/Inventory/Deployed/modem/Operations/Deactivate', './SCOMO/Inventory/Deployed/modem', 1200, 'modem', ''],
      ['./SCOMO/Inventory/Deployed/qjs-tool/Operations/Remove', './SCOMO/Inventory/Deployed/qjs-tool', 1200, 'qjs-tool', 'q2'],
    ]);
    expect(out.scriptCodes).toEqual([1200, 1407, 1405]);
    expect(readFileSync(calls, 'utf8')).toBe('systemctl stop modem.service\nsystemctl disable modem.service\n');
    expect(readFileSync(path.join(root, 'var/log/dpkg.log'), 'utf8')).toMatch(/remove qjs-tool:all 0.7-2/);
  });
});
