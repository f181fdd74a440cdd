import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { OpkgInstaller, ScriptInstaller, ServiceActivator, nodeDpkgInstaller, routeInstallers } from './support/node-installers.js';
import { dpkgStatusSource, manifestFolderSource, nodePackageFiles } from '../platform/node/inventory.js';
import { NodeFileStorage } from '../platform/node/storage.js';
import { DurableStore } from '../src/state/durable-store.js';
import { ScomoError, ScomoMo } from '../src/scomo/index.js';
import type { Component } from '../src/inventory/component.js';

const work = mkdtempSync(path.join(tmpdir(), 'scomo-installer-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const haveDpkg = (() => {
  try {
    execFileSync('dpkg-deb', ['--version'], { stdio: 'ignore' });
    execFileSync('dpkg', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!haveDpkg) console.warn('skipping the dpkg installer tests: dpkg/dpkg-deb are not installed on this machine');

/** Builds a real .deb with dpkg-deb; `control` extra lines are appended to the control file. */
function buildDeb(name: string, version: string, extra = '', arch = 'all'): string {
  const dir = path.join(work, `src-${name}-${version}-${arch}`);
  mkdirSync(path.join(dir, 'DEBIAN'), { recursive: true });
  mkdirSync(path.join(dir, 'opt', name), { recursive: true });
  writeFileSync(
    path.join(dir, 'DEBIAN', 'control'),
    `Package: ${name}\nVersion: ${version}\nArchitecture: ${arch}\nMaintainer: Test <t@example.com>\n${extra}Description: ${name} for SCOMO tests\n built at test time\n`,
  );
  writeFileSync(path.join(dir, 'opt', name, 'VERSION'), version + '\n');
  const out = path.join(work, `${name}_${version}_${arch}.deb`);
  execFileSync('dpkg-deb', ['--build', '--root-owner-group', dir, out], { stdio: 'ignore' });
  return out;
}

function scratchRoot(tag: string): string {
  const root = path.join(work, 'root-' + tag);
  for (const d of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/lib/dpkg/triggers']) mkdirSync(path.join(root, d), { recursive: true });
  writeFileSync(path.join(root, 'var/lib/dpkg/status'), '');
  writeFileSync(path.join(root, 'var/lib/dpkg/available'), '');
  return root;
}

function dpkgFor(root: string) {
  return nodeDpkgInstaller({ root, forceNotRoot: true, scriptChrootless: true });
}

describe.runIf(haveDpkg)('dpkg installer into a scratch root', () => {
  it('installs and removes a real .deb; the status file parser sees both', async () => {
    const root = scratchRoot('a');
    const deb = buildDeb('gw-agent-plugin', '1.2.0-1');
    const dpkg = dpkgFor(root);
    const source = dpkgStatusSource(path.join(root, 'var/lib/dpkg/status'), { recheckMs: 0 });
    expect(await source.list()).toEqual([]);
    expect(await dpkg.install({ path: deb, activate: true })).toEqual({ componentIds: ['gw-agent-plugin'] });
    expect(readFileSync(path.join(root, 'opt/gw-agent-plugin/VERSION'), 'utf8')).toBe('1.2.0-1\n');
    expect(await source.list()).toEqual([
      expect.objectContaining({ id: 'gw-agent-plugin', version: '1.2.0-1', description: 'gw-agent-plugin for SCOMO tests', source: 'dpkg' }),
    ]);
    // dpkg logged into the scratch root, not into the host's /var/log/dpkg.log.
    expect(readFileSync(path.join(root, 'var/log/dpkg.log'), 'utf8')).toMatch(/installed gw-agent-plugin:all 1.2.0-1/);
    await dpkg.remove({ id: 'gw-agent-plugin', name: 'gw-agent-plugin', version: '1.2.0-1', state: 'active', source: 'dpkg' });
    expect(existsSync(path.join(root, 'opt/gw-agent-plugin/VERSION'))).toBe(false);
    expect(await source.list()).toEqual([]);
  });

  it('InstallInactive stops the service the package may have started; a package without a service is fine', async () => {
    const root = scratchRoot('inactive');
    const calls: string[] = [];
    const activator = {
      async activate() {},
      async deactivate(c: Component) {
        if (c.id !== 'with-service') throw new ScomoError(1411, `component ${c.id} has no service to start or stop`);
        calls.push(`stop ${c.id}`);
      },
    };
    const dpkg = nodeDpkgInstaller({ root, forceNotRoot: true, scriptChrootless: true, activator });
    expect(await dpkg.install({ path: buildDeb('with-service', '1'), activate: false })).toEqual({ componentIds: ['with-service'] });
    expect(await dpkg.install({ path: buildDeb('plain-lib', '1'), activate: false })).toEqual({ componentIds: ['plain-lib'] });
    expect(await dpkg.install({ path: buildDeb('plain-tool', '1'), activate: true })).toEqual({ componentIds: ['plain-tool'] });
    expect(calls).toEqual(['stop with-service']);
  });

  it('maps failures: corrupt archive 1407, unmet dependency 1405, foreign architecture 1413, remove of unknown 1408', async () => {
    const root = scratchRoot('b');
    const dpkg = dpkgFor(root);
    const corrupt = path.join(work, 'corrupt.deb');
    writeFileSync(corrupt, 'this is not an ar archive');
    const codeOf = (p: Promise<unknown>) =>
      p.then(
        () => 0,
        (e) => (e instanceof ScomoError ? e.resultCode : -1),
      );
    expect(await codeOf(dpkg.install({ path: corrupt, activate: true }))).toBe(1407);
    expect(await codeOf(dpkg.install({ path: buildDeb('needy', '1.0', 'Depends: libdoesnotexist9\n'), activate: true }))).toBe(1405);
    const foreign = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim() === 's390x' ? 'mips64el' : 's390x';
    expect(await codeOf(dpkg.install({ path: buildDeb('alien', '1.0', '', foreign), activate: true }))).toBe(1413);
    const unknown: Component = { id: 'not-installed-pkg', name: 'x', version: '1', state: 'active', source: 'dpkg' };
    expect(await codeOf(dpkg.remove(unknown))).toBe(1408);
    // Names and files that dpkg would read as options are refused before dpkg runs.
    await expect(dpkg.remove({ ...unknown, id: '--force-all' })).rejects.toThrow(/refusing package name "--force-all"/);
    await expect(dpkg.install({ path: '-i', activate: true })).rejects.toMatchObject({ resultCode: 1405 });
    await expect(dpkg.install({ path: buildDeb('needy', '1.0', 'Depends: libdoesnotexist9\n'), activate: true })).rejects.toThrow(
      /dpkg --install needy failed \(exit 1\): .*libdoesnotexist9/,
    );
    // The half-installed first install was taken out again.
    expect(readFileSync(path.join(root, 'var/lib/dpkg/status'), 'utf8')).not.toMatch(/Package: needy\nStatus: install ok (unpacked|half)/);
    expect(await dpkg.statusOf('needy')).not.toMatch(/^iU/);
  });

  it('end to end: SCOMO DownloadInstall of a .deb, Deployed shows it across a restart, then Remove', async () => {
    const root = scratchRoot('c');
    const status = path.join(root, 'var/lib/dpkg/status');
    const state = path.join(work, 'state-c');
    const cache = path.join(work, 'cache-c');
    mkdirSync(cache, { recursive: true });
    const served: Record<string, string> = { 'https://updates.example.com/sensor-daemon_2.0.deb': buildDeb('sensor-daemon', '2.0') };
    // The FUMO pipeline plugs in here; a copying stand-in returns the same {path, sha256} shape.
    const download = async (url: string) => {
      const src = served[url];
      if (!src) throw Object.assign(new Error(`404 for ${url}`), { kind: 'server-error' });
      const dest = path.join(cache, path.basename(src));
      copyFileSync(src, dest);
      return { path: dest, sha256: createHash('sha256').update(readFileSync(dest)).digest('hex') };
    };
    const make = () =>
      new ScomoMo({
        sources: [dpkgStatusSource(status, { recheckMs: 0 })],
        store: new DurableStore(new NodeFileStorage(state)), // the agent's own store (src/agent/compose.ts)
        download,
        files: nodePackageFiles,
        installer: dpkgFor(root),
      });
    const mo = make();
    expect((await mo.list('Inventory/Deployed')).children).toEqual([]);
    await mo.add('Download/sd', {});
    await mo.add('Download/sd/PkgID', { data: 'sensor-daemon-2.0' });
    await mo.add('Download/sd/PkgURL', { data: 'https://updates.example.com/sensor-daemon_2.0.deb' });
    expect(await mo.exec('Download/sd/Operations/DownloadInstall', { correlator: 'corr-1' })).toBe(202);
    await mo.idle();
    const [report] = await mo.pendingReports();
    expect(report).toMatchObject({ resultCode: 1200, identifier: 'sensor-daemon', targetUri: './SCOMO/Inventory/Deployed/sensor-daemon', correlator: 'corr-1' });
    expect(existsSync(path.join(cache, 'sensor-daemon_2.0_all.deb'))).toBe(false);
    // Restart: same <x>, same values, report still pending until acknowledged.
    const again = make();
    expect(await again.get('Inventory/Deployed/sensor-daemon/Version')).toEqual({ status: 200, format: 'chr', data: '2.0' });
    expect(await again.get('Inventory/Deployed/sensor-daemon/PkgIDRef')).toMatchObject({ data: 'sensor-daemon-2.0' });
    expect((await again.pendingReports()).map((r) => r.id)).toEqual([report.id]);
    await again.acknowledge(report.id);
    // A package installed outside the agent shows up at the next read.
    execFileSync('dpkg', [`--root=${root}`, `--admindir=${root}/var/lib/dpkg`, `--instdir=${root}`, '--force-not-root', `--log=${root}/var/log/dpkg.log`, '-i', buildDeb('manual-tool', '0.3')], { stdio: 'ignore' });
    expect((await again.findDeployed('manual-tool'))!.uri).toBe('./SCOMO/Inventory/Deployed/manual-tool');
    expect(await again.exec('Inventory/Deployed/sensor-daemon/Operations/Remove', { correlator: 'corr-2' })).toBe(202);
    await again.idle();
    expect((await again.pendingReports()).map((r) => [r.resultCode, r.correlator])).toEqual([[1200, 'corr-2']]);
    expect((await again.list('Inventory/Deployed')).children).toEqual(['manual-tool']);
    // A failed download reports 1500 (server error kind) and leaves Deployed unchanged.
    await again.add('Download/bad/PkgURL', { data: 'https://updates.example.com/missing.deb' });
    await again.exec('Download/bad/Operations/DownloadInstall');
    await again.idle();
    expect((await again.pendingReports()).map((r) => r.resultCode)).toEqual([1200, 1500]);
  });
});

describe('opkg installer (fake opkg)', () => {
  const bin = path.join(work, 'opkg-bin');
  const calls = path.join(work, 'opkg-calls');
  beforeAll(() => {
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      path.join(bin, 'opkg'),
      `#!/bin/sh
echo "$@" >> ${calls}
case "$*" in
  *install*broken.ipk) echo "Collected errors:" >&2; echo " * opkg_install_pkg: Malformed package file broken.ipk" >&2; exit 255;;
  *install*nodeps.ipk) echo " * satisfy_dependencies_for: Cannot satisfy the following dependencies for nodeps" >&2; exit 255;;
  *install*) echo "Installing luci-app-sensor (1.4-1) to root..."; echo "Installing libsensor (0.9) to root..."; echo "Configuring luci-app-sensor."; exit 0;;
  *remove\\ ghost*) echo " * opkg_remove_cmd: Package ghost not installed." ; exit 1;;
  *remove*) echo "Removing package $3 from root..."; exit 0;;
esac
exit 2
`,
    );
    chmodSync(path.join(bin, 'opkg'), 0o755);
  });

  it('installs, reports installed names, maps errors', async () => {
    const opkg = new OpkgInstaller({ opkg: path.join(bin, 'opkg'), offlineRoot: '/tmp/or' });
    expect(await opkg.install({ path: '/tmp/luci-app-sensor_1.4-1_all.ipk', activate: true })).toEqual({ componentIds: ['luci-app-sensor', 'libsensor'] });
    await expect(opkg.install({ path: '/tmp/broken.ipk', activate: true })).rejects.toMatchObject({ resultCode: 1407 });
    await expect(opkg.install({ path: '/tmp/nodeps.ipk', activate: true })).rejects.toMatchObject({ resultCode: 1405 });
    await opkg.remove({ id: 'libsensor', name: 'libsensor', version: '0.9', state: 'active', source: 'opkg' });
    await expect(opkg.remove({ id: 'ghost', name: 'ghost', version: '1', state: 'active', source: 'opkg' })).rejects.toMatchObject({ resultCode: 1408 });
    expect(readFileSync(calls, 'utf8').split('\n')[0]).toBe('--offline-root /tmp/or install /tmp/luci-app-sensor_1.4-1_all.ipk');
  });
});

describe('script installer', () => {
  const script = path.join(work, 'component-tool.sh');
  const record = path.join(work, 'script-calls');
  beforeAll(() => {
    writeFileSync(
      script,
      `#!/bin/sh
echo "$1 pkg=$SCOMO_PKG_PATH id=$SCOMO_PKG_ID act=$SCOMO_ACTIVATE comp=$SCOMO_COMPONENT_ID params=$SCOMO_INSTALL_PARAMS" >> ${record}
case "$SCOMO_PKG_PATH$SCOMO_COMPONENT_ID" in
  *bad-signature*) echo "signature check failed" >&2; exit 2;;
  *full*) exit 3;;
  *vendor*) exit 10;;
  *crash*) echo "segfault" >&2; exit 139;;
esac
[ "$1" = install ] && echo "component=modem-fw"
exit 0
`,
    );
    chmodSync(script, 0o755);
  });
  const comp = (id: string): Component => ({ id, name: id, version: '1', state: 'active', source: 'manifest', service: 'svc' });

  it('passes the details in env vars and reads component= lines', async () => {
    const s = new ScriptInstaller({ script });
    expect(await s.install({ path: '/dl/modem.bin', activate: false, pkgId: 'modem-2.5', installParams: 'slot=b' })).toEqual({ componentIds: ['modem-fw'] });
    await s.activate(comp('modem-fw'));
    expect(readFileSync(record, 'utf8').trim().split('\n')).toEqual([
      'install pkg=/dl/modem.bin id=modem-2.5 act=0 comp= params=slot=b',
      'activate pkg= id= act= comp=modem-fw params=',
    ]);
  });

  it('maps exit codes to result codes', async () => {
    const s = new ScriptInstaller({ script, exitCodes: { 10: 1460 } });
    const code = (p: Promise<unknown>) => p.then(() => 1200, (e) => (e as ScomoError).resultCode);
    expect(await code(s.install({ path: '/dl/bad-signature.bin', activate: true }))).toBe(1407);
    expect(await code(s.install({ path: '/dl/full.bin', activate: true }))).toBe(1406);
    expect(await code(s.install({ path: '/dl/vendor.bin', activate: true }))).toBe(1460);
    expect(await code(s.install({ path: '/dl/crash.bin', activate: true }))).toBe(1405);
    expect(await code(s.remove(comp('crash')))).toBe(1408);
    expect(await code(s.activate(comp('crash')))).toBe(1409);
    expect(await code(s.deactivate(comp('crash')))).toBe(1410);
    expect(await code(s.deactivate(comp('fine')))).toBe(1200);
    await expect(s.install({ path: '/dl/crash.bin', activate: true })).rejects.toThrow(/exit 139\): segfault/);
    expect(() => new ScriptInstaller({ script, exitCodes: { 7: 404 } })).toThrow(/not a SCOMO result code/);
    await expect(new ScriptInstaller({ script: path.join(work, 'nope.sh') }).install({ path: 'x', activate: true })).rejects.toMatchObject({ resultCode: 1405 });
  });

  it('routes installs by PkgType and removals by source', async () => {
    const s = new ScriptInstaller({ script });
    const router = routeInstallers([{ pkgTypes: ['application/x-modem-fw'], sources: ['manifest'], installer: s }]);
    expect(await router.install({ path: '/dl/m.bin', pkgType: 'application/x-modem-fw', activate: true })).toEqual({ componentIds: ['modem-fw'] });
    await expect(router.install({ path: '/dl/m.deb', pkgType: 'application/vnd.debian.binary-package', activate: true })).rejects.toMatchObject({ resultCode: 1413 });
    await expect(router.remove({ ...comp('x'), source: 'dpkg' })).rejects.toMatchObject({ resultCode: 1411 });
  });
});

describe('service activator (fake systemctl and init.d on PATH)', () => {
  const bin = path.join(work, 'svc-bin');
  const calls = path.join(work, 'svc-calls');
  const initDir = path.join(work, 'init.d');
  beforeAll(() => {
    mkdirSync(bin, { recursive: true });
    mkdirSync(initDir, { recursive: true });
    const recorder = (who: string) => `#!/bin/sh\necho "${who} $*" >> ${calls}\ncase "$*" in *broken*) echo "Job failed" >&2; exit 1;; esac\nexit 0\n`;
    writeFileSync(path.join(bin, 'systemctl'), recorder('systemctl'));
    chmodSync(path.join(bin, 'systemctl'), 0o755);
    writeFileSync(path.join(initDir, 'sensord'), recorder('init.d/sensord'));
    chmodSync(path.join(initDir, 'sensord'), 0o755);
  });
  const comp = (id: string, service?: string): Component => ({ id, name: id, version: '1', state: 'active', source: 'dpkg', service });

  it('systemd: enable+start, stop+disable; failures 1409/1410; no service 1411', async () => {
    writeFileSync(calls, '');
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const svc = new ServiceActivator({ kind: 'systemd', env, services: { 'sensor-daemon': 'sensord.service', broken: 'broken.service' } });
    await svc.activate(comp('sensor-daemon'));
    await svc.deactivate(comp('sensor-daemon'));
    await expect(svc.activate(comp('broken'))).rejects.toMatchObject({ resultCode: 1409 });
    await expect(svc.deactivate(comp('broken'))).rejects.toMatchObject({ resultCode: 1410 });
    await expect(svc.activate(comp('plain-lib'))).rejects.toMatchObject({ resultCode: 1411 });
    await expect(svc.activate(comp('evil', 'x; rm -rf /'))).rejects.toThrow(/invalid service name/);
    expect(readFileSync(calls, 'utf8').trim().split('\n')).toEqual([
      'systemctl enable sensord.service',
      'systemctl start sensord.service',
      'systemctl stop sensord.service',
      'systemctl disable sensord.service',
      'systemctl enable broken.service',
      'systemctl stop broken.service',
    ]);
  });

  it('init.d (OpenWrt style and BusyBox without enable), driven through the SCOMO MO', async () => {
    writeFileSync(calls, '');
    const manifests = path.join(work, 'manifests');
    mkdirSync(manifests, { recursive: true });
    writeFileSync(path.join(manifests, 'sensord.json'), JSON.stringify({ id: 'sensord', name: 'Sensor daemon', version: '4.1', service: 'sensord' }));
    const mo = new ScomoMo({
      sources: [manifestFolderSource(manifests)],
      store: new DurableStore(new NodeFileStorage(path.join(work, 'state-svc'))),
      activator: new ServiceActivator({ kind: 'initd', initDir }),
    });
    expect(await mo.exec('Inventory/Deployed/sensord/Operations/Deactivate', { correlator: 'd1' })).toBe(202);
    await mo.idle();
    expect(await mo.get('Inventory/Deployed/sensord/State')).toMatchObject({ data: '10' });
    await new ServiceActivator({ kind: 'initd', initDir, enable: false }).activate(comp('sensord', 'sensord'));
    expect(readFileSync(calls, 'utf8').trim().split('\n')).toEqual(['init.d/sensord stop', 'init.d/sensord disable', 'init.d/sensord start']);
    expect((await mo.pendingReports()).map((r) => [r.resultCode, r.identifier])).toEqual([[1200, 'sensord']]);
  });
});
