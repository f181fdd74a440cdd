// `dm-agent status` is one summary an operator can read at a glance (issue 21 item 4; README.md, Command line →
// `status --json`), and the local commands need no server (item 1):
//   - a state directory built by a real session against the reference server (a FUMO update onto A/B slots over the
//     real fw_setenv, operator reboot) and a configured schedule: `status --json` is one JSON document with the
//     firmware version, the slots, the job and its step, the pending reports, the last session and the next check,
//     byte-identical on Node, host qjs and the images' executable (qjs-exe); the text form says the same in aligned lines
//   - a session that failed is recorded as the last session too, with its reason
//   - `info`, `status`, `tree get|list` with no configuration file at all and with one lacking server.url: exit 0;
//     `session` then exits 3 naming server.url
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { agentConfig, prepareRuntime, runAgent, runtimeSkipReason, type AgentRuntime } from './support/agent.js';
import { fumoUserStory } from './support/fumo-story.js';
import { abDevice } from './support/ab-device.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const oldFw = randomBytes(30_000);
const newFw = randomBytes(60_000);

let server: DmServer;
beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-status-srv-'));
  writeFileSync(path.join(dir, 'fw.bin'), newFw);
  const story = fumoUserStory({ name: 'status-json', hash: sha(newFw), version: '2.0' });
  server = await startDmServer({ port: 0, scenario: story, files: { 'fw.bin': path.join(dir, 'fw.bin') } });
});
afterAll(() => server.close());

const RUNTIMES: AgentRuntime[] = ['node', 'qjs', 'qjs-exe'];
const available = RUNTIMES.filter((rt) => !runtimeSkipReason(rt));
const NEXT_RUN_AT = Date.parse('2030-01-02T03:04:05.000Z');

/** A device on slot A with the update to 2.0 activated on B and waiting for the operator's reboot. */
async function deviceAfterUpdate(): Promise<{ config: string; state: string }> {
  const c = agentConfig({}, 'status-json');
  const d = await abDevice(c.dir, oldFw, new Map([[sha(oldFw), '1.0']]));
  writeFileSync(
    c.config,
    JSON.stringify(
      d.config('MAC:020000002104', {
        server: { url: server.url, id: 'dm-agent-reference-server', encoding: 'wbxml' },
        stateDir: c.state,
        triggers: { schedule: { every: '24h' } },
      }),
    ),
  );
  const r = await runAgent('node', ['--config', c.config, 'request', '--user'], { timeoutMs: 180_000 });
  expect(r.code, r.stderr).toBe(0);
  // The daemon's stored plan (src/triggers/runner.ts), as a running daemon would have left it.
  writeFileSync(path.join(c.state, 'schedule.json'), JSON.stringify({ nextRunAt: NEXT_RUN_AT, lastRunAt: NEXT_RUN_AT - 86_400_000 }));
  return { config: c.config, state: c.state };
}

