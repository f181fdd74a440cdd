import { describe, expect, it } from 'vitest';
import type { Component } from '../src/inventory/component.js';
import type { InventorySource } from '../src/inventory/source.js';
import {
  AmbiguousComponentError,
  Installer,
  JsonStore,
  OPERATION_COMPLETE_ALERT,
  PackageDownload,
  ScomoConfig,
  ScomoError,
  ScomoMo,
  ScomoResult,
  nodeNameFor,
  operationCompleteAlert,
  parseOperationCompleteData,
} from '../src/scomo/index.js';
import { buildUpdateRequest } from '../src/alerts/update-request.js';

/** A store whose contents outlive ScomoMo instances (a "restart" is a new instance over the same store). */
class MemoryStore implements JsonStore {
  data: Record<string, string> = {};
  puts = 0;
  failPuts = false;
  async get(name: string) {
    return Object.prototype.hasOwnProperty.call(this.data, name) ? JSON.parse(this.data[name]) : null;
  }
  async put(name: string, value: unknown) {
    if (this.failPuts) throw new Error('disk gone');
    this.puts++;
    this.data[name] = JSON.stringify(value);
  }
}

function comp(id: string, version = '1.0', extra: Partial<Component> = {}): Component {
  return { id, name: id, version, state: 'active', source: 'test', ...extra };
}

class MutableSource implements InventorySource {
  name = 'test';
  constructor(public components: Component[]) {}
  async list() {
    return this.components.map((c) => ({ ...c }));
  }
}

/** Installer that "installs" into the MutableSource, as dpkg would into its status file. */
function fakeInstaller(src: MutableSource, log: string[] = []): Installer {
  return {
    async install(req) {
      log.push(`install ${req.path} activate=${req.activate}`);
      const m = /(\w[\w-]*)_([\d.]+)\.pkg$/.exec(req.path);
      if (!m) throw new Error(`cannot install ${req.path}`);
      src.components = src.components.filter((c) => c.id !== m[1]).concat([comp(m[1], m[2])]);
      return { componentIds: [m[1]] };
    },
    async remove(c) {
      log.push(`remove ${c.id}`);
      src.components = src.components.filter((x) => x.id !== c.id);
    },
  };
}

const okDownload: PackageDownload = async (url) => ({ path: '/var/cache/' + url.split('/').pop(), sha256: 'ab'.repeat(32) });

function setup(over: Partial<ScomoConfig> = {}, store = new MemoryStore(), src = new MutableSource([comp('openssl', '3.0.11'), comp('modem-fw', '2.4.0')])) {
  const removed: string[] = [];
  const log: string[] = [];
  const config: ScomoConfig = {
    sources: [src],
    store,
    download: okDownload,
    installer: fakeInstaller(src, log),
    files: { remove: async (p) => void removed.push(p) },
    activator: { activate: async (c) => void log.push(`activate ${c.id}`), deactivate: async (c) => void log.push(`deactivate ${c.id}`) },
    ...over,
  };
  return { mo: new ScomoMo(config), store, src, removed, log, config };
}

async function addPackage(mo: ScomoMo, p: string, url: string, pkgId = 'pkg-' + p) {
  expect(await mo.add(`Download/${p}`, { format: 'node' })).toBe(200);
  expect(await mo.add(`Download/${p}/PkgID`, { data: pkgId })).toBe(200);
  expect(await mo.add(`Download/${p}/Name`, { data: 'Package ' + p })).toBe(200);
  expect(await mo.add(`Download/${p}/PkgURL`, { data: url })).toBe(200);
}

