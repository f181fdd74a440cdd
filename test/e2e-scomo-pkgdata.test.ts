// Issue 20 item 5, the SCOMO half, end to end on the built agent (Node and host qjs) against the reference server's
// `scomo-pkgdata` scenario (scripts/server/scomo-pkgdata.ts): on a SCOMO request the server Adds
// ./SCOMO/Inventory/Delivered/pkg1 with PkgID, Name, Version, Adds its Data = a .deb as a b64 large object (MoreData
// chunks, Meta Size = decoded bytes; OMA-TS-DM_SCOMO-V1_0 Inventory/Delivered/<x>/Data, docs/protocol.md §6.1, §1.10),
// then Execs <x>/Operations/Install with a Correlator. The agent streams the chunks to staging, dpkg installs the
// package into a scratch root (--root, its own admindir), and the OperationComplete Generic Alert (1226) carries 1200
// and the Correlator. A package over server.maxObjSize is refused with 413 and nothing is installed. A delivery cut
// off by a kill is journaled: `status` says so, and the next command holding the state lock removes the partial copy.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { agentCommand, agentConfig, prepareRuntime, runAgent, runtimeSkipReason, type AgentRuntime } from './support/agent.js';
import { repoRoot } from './support/qjs.js';

const hasDpkg = spawnSync('sh', ['-c', 'command -v dpkg && command -v dpkg-deb'], { stdio: 'ignore' }).status === 0;
const work = mkdtempSync(path.join(tmpdir(), 'e2e-scomo-pkgdata-'));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
/** 300 KB that do not compress: the .deb is about as big, about 400 KB of base64, 7 chunks of 64 KiB messages. */
const payload = randomBytes(300_000);
const scratch: string[] = [];
let server: DmServer;
/** Delivers a 6 MB package (about 130 chunks): long enough to be killed in the middle of it. */
let bigServer: DmServer;
let deb: Uint8Array;

function buildDeb(name: string, bytes: Uint8Array): Uint8Array {
  const dir = path.join(work, name);
  mkdirSync(path.join(dir, 'DEBIAN'), { recursive: true });
  mkdirSync(path.join(dir, 'opt/app'), { recursive: true });
  writeFileSync(path.join(dir, 'DEBIAN/control'), 'Package: com.example.app\nVersion: 2.0\nArchitecture: all\nMaintainer: T <t@e>\nDescription: delivered through DM\n');
  writeFileSync(path.join(dir, 'opt/app/payload.bin'), bytes);
  execFileSync('dpkg-deb', ['-Znone', '--build', '--root-owner-group', dir, path.join(work, `${name}.deb`)], { stdio: 'ignore' });
  return new Uint8Array(readFileSync(path.join(work, `${name}.deb`)));
}

