import { describe, expect, it } from 'vitest';
import { DmTree } from '../src/tree/dm-tree.js';
import { DurableStore } from '../src/state/index.js';
import { MemoryStorage } from '../src/state/memory-storage.js';
import { genericAlertCommand } from '../src/dm/generic-alert.js';
import { ScomoMo, scomoReportSource, type Installer } from '../src/scomo/index.js';
import type { Component } from '../src/inventory/component.js';
import { staticSource } from '../src/inventory/source.js';

const ctx = { serverId: 'srv1' };

function build(acl?: string) {
  let components: Component[] = [{ id: 'modem-fw', name: 'Modem firmware', version: '2.4.0', state: 'active', source: 'manifest' }];
  const source = { name: 'm', list: async () => components.map((c) => ({ ...c })) };
  const installer: Installer = {
    async install() {
      components = components.map((c) => (c.id === 'modem-fw' ? { ...c, version: '2.5.0' } : c));
      return { componentIds: ['modem-fw'] };
    },
    async remove() {},
  };
  const store = new DurableStore(new MemoryStorage());
  const mo = new ScomoMo({ sources: [source, staticSource('none', [])], store, installer, download: async () => ({ path: '/tmp/x', sha256: '00' }) });
  const src = scomoReportSource(mo, acl === undefined ? {} : { acl });
  const tree = new DmTree({ store });
  tree.mount(src.mountAt, src.plugin);
  return { tree, mo, src };
}

describe('SCOMO mounted in the DM tree (story C, docs/flows.md)', () => {
  it('server reads the component, adds a package, Execs DownloadInstall; the report goes out as a Generic Alert', async () => {
    const { tree, mo, src } = build();
    const uri = await src.deployedComponentUri('Modem firmware');
    expect(uri).toBe('./SCOMO/Inventory/Deployed/modem-fw');
    const got = await tree.get(`${uri}?list=StructData`, ctx);
    expect(got.status).toBe(200);
    const values: Record<string, unknown> = {};
    for (const i of got.items) values[i.uri.replace(uri, '')] = i.data;
    expect(values).toMatchObject({ '/ID': 'modem-fw', '/Name': 'Modem firmware', '/Version': '2.4.0', '/State': '20' });
    expect(await tree.add('./SCOMO/Download/p1', { format: 'node' }, ctx)).toBe(200);
    expect(await tree.add('./SCOMO/Download/p1/PkgID', { data: 'modem-2.5.0' }, ctx)).toBe(200);
    expect(await tree.add('./SCOMO/Download/p1/PkgURL', { data: 'https://updates.example.com/modem-2.5.0.bin' }, ctx)).toBe(200);
    // Implicit parent creation through the tree (Add of a leaf under a new <x>).
    expect(await tree.add('./SCOMO/Download/p2/PkgURL', { data: 'https://e/x' }, ctx)).toBe(200);
    expect(await tree.add('./SCOMO/Download/p1/PkgID', { data: 'again' }, ctx)).toBe(418);
    expect(await tree.replace(`${uri}/Version`, { data: '9.9' }, ctx)).toBe(405);
    expect(await tree.delete(uri, ctx)).toBe(405);
    expect(await tree.exec(`${uri}/Version`, {}, ctx)).toBe(405);
    expect(await tree.exec('./SCOMO/Download/p1/Operations/DownloadInstall', { correlator: 'c-77' }, ctx)).toBe(202);
    const lines = await src.runPendingJobs();
    expect(lines).toEqual(['SCOMO ./SCOMO/Download/p1/Operations/DownloadInstall: 1200 successful (modem-fw)']);
    expect((await tree.get(`${uri}/Version`, ctx)).items[0].data).toBe('2.5.0');
    const [alert] = await src.pendingReports();
    expect(genericAlertCommand(alert, '4')).toEqual({
      kind: 'Alert',
      cmdID: '4',
      data: '1226',
      correlator: 'c-77',
      items: [
        {
          source: { locURI: './SCOMO/Download/p1/Operations/DownloadInstall' },
          target: { locURI: './SCOMO/Inventory/Deployed/modem-fw' },
          meta: { type: 'urn:oma:at:scomo:1.0:OperationComplete', format: 'xml', mark: 'informational' },
          data: '<ResultCode>1200</ResultCode><Identifier>modem-fw</Identifier>',
        },
      ],
    });
    await src.acknowledge(alert.ref!);
    expect(await src.pendingReports()).toEqual([]);
    expect(await mo.pendingReports()).toEqual([]);
    await expect(src.deployedComponentUri('nothing-like-this')).rejects.toThrow(/no deployed component has the ID or name "nothing-like-this"/);
  });

  it('the root ACL governs who may Exec (425 for other servers)', async () => {
    const { tree } = build('Get=*&Exec=srv1');
    expect(await tree.exec('./SCOMO/Inventory/Deployed/modem-fw/Operations/Remove', {}, { serverId: 'other' })).toBe(425);
    expect(await tree.add('./SCOMO/Download/p', { format: 'node' }, ctx)).toBe(425);
    expect(await tree.exec('./SCOMO/Inventory/Deployed/modem-fw/Operations/Remove', {}, ctx)).toBe(202);
    expect((await tree.get('./SCOMO', { serverId: 'other' })).items[0]).toMatchObject({ format: 'node', data: 'Download/Inventory' });
  });
});