describe('SCOMO tree shape (docs/protocol.md §6.1)', () => {
  it('root, Inventory and Deployed leaves with formats', async () => {
    const { mo } = setup();
    expect(await mo.get('')).toEqual({ status: 200, format: 'node', type: 'urn:oma:mo:oma-scomo:1.1', data: 'Download/Inventory' });
    expect(await mo.get('./SCOMO/Inventory')).toMatchObject({ data: 'Delivered/Deployed' });
    expect((await mo.list('Inventory/Deployed')).children).toEqual(['openssl', 'modem-fw']);
    expect(await mo.get('Inventory/Deployed/openssl')).toMatchObject({ format: 'node', data: 'ID/Name/Version/State/Status/Operations' });
    expect(await mo.get('Inventory/Deployed/openssl/Version')).toEqual({ status: 200, format: 'chr', data: '3.0.11' });
    expect(await mo.get('Inventory/Deployed/openssl/State')).toEqual({ status: 200, format: 'int', data: '20' });
    expect(await mo.get('Inventory/Deployed/openssl/Status')).toEqual({ status: 200, format: 'int', data: '10' });
    expect(await mo.get('Inventory/Deployed/openssl/Operations')).toMatchObject({ data: 'Activate/Deactivate/Remove' });
    expect((await mo.get('Inventory/Deployed/nothere')).status).toBe(404);
    expect((await mo.get('Bogus')).status).toBe(404);
  });

  it('Download/<x>: Add, Replace, Delete and their error codes', async () => {
    const { mo } = setup();
    await addPackage(mo, 'p1', 'https://example.com/a_2.0.pkg');
    expect(await mo.add('Download/p1', {})).toBe(418);
    expect(await mo.add('Download/p1/PkgURL', { data: 'x' })).toBe(418);
    expect(await mo.replace('Download/p1/PkgURL', { data: new TextEncoder().encode('https://e/b_3.pkg') })).toBe(200);
    expect(await mo.get('Download/p1/PkgURL')).toEqual({ status: 200, format: 'chr', data: 'https://e/b_3.pkg' });
    expect(await mo.get('Download/p1')).toMatchObject({ data: 'PkgID/Name/PkgURL/Status/Operations' });
    expect(await mo.get('Download/p1/Status')).toEqual({ status: 200, format: 'int', data: '10' });
    expect(await mo.replace('Download/p1/Status', { data: '40' })).toBe(405);
    expect(await mo.add('Download/p1/Colour', { data: 'red' })).toBe(405);
    expect(await mo.replace('Download/nope/PkgURL', { data: 'x' })).toBe(404);
    expect(await mo.replace('Inventory/Deployed/openssl/Version', { data: '9' })).toBe(405);
    expect(await mo.delete('Inventory/Deployed/openssl')).toBe(405);
    expect(await mo.delete('Download/p1/Name')).toBe(200);
    expect((await mo.get('Download/p1/Name')).status).toBe(404);
    expect(await mo.delete('Download/p1')).toBe(200);
    expect(await mo.delete('Download/p1')).toBe(404);
    // Adding a leaf under a missing <x> creates it (implicit interior node).
    expect(await mo.add('Download/p2/PkgURL', { data: 'u' })).toBe(200);
    expect((await mo.list('Download')).children).toEqual(['p2']);
  });

  it('Exec: 404 for unknown nodes, 405 for nodes that are not operations', async () => {
    const { mo } = setup();
    expect(await mo.exec('Download/none/Operations/Download')).toBe(404);
    expect(await mo.exec('Inventory/Deployed/openssl')).toBe(405);
    expect(await mo.exec('Inventory/Deployed/openssl/Operations/Explode')).toBe(404);
  });
});

