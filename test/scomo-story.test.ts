// docs/flows.md story C end to end, in process: the composed agent (src/agent) with SCOMO from the `scomo` config section
// (createNodeScomoSource), a real dpkg database in a scratch root, and the reference DM server's scomo-200 scenario.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { parseConfig } from '../src/config.js';
import { composeAgent } from '../src/agent/compose.js';
import { buildUpdateRequest } from '../src/alerts/update-request.js';
import { createPlatform } from '../platform/node/platform.js';
import { nodeScomoPorts } from '../platform/node/installer/scomo-source.js';
import { scomoSourceFactory } from '../src/agent/platform-sources.js';

const createNodeScomoSource = scomoSourceFactory(async () => nodeScomoPorts());

const hasDpkg = spawnSync('sh', ['-c', 'command -v dpkg && command -v dpkg-deb'], { stdio: 'ignore' }).status === 0;
if (!hasDpkg) console.warn('[scomo story C] skipped: dpkg/dpkg-deb not installed');
const work = mkdtempSync(path.join(tmpdir(), 'scomo-story-'));
let server: DmServer | undefined;
afterAll(async () => {
  if (server) await server.close();
  rmSync(work, { recursive: true, force: true });
});

function deb(version: string): string {
  const dir = path.join(work, `src-${version}`);
  mkdirSync(path.join(dir, 'DEBIAN'), { recursive: true });
  mkdirSync(path.join(dir, 'opt/app'), { recursive: true });
  writeFileSync(path.join(dir, 'DEBIAN/control'), `Package: com.example.app\nVersion: ${version}\nArchitecture: all\nMaintainer: T <t@e>\nDescription: example app\n`);
  writeFileSync(path.join(dir, 'opt/app/VERSION'), version);
  const out = path.join(work, `app-${version}.deb`);
  execFileSync('dpkg-deb', ['--build', '--root-owner-group', dir, out], { stdio: 'ignore' });
  return out;
}

describe.skipIf(!hasDpkg)('story C: a user asks about one component; the server installs a new version', () => {
  it('request → Get StructData → Add + Exec DownloadInstall → dpkg install → OperationComplete acknowledged once', async () => {
    const root = path.join(work, 'root');
    for (const d of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/log']) mkdirSync(path.join(root, d), { recursive: true });
    writeFileSync(path.join(root, 'var/lib/dpkg/status'), '');
    const dpkgArgs = [`--root=${root}`, `--log=${root}/var/log/dpkg.log`];
    execFileSync('dpkg', [...dpkgArgs, '-i', deb('1.0')], { stdio: 'ignore' });

    server = await startDmServer({ scenario: 'scomo-200', files: { 'app.deb': new Uint8Array(readFileSync(deb('1.1'))) }, params: { firmware: 'app.deb' } });
    const config = parseConfig({
      server: { url: server.url, id: 'dm-agent-reference-server', encoding: 'xml' },
      stateDir: path.join(work, 'state'),
      device: { devId: 'IMEI:490154203237518' },
      scomo: {
        inventory: { dpkg: path.join(root, 'var/lib/dpkg/status'), opkg: false },
        installer: { type: 'dpkg', root },
        allowedHosts: ['127.0.0.1'],
      },
    });
    const ports = await createPlatform(config, { verbose: false, json: false });
    const quiet = { log: () => undefined };
    const agent = await composeAgent(config, { ...ports, log: quiet }, { sources: [createNodeScomoSource] });

    const uri = await agent.deployedComponentUri('com.example.app');
    expect(uri).toBe('./SCOMO/Inventory/Deployed/com.example.app');
    const result = await agent.request(buildUpdateRequest('user', { kind: 'scomo', componentUri: uri }), { retry: false });
    expect(result.status).toBe(200);

    // The server read the component (pkg3 Results) before sending the package.
    const values = server.events.results[0].items.map((i) => `${i.source && i.source.locURI}=${i.data}`);
    expect(values).toContain(`${uri}/ID=com.example.app`);
    expect(values).toContain(`${uri}/Version=1.0`);
    expect(values).toContain(`${uri}/State=20`);

    // The job ran after the session and its report was delivered in a follow-up session (one report at the server).
    expect(result.jobs[0]).toBe('SCOMO ./SCOMO/Download/pkg1/Operations/DownloadInstall: 1200 successful (com.example.app)');
    expect(result.jobs[1]).toMatch(/report session .*: 1 of 1 result report\(s\) acknowledged/);
    expect(server.events.reports).toMatchObject([{ kind: 'scomo', resultCode: 1200, identifier: 'com.example.app', occurrence: 1 }]);
    expect(readFileSync(path.join(root, 'opt/app/VERSION'), 'utf8')).toBe('1.1');
    expect((await agent.localGet(`${uri}/Version`)).items[0].data).toBe('1.1');
    expect((await agent.localGet(`${uri}/PkgIDRef`)).items[0].data).toBe('com.example.app-1.1');

    // A later session carries nothing more.
    await agent.session('client');
    expect(server.events.reports).toHaveLength(1);
    expect(server.events.violations).toEqual([]);
    await agent.close();
  });
});