beforeAll(async () => {
  if (!hasDpkg) return;
  deb = buildDeb('app', payload);
  server = await startDmServer({ port: 0, scenario: 'scomo-pkgdata', files: { 'app.deb': deb }, params: { firmware: 'app.deb', pkgVersion: '2.0' } });
  const big = buildDeb('big', randomBytes(6_000_000));
  bigServer = await startDmServer({ port: 0, scenario: 'scomo-pkgdata', files: { 'app.deb': big }, params: { firmware: 'app.deb', pkgVersion: '2.0' } });
});
afterAll(async () => {
  if (server) await server.close();
  if (bigServer) await bigServer.close();
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

let n = 0;
function device(rt: AgentRuntime, maxObjSize: number, srv: DmServer = server) {
  const devId = `MAC:0200000021${(++n).toString(16).padStart(2, '0').toUpperCase()}`;
  const c = agentConfig({}, `scomo-pkgdata-${rt}`);
  scratch.push(c.dir);
  const root = path.join(c.dir, 'root');
  for (const d of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/log']) mkdirSync(path.join(root, d), { recursive: true });
  writeFileSync(path.join(root, 'var/lib/dpkg/status'), '');
  writeFileSync(
    c.config,
    JSON.stringify({
      server: { url: srv.url, id: 'dm-agent-reference-server', maxMsgSize: 64 * 1024, maxObjSize },
      stateDir: c.state,
      device: { devIdScheme: 'fixed', devId },
      scomo: { inventory: { dpkg: path.join(root, 'var/lib/dpkg/status'), opkg: false }, installer: { type: 'dpkg', root } },
      ui: { mode: 'headless' },
    }),
  );
  const st = () => JSON.parse(srv.state());
  const dataStatuses = () =>
    (st().statuses as Array<{ devId: string; cmd: string; code: number; target?: string }>).filter((s) => s.devId === devId && s.target === './SCOMO/Inventory/Delivered/pkg1/Data').map((s) => s.code);
  const execStatuses = () => (st().statuses as Array<{ devId: string; cmd: string; code: number }>).filter((s) => s.devId === devId && s.cmd === 'Exec').map((s) => s.code);
  const reports = () => (st().reports as Array<{ devId: string; type?: string; resultCode?: number; correlator?: string; data?: string }>).filter((r) => r.devId === devId);
  const dpkgStatus = () => readFileSync(path.join(root, 'var/lib/dpkg/status'), 'utf8');
  return { c, root, dataStatuses, execStatuses, reports, dpkgStatus };
}

for (const rt of ['node', 'qjs'] as AgentRuntime[]) {
  const skip = runtimeSkipReason(rt) || (hasDpkg ? null : 'dpkg/dpkg-deb not installed');
  describe.skipIf(!!skip)(`SCOMO package delivered inside the DM session on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    it('Add Delivered/<x> + Data in chunks → Exec Install → dpkg installed it → OperationComplete 1200 with the Correlator', async () => {
      const d = device(rt, 1024 * 1024);
      const t0 = Date.now();
      const r = await runAgent(rt, ['--config', d.c.config, 'request', '--user', '--scomo'], { timeoutMs: 300_000 });
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.code, r.stderr).toBe(0);
      const codes = d.dataStatuses();
      console.log(`[${rt}] SCOMO Data ${deb.length} bytes: ${codes.length} chunks, request ${Date.now() - t0} ms`);
      expect(codes.length).toBeGreaterThan(4);
      expect(codes).toEqual([...Array(codes.length - 1).fill(213), 200]);
      expect(d.execStatuses()).toEqual([202]);
      // dpkg installed the delivered package into the scratch root.
      expect(d.dpkgStatus()).toMatch(/Package: com\.example\.app\nStatus: install ok installed[\s\S]*Version: 2\.0/);
      expect(sha(readFileSync(path.join(d.root, 'opt/app/payload.bin')))).toBe(sha(payload));
      // The result came back once, as the Generic Alert (1226) OperationComplete with 1200 and the Exec's Correlator.
      const reps = d.reports();
      expect(reps).toHaveLength(1);
      expect(reps[0].type).toBe('urn:oma:at:scomo:1.0:OperationComplete');
      expect(reps[0].resultCode).toBe(1200);
      expect(reps[0].correlator).toMatch(/^scomo-/);
      // The tree shows the node as the server set it, now Installed (State 20), and the component deployed.
      const t = await runAgent(rt, ['--config', d.c.config, 'tree', 'get', './SCOMO/Inventory/Delivered/pkg1/Version']);
      expect(t.stdout.trim()).toBe('2.0');
      const s = await runAgent(rt, ['--config', d.c.config, 'tree', 'get', './SCOMO/Inventory/Delivered/pkg1/State']);
      expect(s.stdout.trim()).toBe('20');
      const v = await runAgent(rt, ['--config', d.c.config, 'tree', 'get', './SCOMO/Inventory/Deployed/com.example.app/Version']);
      expect(v.stdout.trim()).toBe('2.0');
      expect(JSON.parse(server.state()).violations).toEqual([]);
    }, 600_000);

    it('a package larger than server.maxObjSize: 413 on its chunks, Exec Install refused, nothing installed', async () => {
      const d = device(rt, 128 * 1024);
      const r = await runAgent(rt, ['--config', d.c.config, 'request', '--user', '--scomo'], { timeoutMs: 300_000 });
      expect(r.code, r.stderr).toBe(0);
      const codes = d.dataStatuses();
      expect(codes.length).toBeGreaterThan(4);
      expect(codes.every((c) => c === 413)).toBe(true);
      expect(d.execStatuses()).toEqual([405]);
      expect(d.dpkgStatus()).not.toMatch(/com\.example\.app/);
      expect(existsSync(path.join(d.root, 'opt/app/payload.bin'))).toBe(false);
      expect(d.reports()).toEqual([]);
      const staging = path.join(d.c.state, 'scomo-staging');
      expect(existsSync(staging) ? readdirSync(staging) : []).toEqual([]);
    }, 600_000);

    it('a delivery cut off by a kill: the partial copy is removed at the next start and status says why', async () => {
      const d = device(rt, 16 * 1024 * 1024, bigServer);
      const [cmd, ...pre] = agentCommand(rt);
      const child = spawn(cmd, [...pre, '--config', d.c.config, 'request', '--user', '--scomo'], { cwd: repoRoot, stdio: 'ignore' });
      const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
      // Killed (a power cut, as far as the agent can tell) once the server has had 10 chunks acknowledged.
      const t0 = Date.now();
      while (d.dataStatuses().filter((c) => c === 213).length < 10 && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 20));
      child.kill('SIGKILL');
      await exited;
      const staging = path.join(d.c.state, 'scomo-staging');
      const partial = () => readdirSync(staging).map((f) => statSync(path.join(staging, f)).size);
      expect(Math.max(0, ...partial())).toBeGreaterThan(0); // the chunks went to disk as they came
      // `status` (read-only, no state lock) says so and changes no file; the next command holding the lock tidies.
      const st = await runAgent(rt, ['--config', d.c.config, 'status']);
      expect(st.code, st.stderr).toBe(0);
      expect(st.stdout).toMatch(/Delivered\/pkg1: the package delivered through DM .* was cut off before its last chunk; the partial copy is removed by the next command/);
      expect(Math.max(0, ...partial())).toBeGreaterThan(0);
      const next = await runAgent(rt, ['--config', d.c.config, 'daemon', '--once'], { timeoutMs: 120_000 });
      expect(next.code, next.stderr).toBe(0);
      expect(readdirSync(staging)).toEqual([]);
      const after = await runAgent(rt, ['--config', d.c.config, 'status']);
      expect(after.stdout).toMatch(/Delivered\/pkg1: .* was cut off before its last chunk; the partial copy was removed/);
      expect(d.dpkgStatus()).not.toMatch(/com\.example\.app/);
      expect(d.reports()).toEqual([]);
    }, 600_000);
  });
}