describe('Deployed <x> names and outside changes', () => {
  it('keeps each component under the same <x> across restarts and reorderings', async () => {
    const store = new MemoryStore();
    const src = new MutableSource([comp('b'), comp('libc6:amd64'), comp('a')]);
    const first = setup({}, store, src).mo;
    expect((await first.list('Inventory/Deployed')).children).toEqual(['b', 'libc6_amd64', 'a']);
    // Restart with a different order, a new component and one whose sanitised name collides.
    const src2 = new MutableSource([comp('libc6_amd64'), comp('a'), comp('libc6:amd64'), comp('b')]);
    const second = setup({}, store, src2).mo;
    const found = await second.findDeployed('libc6:amd64');
    expect(found && found.x).toBe('libc6_amd64');
    expect((await second.findDeployed('libc6_amd64'))!.x).toBe('libc6_amd64-2');
    expect((await second.findDeployed('a'))!.uri).toBe('./SCOMO/Inventory/Deployed/a');
  });

  it('shows packages installed or removed outside the agent at the next read', async () => {
    const { mo, src } = setup();
    src.components.push(comp('newpkg', '0.1'));
    expect(await mo.get('Inventory/Deployed/newpkg/Version')).toMatchObject({ data: '0.1' });
    src.components = src.components.filter((c) => c.id !== 'openssl');
    expect((await mo.get('Inventory/Deployed/openssl')).status).toBe(404);
    src.components[0] = comp('modem-fw', '2.5.0');
    expect(await mo.get('Inventory/Deployed/modem-fw/Version')).toMatchObject({ data: '2.5.0' });
  });

  it('findDeployed by ID, by name, case-insensitively, ambiguous, absent', async () => {
    const src = new MutableSource([comp('libx:amd64', '1', { name: 'libx' }), comp('libx:i386', '1', { name: 'libx' }), comp('ModemFW', '2', { name: 'Modem Firmware' })]);
    const { mo } = setup({}, new MemoryStore(), src);
    expect((await mo.findDeployed('libx:i386'))!.component.id).toBe('libx:i386');
    expect((await mo.findDeployed('modem firmware'))!.uri).toBe('./SCOMO/Inventory/Deployed/ModemFW');
    await expect(mo.findDeployed('libx')).rejects.toBeInstanceOf(AmbiguousComponentError);
    expect(await mo.findDeployed('nothing')).toBeNull();
  });

  it('node names contain no "/" and stay short', () => {
    expect(nodeNameFor('a/b c:d')).toBe('a_b_c_d');
    expect(nodeNameFor('x'.repeat(100)).length).toBe(48);
    expect(nodeNameFor('..')).toBe('c');
  });
});

