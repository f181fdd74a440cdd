// Issue 16 items 5 and 6: no result report is lost, and delivery is what the docs say (docs/robustness.md "Damaged
// state" and "Delivery: at least once"). A FUMO job runs to its end with the file writer while its report session
// is refused (the report stays pending); then the state files are damaged between runs the way a bad disk or a torn
// write would (bytes flipped in the current copy, in both copies, the current copy truncated), and the next commands
// must all work (no exit 1), `status` must show the pending report, `daemon --once` must deliver it exactly as the
// journal says, and the damaged files must be kept aside as `*.corrupt-<time>`. The same on Node and on host qjs.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js';
import { agentConfig, prepareRuntime, runAgent, runtimeSkipReason, type AgentRuntime } from './support/agent.js';
import { fumoUserStory } from './support/fumo-story.js';
import { flip, keptAside, truncateHalf } from './support/state-damage.js';

const RUNTIMES: AgentRuntime[] = ['node', 'qjs'];
const RUN_MS = 30_000;

interface Rig {
  rt: AgentRuntime;
  server: DmServer;
  proxy: FaultProxy;
  config: string;
  state: string;
  dir: string;
  devId: string;
  /** DM requests from this one on (1-based, through the proxy) are refused: the server never sees them. */
  refuseFrom: number;
}

const rigs: Rig[] = [];
afterAll(async () => {
  for (const r of rigs) {
    await r.proxy.close();
    await r.server.close();
  }
});

let devCounter = 0;

async function rig(rt: AgentRuntime, kind: 'fumo' | 'scomo'): Promise<Rig> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-outbox-'));
  const image = randomBytes(64_000);
  const imageHash = createHash('sha256').update(image).digest('hex');
  const fw = path.join(dir, 'fw.bin');
  writeFileSync(fw, image);
  let proxyBase = '';
  const story = fumoUserStory({ name: 'outbox-fumo', hash: imageHash, version: '9.9.9', url: (u) => u.replace(/^http:\/\/[^/]+/, proxyBase) });
  const server =
    kind === 'fumo'
      ? await startDmServer({ port: 0, respUri: false, scenario: story, files: { 'fw.bin': fw } })
      : await startDmServer({ port: 0, respUri: false, scenario: 'scomo-200', files: { 'com.example.app-1.1.pkg': new Uint8Array(Buffer.from('package payload v1.1\n')) } });
  const r = { rt, server, dir, refuseFrom: Infinity } as Rig;
  r.proxy = await startFaultProxy(server.baseUrl, (q) => (q.cls === 'dm' && q.nInClass >= r.refuseFrom ? { kind: 'refuse' } : { kind: 'pass' }));
  proxyBase = r.proxy.baseUrl;
  r.devId = `MAC:00000016${(++devCounter).toString(16).padStart(4, '0').toUpperCase()}`;
  const config: Record<string, unknown> = {
    server: { url: r.proxy.url, timeoutMs: 3000 },
    request: { retries: 0 },
    device: { devIdScheme: 'fixed', devId: r.devId },
    ui: { mode: 'headless' },
    log: { level: 'info' },
  };
  if (kind === 'fumo') config.fumo = { writer: { type: 'file', path: path.join(dir, 'slot.img') }, reboot: [], allowHttp: true, requireHash: true };
  else {
    const manifests = path.join(dir, 'components');
    mkdirSync(manifests);
    writeFileSync(path.join(manifests, 'app.json'), JSON.stringify({ id: 'com.example.app', name: 'com.example.app', version: '1.0', description: 'sensor app' }));
    const script = path.join(dir, 'installer.sh');
    writeFileSync(
      script,
      `#!/bin/sh\nset -e\ncase "$1" in\n  install) echo '{"id":"com.example.app","name":"com.example.app","version":"1.1","description":"sensor app"}' > "${manifests}/app.json"\n    echo component=com.example.app ;;\n  *) exit 0 ;;\nesac\n`,
    );
    chmodSync(script, 0o755);
    config.scomo = { enabled: true, inventory: { dpkg: false, opkg: false, manifests }, installer: { type: 'script', script } };
  }
  const c = agentConfig(config, `outbox-${rt}`);
  r.config = c.config;
  r.state = c.state;
  rigs.push(r);
  return r;
}

interface Report {
  kind?: string;
  correlator?: string;
  resultCode?: number;
  duplicate?: boolean;
  devId?: string;
}

function reports(r: Rig): Report[] {
  return (JSON.parse(r.server.state()).reports as Report[]).filter((x) => x.devId === r.devId);
}

