// Issue 16 item 5 for SCOMO: no OperationComplete report is lost (OMA-TS-DM-SCOMO-V1_0 via an OMA-TS-DM_Protocol-V1_2
// Generic Alert 1226, docs/protocol.md §6.4; docs/robustness.md "Damaged state"). The state dir holds one SCOMO job
// whose report was delivered and acknowledged and a second one that finished while its report session was refused
// (its report pending). Then one SCOMO document is damaged the way a bad disk or a torn write would — the current copy,
// or both copies, of the job journal `scomo` and of the outbox `scomo-reports` in turn — and on the built agent (Node
// and host qjs): `status` exits 0 and lists the pending report, `daemon --once` delivers it once (the reference server
// records it, not as a duplicate) with the second job's Correlator, the finished job is not installed again, the
// damaged files are kept aside, `session` and `request --device` keep working and send nothing more, and a new job
// afterwards is installed and reported.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js';
import { agentConfig, prepareRuntime, runAgent, runtimeSkipReason, type AgentRuntime } from './support/agent.js';
import { flip, keptAside, snapshot } from './support/state-damage.js';

const RUNTIMES: AgentRuntime[] = ['node', 'qjs'];
const RUN_MS = 30_000;

interface Rig {
  server: DmServer;
  proxy: FaultProxy;
  rt: AgentRuntime;
  config: string;
  state: string;
  devId: string;
  /** Every install the script installer ran, one line each. */
  installs: string;
  /** DM requests from this one on (1-based, through the proxy) are refused: the server never sees them. */
  refuseFrom: number;
}

interface Report {
  kind?: string;
  correlator?: string;
  resultCode?: number;
  identifier?: string;
  duplicate?: boolean;
  devId?: string;
}

const rigs: Rig[] = [];
afterAll(async () => {
  for (const r of rigs) {
    await r.proxy.close();
    await r.server.close();
  }
});

let devCounter = 0;

async function rig(rt: AgentRuntime): Promise<Rig> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-scomo-outbox-'));
  const server = await startDmServer({ port: 0, respUri: false, scenario: 'scomo-200', files: { 'com.example.app-1.1.pkg': new Uint8Array(Buffer.from('package payload v1.1\n')) } });
  const r = { rt, server, refuseFrom: Infinity, installs: path.join(dir, 'installs.log') } as Rig;
  r.proxy = await startFaultProxy(server.baseUrl, (q) => (q.cls === 'dm' && q.nInClass >= r.refuseFrom ? { kind: 'refuse' } : { kind: 'pass' }));
  r.devId = `MAC:0000005C${(++devCounter).toString(16).padStart(4, '0').toUpperCase()}`;
  const manifests = path.join(dir, 'components');
  mkdirSync(manifests);
  writeFileSync(path.join(manifests, 'app.json'), JSON.stringify({ id: 'com.example.app', name: 'com.example.app', version: '1.0', description: 'sensor app' }));
  const script = path.join(dir, 'installer.sh');
  writeFileSync(
    script,
    `#!/bin/sh\nset -e\ncase "$1" in\n  install) echo install >> "${r.installs}"\n    echo '{"id":"com.example.app","name":"com.example.app","version":"1.1","description":"sensor app"}' > "${manifests}/app.json"\n    echo component=com.example.app ;;\n  *) exit 0 ;;\nesac\n`,
  );
  chmodSync(script, 0o755);
  const c = agentConfig(
    {
      server: { url: r.proxy.url, timeoutMs: 3000 },
      request: { retries: 0 },
      device: { devIdScheme: 'fixed', devId: r.devId },
      ui: { mode: 'headless' },
      log: { level: 'info' },
      scomo: { enabled: true, inventory: { dpkg: false, opkg: false, manifests }, installer: { type: 'script', script } },
    },
    `scomo-outbox-${rt}`,
  );
  r.config = c.config;
  r.state = c.state;
  rigs.push(r);
  return r;
}

function reports(r: Rig): Report[] {
  return (JSON.parse(r.server.state()).reports as Report[]).filter((x) => x.devId === r.devId);
}

function installs(r: Rig): number {
  return existsSync(r.installs) ? readFileSync(r.installs, 'utf8').trim().split('\n').length : 0;
}

function dmRequests(r: Rig): number {
  return r.proxy.log.filter((e) => e.cls === 'dm').length;
}