describe('status summary on node, qjs and qjs-exe', () => {
  beforeAll(() => {
    for (const rt of available) prepareRuntime(rt);
  }, 900_000);

  it(`status --json is one document, the same on ${available.join(', ')}; the text form says the same`, async () => {
    const d = await deviceAfterUpdate();
    const docs: Record<string, string> = {};
    const texts: Record<string, string> = {};
    for (const rt of available) {
      const j = await runAgent(rt, ['--config', d.config, '--json', 'status']);
      expect(j.code, `${rt}: ${j.stderr}`).toBe(0);
      expect(j.stdout.trim().split('\n'), `${rt}: one line, one document`).toHaveLength(1);
      docs[rt] = j.stdout;
      const t = await runAgent(rt, ['--config', d.config, 'status']);
      expect(t.code, `${rt}: ${t.stderr}`).toBe(0);
      texts[rt] = t.stdout;
    }
    for (const rt of available) {
      expect(docs[rt], `${rt} vs node`).toBe(docs.node);
      expect(texts[rt], `${rt} vs node`).toBe(texts.node);
    }
    const s = JSON.parse(docs.node);
    expect(s).toMatchObject({
      ok: true,
      server: server.url,
      stateDir: d.state,
      firmwareVersion: '1.0',
      slots: { booted: 'A', primary: 'B', pendingCommit: true },
      job: { source: 'fumo', operation: 'DownloadAndUpdate', step: 'VerifyBoot', result: null },
      pendingReports: [],
      lastSession: { server: server.url, serverId: 'dm-agent-reference-server', initiator: 'client', outcome: 'ok', end: 'completed' },
      nextCheck: { at: '2030-01-02T03:04:05.000Z', lastRunAt: '2030-01-01T03:04:05.000Z', everyMs: 86_400_000, window: null },
    });
    expect(Date.now() - Date.parse(s.lastSession.at)).toBeLessThan(600_000);
    expect(s.lastSession.sessionId).toMatch(/^[0-9A-F]+$/);
    const text = texts.node;
    expect(text).toMatch(/^firmware: +1\.0$/m);
    expect(text).toMatch(/^slots: +booted A, primary B, commit pending$/m);
    expect(text).toMatch(/^job: +fumo \S+ DownloadAndUpdate at step VerifyBoot$/m);
    expect(text).toMatch(/^pending reports: +0$/m);
    expect(text).toContain(`last session:    ${s.lastSession.at} client session ${s.lastSession.sessionId} with ${server.url}: ok (completed)`);
    expect(text).toMatch(/^next check: +2030-01-02T03:04:05\.000Z$/m);
    expect(text).toMatch(/awaiting reboot/);
  }, 600_000);

  for (const rt of available) {
    it(`${rt}: a failed session is the last session, with its reason`, async () => {
      // A loopback port nobody listens on: the session fails at once with a network error (exit 4).
      const c = agentConfig({ server: { url: 'http://127.0.0.1:9/dm' }, device: { devIdScheme: 'fixed', devId: 'MAC:020000002105' } }, `status-fail-${rt}`);
      const r = await runAgent(rt, ['--config', c.config, 'session']);
      expect(r.code, r.stderr).toBe(4);
      const s = JSON.parse((await runAgent(rt, ['--config', c.config, '--json', 'status'])).stdout);
      expect(s.lastSession).toMatchObject({ server: 'http://127.0.0.1:9/dm', initiator: 'client', outcome: 'failed' });
      expect(s.lastSession.error).toBeTruthy();
      expect(s.nextCheck).toBeNull();
      expect(s.slots).toBeNull();
    }, 120_000);

    it(`${rt}: info, status and tree run with no configuration at all and without server.url; session needs it (exit 3)`, async () => {
      const dir = mkdtempSync(path.join(tmpdir(), `dm-noconf-${rt}-`));
      const noUrl = path.join(dir, 'config.json');
      writeFileSync(noUrl, JSON.stringify({ device: { devIdScheme: 'fixed', devId: 'MAC:020000002106' } }));
      for (const pre of [['--state-dir', path.join(dir, 'a')], ['--config', noUrl, '--state-dir', path.join(dir, 'b')]]) {
        for (const cmd of [['info'], ['status'], ['--json', 'status'], ['tree', 'list', '.'], ['tree', 'get', './DevInfo/DevId']]) {
          const r = await runAgent(rt, [...pre, ...cmd]);
          expect(r.code, `${pre.join(' ')} ${cmd.join(' ')}: ${r.stderr}`).toBe(0);
          expect(r.stderr).toBe('');
        }
        const st = JSON.parse((await runAgent(rt, [...pre, '--json', 'status'])).stdout);
        expect(st).toMatchObject({ ok: true, server: null, lastSession: null });
        const s = await runAgent(rt, [...pre, 'session']);
        expect(s.code).toBe(3);
        expect(s.stderr).toContain('server.url');
      }
    }, 120_000);
  }
});
