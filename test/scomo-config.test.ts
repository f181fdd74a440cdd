import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseConfig, ConfigError } from '../src/config.js';
import { parseScomoConfig } from '../src/scomo/config.js';
import { nodeScomoPorts } from '../platform/node/installer/scomo-source.js';
import { scomoSourceFactory } from '../src/agent/platform-sources.js';

const createNodeScomoSource = scomoSourceFactory(async () => nodeScomoPorts());
import { DurableStore } from '../src/state/index.js';
import { MemoryStorage } from '../src/state/memory-storage.js';
import { DmTree } from '../src/tree/dm-tree.js';
import type { ComposeContext } from '../src/agent/compose.js';

const work = mkdtempSync(path.join(tmpdir(), 'scomo-config-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('scomo configuration section', () => {
  it('defaults', () => {
    const c = parseScomoConfig({ enabled: true }, '/var/lib/dm-agent/');
    expect(c).toEqual({
      enabled: true,
      uri: './SCOMO',
      inventory: { dpkg: '/var/lib/dpkg/status', opkg: '/usr/lib/opkg/status' },
      stagingDir: '/var/lib/dm-agent/scomo-staging',
      allowedHosts: [],
      allowHttp: true,
      envTypes: [],
      alert: { format: 'xml', markSuccess: 'informational', markFailure: 'warning' },
    });
    expect(parseScomoConfig({}, '/s').enabled).toBe(false);
  });
  it.each([
    [{ colour: 1 }, /scomo.colour: unknown key/],
    [{ uri: 'SCOMO' }, /scomo.uri: must be an absolute tree URI/],
    [{ installer: { type: 'rpm' } }, /scomo.installer.type: must be dpkg, opkg or script/],
    [{ installer: { type: 'script' } }, /scomo.installer.script: is required/],
    [{ installer: { type: 'script', script: '/x', exitCodes: { 7: 404 } } }, /exitCodes.7: must be a SCOMO result code/],
    [{ installer: { type: 'script', script: '/x', exitCodes: { abc: 1460 } } }, /keys must be exit codes/],
    [{ service: { type: 'upstart' } }, /scomo.service.type: must be systemd or initd/],
    [{ alert: { markFailure: 'loud' } }, /scomo.alert.markFailure: must be one of fatal/],
    [{ inventory: { dpkg: 3 } }, /scomo.inventory.dpkg: must be a non-empty string/],
  ])('refuses %j', (section, message) => {
    expect(() => parseScomoConfig(section as Record<string, unknown>, '/s')).toThrowError(ConfigError);
    expect(() => parseScomoConfig(section as Record<string, unknown>, '/s')).toThrowError(message);
  });
});

describe('createNodeScomoSource', () => {
  it('wires manifests, a script installer/activator and the tree mount from the config', async () => {
    const manifests = path.join(work, 'components');
    mkdirSync(manifests);
    writeFileSync(path.join(manifests, 'modem.json'), JSON.stringify({ id: 'modem-fw', name: 'Modem firmware', version: '2.4.0' }));
    const script = path.join(work, 'tool.sh');
    writeFileSync(script, '#!/bin/sh\n[ "$1" = deactivate ] && exit 0\nexit 1\n');
    chmodSync(script, 0o755);
    const config = parseConfig(
      {
        server: { url: 'http://127.0.0.1:1/dm', id: 'srv1' },
        stateDir: path.join(work, 'state'),
        scomo: { inventory: { dpkg: false, opkg: path.join(work, 'no-opkg-status'), manifests }, installer: { type: 'script', script }, acl: 'Get=*&Exec=srv1' },
      },
      {},
    );
    const store = new DurableStore(new MemoryStorage());
    const silent = { log: () => undefined };
    const ctx = {
      config,
      ports: { clock: { now: () => Date.now(), sleep: async () => undefined }, random: { bytes: (n: number) => new Uint8Array(n) }, log: silent },
      store,
      tree: new DmTree({ store }),
    } as unknown as ComposeContext;
    const src = await createNodeScomoSource(ctx);
    expect(src).not.toBeNull();
    ctx.tree.mount(src!.mountAt, src!.plugin);
    expect(await src!.deployedComponentUri('modem firmware')).toBe('./SCOMO/Inventory/Deployed/modem-fw');
    expect(await ctx.tree.exec('./SCOMO/Inventory/Deployed/modem-fw/Operations/Deactivate', { correlator: 'x' }, { serverId: 'other' })).toBe(425);
    expect(await ctx.tree.exec('./SCOMO/Inventory/Deployed/modem-fw/Operations/Deactivate', { correlator: 'x' }, { serverId: 'srv1' })).toBe(202);
    expect(await ctx.tree.exec('./SCOMO/Inventory/Deployed/modem-fw/Operations/Activate', {}, { serverId: 'srv1' })).toBe(202);
    expect(await src!.runPendingJobs()).toEqual([
      'SCOMO ./SCOMO/Inventory/Deployed/modem-fw/Operations/Deactivate: 1200 successful (modem-fw)',
      expect.stringMatching(/^SCOMO .*Activate: 1409 failed \(modem-fw\): .*activate failed \(exit 1\)/),
    ]);
    expect((await src!.pendingReports()).map((a) => [a.type, a.data, a.mark])).toEqual([
      ['urn:oma:at:scomo:1.0:OperationComplete', '<ResultCode>1200</ResultCode><Identifier>modem-fw</Identifier>', 'informational'],
      ['urn:oma:at:scomo:1.0:OperationComplete', '<ResultCode>1409</ResultCode><Identifier>modem-fw</Identifier>', 'warning'],
    ]);
    expect(await src!.status()).toEqual(['SCOMO jobs pending: 0']);
  });

  it('returns null when SCOMO is not configured', async () => {
    const config = parseConfig({ server: { url: 'http://127.0.0.1:1/dm', id: 's' }, stateDir: path.join(work, 's2') }, {});
    expect(await createNodeScomoSource({ config } as unknown as ComposeContext)).toBeNull();
  });
});