/** Runs a command; whatever was damaged, it must exit 0. */
async function agent(r: Rig, args: string[]) {
  const run = await runAgent(r.rt, ['--config', r.config, '--json', ...args], { timeoutMs: RUN_MS });
  expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
  expect(run.stderr).not.toMatch(/internal error|TypeError|RangeError/);
  return run;
}

async function status(r: Rig): Promise<{ pendingReports: Array<{ source: string; ref?: string }>; lines: string[] }> {
  const run = await agent(r, ['status']);
  return JSON.parse(run.stdout.trim().split('\n').pop()!);
}

/** First job delivered and acknowledged; the second one finished, its report session refused (report pending). */
async function secondReportPending(r: Rig): Promise<{ first: Report; ref: string }> {
  await agent(r, ['request', '--user', '--component', 'com.example.app']);
  expect(reports(r)).toMatchObject([{ kind: 'scomo', resultCode: 1200, duplicate: false }]);
  // The second story: its three DM messages pass, the report session after the job is refused.
  r.refuseFrom = dmRequests(r) + 4;
  await agent(r, ['request', '--user', '--component', 'com.example.app']);
  r.refuseFrom = Infinity;
  expect(reports(r)).toHaveLength(1);
  expect(installs(r)).toBe(2);
  const s = await status(r);
  expect(s.pendingReports.map((p) => p.source)).toEqual(['scomo']);
  return { first: reports(r)[0], ref: s.pendingReports[0].ref! };
}

function kept(r: Rig, name: string): string[] {
  return keptAside(r.state, name);
}

const CASES: Array<{ doc: 'scomo' | 'scomo-reports'; both: boolean }> = [
  { doc: 'scomo', both: false },
  { doc: 'scomo', both: true },
  { doc: 'scomo-reports', both: false },
  { doc: 'scomo-reports', both: true },
];

for (const rt of RUNTIMES) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`damaged SCOMO journal and outbox on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    for (const c of CASES) {
      it(`${c.both ? 'both copies' : 'the current copy'} of ${c.doc} damaged: the pending report is still delivered, once, and nothing blocks`, async () => {
        const r = await rig(rt);
        const { first, ref } = await secondReportPending(r);
        flip(path.join(r.state, c.doc));
        if (c.both) flip(path.join(r.state, `${c.doc}.prev`));

        const before = snapshot(r.state);
        const s = await status(r);
        expect(s.pendingReports, s.lines.join('\n')).toEqual([expect.objectContaining({ source: 'scomo', ref })]);
        expect(s.lines.join('\n')).toContain(c.both ? `state ${c.doc}: damaged in both copies, set aside` : `state ${c.doc}: damaged, recovered from its previous copy`);
        // `status` holds no lock, so it repairs in memory only: the disk is exactly as it was (a daemon may be
        // writing next to it; src/state/read-only-view.ts).
        expect(snapshot(r.state)).toEqual(before);
        expect(kept(r, c.doc)).toHaveLength(0);

        await agent(r, ['daemon', '--once']);
        expect(kept(r, c.doc)).toHaveLength(c.both ? 2 : 1);
        const got = reports(r);
        expect(got).toHaveLength(2);
        expect(got[1]).toMatchObject({ kind: 'scomo', resultCode: 1200, identifier: 'com.example.app', duplicate: false });
        expect(got[1].correlator).toBeTruthy();
        expect(got[1].correlator).not.toBe(first.correlator);
        // The finished job was not run again (its journal may have come back from a copy that still listed it).
        expect(installs(r)).toBe(2);
        expect((await status(r)).pendingReports).toEqual([]);

        // Later commands work and send nothing again.
        await agent(r, ['session']);
        await agent(r, ['request', '--device']);
        expect(reports(r)).toHaveLength(2);
        expect(installs(r)).toBe(2);

        // A new job after the damage gets a report id of its own: its report is not taken for an acknowledged one
        // (a journal set aside restarts its counter past the outbox's ids) and reaches the server.
        await agent(r, ['request', '--user', '--component', 'com.example.app']);
        expect(installs(r)).toBe(3);
        const after = reports(r);
        expect(after).toHaveLength(3);
        expect(after[2]).toMatchObject({ kind: 'scomo', resultCode: 1200, duplicate: false });
        expect((await status(r)).pendingReports).toEqual([]);
      }, 180_000);
    }
  });
}