describe('operations and OperationComplete reports (docs/protocol.md §6.3, §6.4)', () => {
  it('DownloadInstall: 202, then the component is deployed and one report names it', async () => {
    const { mo, removed, log } = setup({ alert: { markSuccess: 'harmless' } });
    await addPackage(mo, 'p1', 'https://example.com/pkgs/openssl_3.1.0.pkg', 'openssl-3.1.0');
    expect(await mo.exec('./SCOMO/Download/p1/Operations/DownloadInstall', { correlator: 'scomo-42' })).toBe(202);
    await mo.idle();
    expect(log).toContain('install /var/cache/openssl_3.1.0.pkg activate=true');
    expect(removed).toEqual(['/var/cache/openssl_3.1.0.pkg']);
    expect(await mo.get('Inventory/Deployed/openssl/Version')).toMatchObject({ data: '3.1.0' });
    expect(await mo.get('Inventory/Deployed/openssl/PkgIDRef')).toMatchObject({ data: 'openssl-3.1.0' });
    expect(await mo.get('Download/p1/Status')).toMatchObject({ data: '10' });
    const reports = await mo.pendingReports();
    expect(reports).toHaveLength(1);
    const r = reports[0];
    expect(r).toMatchObject({
      correlator: 'scomo-42',
      sourceUri: './SCOMO/Download/p1/Operations/DownloadInstall',
      targetUri: './SCOMO/Inventory/Deployed/openssl',
      resultCode: 1200,
      identifier: 'openssl',
      format: 'xml',
      mark: 'harmless',
    });
    expect(operationCompleteAlert(r, '4')).toEqual({
      kind: 'Alert',
      cmdID: '4',
      data: '1226',
      correlator: 'scomo-42',
      items: [
        {
          source: { locURI: './SCOMO/Download/p1/Operations/DownloadInstall' },
          target: { locURI: './SCOMO/Inventory/Deployed/openssl' },
          meta: { type: OPERATION_COMPLETE_ALERT, format: 'xml', mark: 'harmless' },
          data: '<ResultCode>1200</ResultCode><Identifier>openssl</Identifier>',
        },
      ],
    });
  });

  it('Download then Delivered Install; then Deactivate, Activate and Remove of the deployed component', async () => {
    const { mo, log, removed } = setup();
    await addPackage(mo, 'p2', 'https://e/tool_1.5.pkg', 'tool-pkg');
    expect(await mo.exec('Download/p2/Operations/Download')).toBe(202);
    await mo.idle();
    expect(await mo.get('Download/p2/Status')).toMatchObject({ data: '40' });
    expect(await mo.get('Inventory/Delivered/p2/State')).toMatchObject({ data: '10' });
    expect(await mo.get('Inventory/Delivered/p2/PkgID')).toMatchObject({ data: 'tool-pkg' });
    expect(await mo.exec('Inventory/Delivered/p2/Operations/InstallInactive', { correlator: 'c2' })).toBe(202);
    await mo.idle();
    expect(await mo.get('Inventory/Delivered/p2/State')).toMatchObject({ data: '20' });
    expect(await mo.get('Inventory/Deployed/tool/State')).toMatchObject({ data: '10' });
    expect(await mo.exec('Inventory/Deployed/tool/Operations/Activate')).toBe(202);
    await mo.idle();
    expect(await mo.get('Inventory/Deployed/tool/State')).toMatchObject({ data: '20' });
    expect(await mo.exec('Inventory/Deployed/tool/Operations/Deactivate')).toBe(202);
    expect(await mo.exec('Inventory/Deployed/tool/Operations/Remove')).toBe(202);
    expect(await mo.exec('Inventory/Delivered/p2/Operations/Remove')).toBe(202);
    await mo.idle();
    expect((await mo.get('Inventory/Deployed/tool')).status).toBe(404);
    expect((await mo.get('Inventory/Delivered/p2')).status).toBe(404);
    expect(log).toEqual(['install /var/cache/tool_1.5.pkg activate=false', 'activate tool', 'deactivate tool', 'remove tool']);
    expect(removed).toEqual(['/var/cache/tool_1.5.pkg']);
    const reports = await mo.pendingReports();
    expect(reports.map((r) => [r.sourceUri.replace('./SCOMO/', ''), r.targetUri, r.resultCode, r.identifier])).toEqual([
      ['Download/p2/Operations/Download', './SCOMO/Inventory/Delivered/p2', 1200, 'tool-pkg'],
      ['Inventory/Delivered/p2/Operations/InstallInactive', './SCOMO/Inventory/Deployed/tool', 1200, 'tool'],
      ['Inventory/Deployed/tool/Operations/Activate', './SCOMO/Inventory/Deployed/tool', 1200, 'tool'],
      ['Inventory/Deployed/tool/Operations/Deactivate', './SCOMO/Inventory/Deployed/tool', 1200, 'tool'],
      ['Inventory/Deployed/tool/Operations/Remove', './SCOMO/Inventory/Deployed/tool', 1200, 'tool'],
      ['Inventory/Delivered/p2/Operations/Remove', './SCOMO/Inventory/Delivered/p2', 1200, 'tool-pkg'],
    ]);
    expect(reports[1].correlator).toBe('c2');
    expect(reports[0].correlator).toBeUndefined();
    expect(new Set(reports.map((r) => r.id)).size).toBe(6);
  });

  const failing = (e: unknown) => async () => Promise.reject(e);
  it.each([
    ['plain download error', 1402, { download: failing(new Error('connection reset')) }, '20'],
    ['download validation (hash)', 1407, { download: failing(Object.assign(new Error('sha256 mismatch'), { kind: 'validation' })) }, '20'],
    ['download auth', 1403, { download: failing(Object.assign(new Error('401'), { kind: 'auth' })) }, '20'],
    ['download server unavailable', 1501, { download: failing(Object.assign(new Error('no answer'), { kind: 'unavailable' })) }, '20'],
    ['disk full while downloading', 1404, { download: failing(Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' })) }, '20'],
    ['installer failure', 1405, { installer: { install: failing(new Error('dpkg: error processing')), remove: failing(new Error('x')) } }, '70'],
    ['package validation by the installer', 1407, { installer: { install: failing(new ScomoError(1407, 'not a debian archive')), remove: failing(new Error('x')) } }, '70'],
    ['no installer', 1411, { installer: undefined }, '70'],
  ] as [string, number, Partial<ScomoConfig>, string][])('%s → %i', async (_name, code, over, status) => {
    const { mo, removed } = setup(over);
    await addPackage(mo, 'p', 'https://e/openssl_9.pkg');
    expect(await mo.exec('Download/p/Operations/DownloadInstall', { correlator: 'k' })).toBe(202);
    await mo.idle();
    const [r] = await mo.pendingReports();
    expect(r.resultCode).toBe(code);
    expect(r.identifier).toBe('pkg-p');
    expect(r.mark).toBe('warning');
    expect(r.targetUri).toBeUndefined();
    expect(parseOperationCompleteData(operationCompleteAlert(r, '1').items[0].data as string)).toEqual({ resultCode: code, identifier: 'pkg-p' });
    expect(await mo.get('Download/p/Status')).toMatchObject({ data: status });
    if (status === '70') expect(removed).toEqual(['/var/cache/openssl_9.pkg']);
    expect(await mo.get('Inventory/Deployed/openssl/Version')).toMatchObject({ data: '3.0.11' });
  });

  it('missing PkgURL → 1402; unsupported EnvType → 1413', async () => {
    const { mo } = setup({ supportedEnvTypes: ['deb'] });
    await mo.add('Download/a', {});
    await mo.add('Download/b/PkgURL', { data: 'https://e/openssl_4.pkg' });
    await mo.add('Download/b/EnvType', { data: 'docker' });
    await mo.exec('Download/a/Operations/Download');
    await mo.exec('Download/b/Operations/DownloadInstall');
    await mo.idle();
    expect((await mo.pendingReports()).map((r) => r.resultCode)).toEqual([1402, 1413]);
  });

  it('Deployed failures: remove 1408, activate 1409 (Status 40), deactivate 1410 (Status 60), no activator 1411', async () => {
    const boom = async () => Promise.reject(new Error('systemctl failed'));
    const { mo } = setup({ installer: { install: boom, remove: boom }, activator: { activate: boom, deactivate: boom } });
    for (const op of ['Remove', 'Activate', 'Deactivate']) expect(await mo.exec(`Inventory/Deployed/openssl/Operations/${op}`)).toBe(202);
    await mo.idle();
    expect((await mo.pendingReports()).map((r) => r.resultCode)).toEqual([1408, 1409, 1410]);
    expect(await mo.get('Inventory/Deployed/openssl/Status')).toMatchObject({ data: '60' });
    const bare = setup({ activator: undefined }).mo;
    await bare.exec('Inventory/Deployed/openssl/Operations/Activate');
    await bare.idle();
    expect((await bare.pendingReports())[0].resultCode).toBe(1411);
  });

  it('while a job for Download/<x> is pending, its leaves cannot change (405)', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const { mo } = setup({ download: async (u) => (await gate, okDownload(u, {})) });
    await addPackage(mo, 'p', 'https://e/openssl_5.pkg');
    expect(await mo.exec('Download/p/Operations/DownloadInstall')).toBe(202);
    expect(await mo.replace('Download/p/PkgURL', { data: 'https://evil/x' })).toBe(405);
    expect(await mo.delete('Download/p')).toBe(405);
    expect(await mo.get('Download/p/Status')).toMatchObject({ data: '30' });
    release();
    await mo.idle();
    expect((await mo.pendingReports())[0].resultCode).toBe(1200);
  });
});

describe('pending reports: one per job, kept until acknowledged (at-least-once)', () => {
  it('kept until acknowledged, re-offered after a restart, never after an ack', async () => {
    const store = new MemoryStore();
    const a = setup({}, store);
    await a.mo.exec('Inventory/Deployed/openssl/Operations/Deactivate', { correlator: 'c1' });
    await a.mo.idle();
    const [r] = await a.mo.pendingReports();
    // Restart before the server acknowledged: the same report (same id) is offered again.
    const b = setup({}, store).mo;
    expect(await b.pendingReports()).toEqual([r]);
    expect(await b.acknowledge(r.id)).toBe(true);
    expect(await b.acknowledge(r.id)).toBe(false);
    expect(await b.pendingReports()).toEqual([]);
    const c = setup({}, store).mo;
    expect(await c.pendingReports()).toEqual([]);
    // The deactivation itself survived the restarts.
    expect(await c.get('Inventory/Deployed/openssl/State')).toMatchObject({ data: '10' });
  });

  it('a job interrupted by a restart runs again and reports once; a job that keeps dying is given up with 1412', async () => {
    const store = new MemoryStore();
    const hang: PackageDownload = () => new Promise(() => undefined); // the process "dies" mid-download
    const a = setup({ download: hang }, store);
    await addPackage(a.mo, 'p', 'https://e/openssl_7.pkg');
    expect(await a.mo.exec('Download/p/Operations/DownloadInstall', { correlator: 'c7' })).toBe(202);
    await new Promise((r) => setTimeout(r, 10));
    expect(JSON.parse(store.data.scomo).jobs).toHaveLength(1);
    // Restart: resume() runs the accepted job to completion.
    const b = setup({}, store, new MutableSource([comp('openssl', '3.0.11')]));
    expect(await b.mo.pendingReports()).toEqual([]);
    b.mo.resume();
    await b.mo.idle();
    const reports = await b.mo.pendingReports();
    expect(reports.map((r) => [r.resultCode, r.correlator, r.identifier])).toEqual([[1200, 'c7', 'openssl']]);
    expect(await b.mo.pendingJobs()).toEqual([]);
    b.mo.resume();
    await b.mo.idle();
    expect(await b.mo.pendingReports()).toHaveLength(1);

    // A job that dies at every start: after maxStarts it is reported as 1412 and never run again.
    const store2 = new MemoryStore();
    for (let i = 0; i < 2; i++) {
      const s = setup({ download: hang }, store2);
      if (i === 0) {
        await addPackage(s.mo, 'q', 'https://e/openssl_8.pkg');
        await s.mo.exec('Download/q/Operations/DownloadInstall');
      } else s.mo.resume();
      await new Promise((r) => setTimeout(r, 10));
    }
    const last = setup({ download: hang }, store2).mo;
    last.resume();
    await last.idle();
    const [given] = await last.pendingReports();
    expect(given.resultCode).toBe(1412);
    expect(given.detail).toMatch(/interrupted 2 times/);
    expect(await last.get('Download/q/Status')).toMatchObject({ data: '20' });
  });

  it('Exec is not accepted when the job cannot be stored', async () => {
    const store = new MemoryStore();
    const { mo } = setup({}, store);
    await mo.list('Inventory/Deployed');
    store.failPuts = true;
    await expect(mo.exec('Inventory/Deployed/openssl/Operations/Remove')).rejects.toThrow(/disk gone/);
    store.failPuts = false;
    expect(await mo.pendingJobs()).toEqual([]);
  });
});

describe('client-initiated request (docs/protocol.md §6.5, seed 003)', () => {
  it('user request for one component, Data present and empty', async () => {
    const { mo } = setup();
    const found = await mo.findDeployed('modem-fw');
    // the live builder (src/alerts/update-request.ts) over a component the MO found
    expect(buildUpdateRequest('user', { kind: 'scomo', componentUri: found!.uri })).toEqual({
      type: 'urn:oma:at:scomo:1.1:UpdateUserRequest',
      format: 'chr',
      data: '',
      sourceUri: './SCOMO/Inventory/Deployed/modem-fw',
    });
    const device = buildUpdateRequest('device', { kind: 'scomo' });
    expect(device.type).toBe('urn:oma:at:scomo:1.1:UpdateDeviceRequest');
    expect(device.sourceUri).toBeUndefined();
    expect(() => buildUpdateRequest('user', { kind: 'scomo', componentUri: './SCOMO/Download/p' })).toThrow(/Inventory\/Deployed/);
  });
  it('escapes the identifier in the result Data', () => {
    const alert = operationCompleteAlert(
      { id: 'r1', sourceUri: 's', resultCode: ScomoResult.Successful, identifier: 'a<b>&c', format: 'xml', mark: 'informational' },
      '9',
    );
    expect(alert.items[0].data).toBe('<ResultCode>1200</ResultCode><Identifier>a&lt;b&gt;&amp;c</Identifier>');
    expect(parseOperationCompleteData(alert.items[0].data as string).identifier).toBe('a<b>&c');
    expect(() => new ScomoError(200, 'x')).toThrow(RangeError);
  });
});