function counted(r: Rig): Report[] {
  return (JSON.parse(r.server.state()).countedReports as Report[]).filter((x) => x.devId === r.devId);
}

function dmRequests(r: Rig): number {
  return r.proxy.log.filter((e) => e.cls === 'dm').length;
}

async function agent(r: Rig, args: string[]) {
  const run = await runAgent(r.rt, ['--config', r.config, '--json', ...args], { timeoutMs: RUN_MS });
  // Whatever was damaged, no command may end in an internal error (exit 1).
  expect(run.code, `${args.join(' ')}: ${run.stderr}`).not.toBe(1);
  expect(run.code, `${args.join(' ')}: ${run.stderr}`).not.toBe(-1);
  expect(run.stderr).not.toMatch(/internal error|TypeError|RangeError/);
  return run;
}

async function status(r: Rig): Promise<{ pendingReports: Array<{ source: string; ref?: string }>; lines: string[] }> {
  const run = await agent(r, ['status']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').pop()!);
}

/** One FUMO job whose report reached the server, and a second one whose report session was refused (pending). */
async function twoJobsSecondPending(r: Rig): Promise<{ first: Report; pendingRef: string }> {
  const one = await agent(r, ['request', '--user']);
  expect(one.code, one.stderr).toBe(0);
  expect(reports(r)).toMatchObject([{ kind: 'fumo', resultCode: 200 }]);
  // The second request: its session (2 DM messages) passes, the report session after the job is refused.
  r.refuseFrom = dmRequests(r) + 3;
  const two = await agent(r, ['request', '--user']);
  expect(two.code, two.stderr).toBe(0);
  r.refuseFrom = Infinity;
  expect(reports(r)).toHaveLength(1); // the server has not seen the second report
  const s = await status(r);
  expect(s.pendingReports).toHaveLength(1);
  return { first: reports(r)[0], pendingRef: s.pendingReports[0].ref! };
}

function kept(r: Rig, name: string): string[] {
  return keptAside(r.state, name);
}

/** The second job's report is delivered by `daemon --once`, once, with the result the job had. */
async function deliveredOnce(r: Rig, first: Report): Promise<void> {
  const d = await agent(r, ['daemon', '--once']);
  expect(d.code, d.stderr).toBe(0);
  const got = reports(r);
  expect(got).toHaveLength(2);
  expect(got[1]).toMatchObject({ kind: 'fumo', resultCode: 200, duplicate: false });
  expect(got[1].correlator).not.toBe(first.correlator);
  expect((await status(r)).pendingReports).toEqual([]);
  // Later commands work and send nothing again.
  const later = await agent(r, ['session']);
  expect(later.code, later.stderr).toBe(0);
  expect(reports(r)).toHaveLength(2);
}

for (const rt of RUNTIMES) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`damaged outbox and journal on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    it('current outbox copy flipped: its previous copy predates the report, which is rebuilt from the journal', async () => {
      const r = await rig(rt, 'fumo');
      const { first, pendingRef } = await twoJobsSecondPending(r);
      flip(path.join(r.state, 'fumo-reports'));
      const s = await status(r);
      expect(s.pendingReports.map((p) => p.ref)).toEqual([pendingRef]);
      // `status` holds no lock: it repairs in memory only and says so; the next locked command keeps the copy aside.
      expect(s.lines.join('\n')).toMatch(/state fumo-reports: damaged, recovered from its previous copy \(the next command that holds the state lock keeps the damaged copy aside\)/);
      expect(kept(r, 'fumo-reports')).toHaveLength(0);
      await deliveredOnce(r, first);
      expect(kept(r, 'fumo-reports')).toHaveLength(1);
    }, 120_000);

    it('current outbox copy truncated: the same', async () => {
      const r = await rig(rt, 'fumo');
      const { first, pendingRef } = await twoJobsSecondPending(r);
      truncateHalf(path.join(r.state, 'fumo-reports'));
      expect((await status(r)).pendingReports.map((p) => p.ref)).toEqual([pendingRef]);
      await deliveredOnce(r, first);
      expect(kept(r, 'fumo-reports')).toHaveLength(1);
    }, 120_000);

    it('both outbox copies flipped: set aside (kept), every command works, the report is rebuilt and delivered', async () => {
      const r = await rig(rt, 'fumo');
      const { first, pendingRef } = await twoJobsSecondPending(r);
      flip(path.join(r.state, 'fumo-reports'));
      flip(path.join(r.state, 'fumo-reports.prev'));
      const s = await status(r);
      expect(s.pendingReports.map((p) => p.ref)).toEqual([pendingRef]);
      expect(s.lines.join('\n')).toContain('state fumo-reports: damaged in both copies, set aside');
      await deliveredOnce(r, first);
      expect(kept(r, 'fumo-reports').sort()).toEqual([expect.stringMatching(/^fumo-reports\.corrupt-\d+$/), expect.stringMatching(/^fumo-reports\.prev\.corrupt-\d+$/)]);
    }, 120_000);

    it('both journal copies flipped: set aside, the outbox still delivers the report', async () => {
      const r = await rig(rt, 'fumo');
      const { first, pendingRef } = await twoJobsSecondPending(r);
      flip(path.join(r.state, 'fumo'));
      truncateHalf(path.join(r.state, 'fumo.prev'));
      const s = await status(r);
      expect(s.pendingReports.map((p) => p.ref)).toEqual([pendingRef]);
      await deliveredOnce(r, first);
      expect(kept(r, 'fumo')).toHaveLength(2);
      // A new job runs on the fresh journal.
      const again = await agent(r, ['request', '--user']);
      expect(again.code, again.stderr).toBe(0);
      expect(reports(r)).toHaveLength(3);
    }, 120_000);

    it('an acknowledged report is not sent again when the outbox comes back from a copy that still had it pending', async () => {
      const r = await rig(rt, 'fumo');
      const one = await agent(r, ['request', '--user']);
      expect(one.code, one.stderr).toBe(0);
      expect(reports(r)).toHaveLength(1);
      // The outbox's current copy (report acknowledged) is lost; its .prev still holds the report as pending.
      flip(path.join(r.state, 'fumo-reports'));
      expect((await status(r)).pendingReports).toEqual([]);
      const d = await agent(r, ['daemon', '--once']);
      expect(d.code, d.stderr).toBe(0);
      expect(reports(r)).toHaveLength(1);
    }, 120_000);

    it('at least once, counted once: the server acknowledgement is lost, the agent re-sends, the server flags the repeat', async () => {
      const r = await rig(rt, 'fumo');
      const { first } = await twoJobsSecondPending(r);
      // The server records the report, then the connection is cut before its answer (a lost 200).
      r.server.setDmFault({ mode: 'drop-response', devId: r.devId });
      const lost = await agent(r, ['session']);
      expect(lost.code).not.toBe(0);
      expect(reports(r)).toHaveLength(2);
      expect((await status(r)).pendingReports).toHaveLength(1); // not acknowledged: still pending
      const again = await agent(r, ['session']);
      expect(again.code, again.stderr).toBe(0);
      expect((await status(r)).pendingReports).toEqual([]);
      const got = reports(r);
      expect(got.map((x) => [x.correlator === first.correlator, x.resultCode, x.duplicate])).toEqual([
        [true, 200, false],
        [false, 200, false],
        [false, 200, true],
      ]);
      // Same Correlator and result: the server counts the second job's report once.
      expect(counted(r).map((x) => x.correlator)).toEqual([first.correlator, got[1].correlator]);
    }, 120_000);

    it('SCOMO: a damaged current copy of the journal still delivers the pending report (its outbox holds it); both copies damaged never stop the agent', async () => {
      const r = await rig(rt, 'scomo');
      // The whole story passes except the OperationComplete report session (refused: the report stays pending).
      r.refuseFrom = 4;
      const one = await agent(r, ['request', '--user', '--component', 'com.example.app']);
      expect(one.code, one.stderr).toBe(0);
      r.refuseFrom = Infinity;
      expect(reports(r)).toHaveLength(0);
      const st0 = await status(r);
      expect(st0.pendingReports, `${st0.lines.join('\n')}\n${JSON.stringify(r.proxy.log)}\n${one.stdout}\n${one.stderr}`).toHaveLength(1);
      flip(path.join(r.state, 'scomo'));
      const d = await agent(r, ['daemon', '--once']);
      expect(d.code, d.stderr).toBe(0);
      expect(kept(r, 'scomo')).toHaveLength(1);
      expect(reports(r)).toMatchObject([{ kind: 'scomo', resultCode: 1200, duplicate: false }]);
      expect((await status(r)).pendingReports).toEqual([]);
      // Both copies damaged: kept aside, SCOMO starts empty, every command still works.
      flip(path.join(r.state, 'scomo'));
      flip(path.join(r.state, 'scomo.prev'));
      const s = await status(r);
      expect(s.lines.join('\n')).toContain('state scomo: damaged in both copies, set aside');
      expect(kept(r, 'scomo').length).toBe(1);
      for (const args of [['session'], ['daemon', '--once'], ['request', '--device']]) await agent(r, args);
      expect(kept(r, 'scomo').length).toBe(3);
    }, 120_000);
  });
}
