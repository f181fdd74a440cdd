// The trust boundary end to end (issue 15, docs/security.md): against a reference server that lies, the agent on
// Node, host qjs and (for the downgrade and the report acknowledgement) arm64 qjs under qemu must not send weaker
// credentials, must not drop a result report on an impostor's 200, must not follow an impostor's RespURI, must end
// with exit 6 when the server never authenticated, and must keep an honest MD5 server's nonce in step.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { hasOpenssl, makeCertificates } from './support/certs.js';
import { agentConfig, prepareRuntime, runAgent, runtimeSkipReason, type AgentRuntime } from './support/agent.js';
import { fumoUserStory } from './support/fumo-story.js';
import { allowViolationsInThisTest } from './support/conformance.js';

const CLIENT_SECRET = 'cl1ent-Trust-!x';
const SERVER_SECRET = 'srv-Trust-?y';
const SERVER_CRED = { type: 'basic' as const, name: 'srv', secret: SERVER_SECRET };

let servers: DmServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function server(opts: Parameters<typeof startDmServer>[0]): Promise<DmServer> {
  const s = await startDmServer({ port: 0, ...opts });
  servers.push(s);
  return s;
}

let devCounter = 0;
function devId(rt: AgentRuntime): string {
  return `MAC:7${['node', 'qjs', 'qjs-aarch64', 'qjs-armhf', 'qjs-exe'].indexOf(rt)}00000${(++devCounter).toString(16).padStart(4, '0').toUpperCase()}`;
}

interface InMessage {
  dir: 'in' | 'out';
  msg: { hdr: { cred?: { meta?: { type?: string }; data: string } } };
}

function inMessages(s: DmServer): InMessage[] {
  return (JSON.parse(s.state()).messages as InMessage[]).filter((m) => m.dir === 'in');
}

async function pendingReports(rt: AgentRuntime, config: string): Promise<unknown[]> {
  const r = await runAgent(rt, ['--config', config, '--json', 'status']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!).pendingReports as unknown[];
}


const rows: string[] = [];
afterAll(() => {
  if (rows.length && process.env.DM_AGENT_TEST_SUMMARY) console.log(['| runtime | item | observed |', '|---|---|---|', ...rows].join('\n'));
});

const ALL: AgentRuntime[] = ['node', 'qjs', 'qjs-aarch64', 'qjs-exe'];

for (const rt of ALL) {
  const skip = runtimeSkipReason(rt);
  // Under qemu only the items the issue names for arm64 (1 and 2) run; the others are the same core code.
  const hostItems = rt !== 'qjs-aarch64';
  const hostIt = hostItems ? it : () => undefined;
  describe.skipIf(!!skip)(`trust boundary on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    it('1. a Chal for a weaker scheme (basic) ends the session with exit 6 and no basic Cred is ever sent', async () => {
      for (const configured of ['md5', 'hmac'] as const) {
        const s = await server({ scenario: 'accept-202', auth: { type: 'basic', user: 'gw1', secret: CLIENT_SECRET } });
        const c = agentConfig({ server: { url: s.url, clientAuth: { type: configured, name: 'gw1', secret: CLIENT_SECRET } }, device: { devIdScheme: 'fixed', devId: devId(rt) } }, 'trust');
        const r = await runAgent(rt, ['--config', c.config, 'request', '--device'], { timeoutMs: 120_000 });
        expect(r.code, r.stderr).toBe(6);
        expect(r.stderr).toMatch(/weaker than the configured/);
        const msgs = inMessages(s);
        expect(msgs.length).toBe(1); // package 1 only
        const basic = Buffer.from(`gw1:${CLIENT_SECRET}`).toString('base64');
        expect(JSON.stringify(msgs)).not.toContain(basic);
        for (const m of msgs) expect(m.msg.hdr.cred && m.msg.hdr.cred.meta && m.msg.hdr.cred.meta.type).not.toBe('syncml:auth-basic');
        rows.push(`| ${rt} | 1. ${configured} configured, impostor challenges basic | exit ${r.code}; messages received by the impostor: ${msgs.length}; basic Cred sent: no |`);
      }
    }, 240_000);

    it("2. a result report leaves the outbox only on a 200 from an authenticated server, never on an impostor's", async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'dm-trust-fw-'));
      const image = randomBytes(64 * 1024);
      const fw = path.join(dir, 'fw.bin');
      writeFileSync(fw, image);
      const hash = createHash('sha256').update(image).digest('hex');
      let honestCode = 500;
      const honest = await server({ respUri: false, scenario: fumoUserStory({ name: 'trust-fumo', hash, version: '9.9.9', reportStatus: () => honestCode }), files: { 'fw.bin': fw }, serverCred: SERVER_CRED });
      const impostor = await server({ respUri: false, scenario: 'accept-202', serverCred: { ...SERVER_CRED, wrong: true } });
      const c = agentConfig(
        {
          server: { url: honest.url, serverAuth: SERVER_CRED },
          device: { devIdScheme: 'fixed', devId: devId(rt) },
          fumo: { writer: { type: 'file', path: path.join(dir, 'slot.img') }, reboot: [], allowHttp: true, requireHash: true },
          ui: { mode: 'headless' },
        },
        'trust',
      );
      const first = await runAgent(rt, ['--config', c.config, 'request', '--user'], { timeoutMs: 180_000 });
      expect(first.code, first.stderr).toBe(0);
      // The honest server answered the report 500: it stays pending.
      expect((await pendingReports(rt, c.config)).length).toBe(1);

      const bad = await runAgent(rt, ['--config', c.config, 'session', '--server', impostor.url], { timeoutMs: 120_000 });
      expect(bad.code, bad.stderr).toBe(6);
      const impostorSaw = JSON.parse(impostor.state()).reports.length;
      expect(impostorSaw).toBe(1); // the impostor got the report and answered 200 ...
      expect((await pendingReports(rt, c.config)).length).toBe(1); // ... which counts for nothing

      honestCode = 200;
      const good = await runAgent(rt, ['--config', c.config, 'session'], { timeoutMs: 120_000 });
      expect(good.code, good.stderr).toBe(0);
      expect(await pendingReports(rt, c.config)).toEqual([]);
      const delivered = (JSON.parse(honest.state()).reports as Array<{ resultCode?: number }>).filter((x) => x.resultCode === 200);
      expect(delivered.length).toBe(2); // answered 500 once, then acknowledged
      rows.push(`| ${rt} | 2. report answered 200 by an impostor (wrong basic server Cred) | exit ${bad.code}; report still pending; acknowledged later by the honest server |`);
    }, 400_000);

    hostIt('3. RespURI: never from an impostor; from an authenticated server only to an allowed host', async () => {
      // The RespURI points at another server on purpose: the one behind it sees a session from its second message on.
      allowViolationsInThisTest('a RespURI that leads to a different server', ['msgid-order', 'status-unknown', 'results-unknown', 'pkg1-no-alert', 'pkg1-devinfo', 'missing-status']);
      // A listener on another loopback address stands for a foreign host: it must receive nothing unless listed.
      const trap = await server({ host: '127.0.0.2', scenario: 'accept-202' });
      const impostor = await server({ scenario: 'get-devdetail', respUriOverride: trap.url, serverCred: { ...SERVER_CRED, wrong: true } });
      const c = agentConfig({ server: { url: impostor.url, serverAuth: SERVER_CRED }, device: { devIdScheme: 'fixed', devId: devId(rt) } }, 'trust');
      const r = await runAgent(rt, ['--config', c.config, 'request', '--device']);
      expect(r.code, r.stderr).toBe(6);
      expect(inMessages(impostor).length).toBeGreaterThan(1); // the agent answered (refusals) at the configured URL
      expect(inMessages(trap).length).toBe(0);

      const honest = await server({ scenario: 'get-devdetail', respUriOverride: trap.url, serverCred: SERVER_CRED });
      const c2 = agentConfig({ server: { url: honest.url, serverAuth: SERVER_CRED }, device: { devIdScheme: 'fixed', devId: devId(rt) } }, 'trust');
      const r2 = await runAgent(rt, ['--config', c2.config, 'request', '--device']);
      expect(r2.code, r2.stderr).toBe(7);
      expect(r2.stderr).toMatch(/RespURI host 127\.0\.0\.2 is neither the configured server's host nor listed in server\.respUriHosts/);
      expect(inMessages(trap).length).toBe(0);

      const c3 = agentConfig({ server: { url: honest.url, serverAuth: SERVER_CRED, respUriHosts: ['127.0.0.2'] }, device: { devIdScheme: 'fixed', devId: devId(rt) } }, 'trust');
      await runAgent(rt, ['--config', c3.config, 'request', '--device']);
      expect(inMessages(trap).length).toBeGreaterThan(0);
      // From https to http (same host): refused, the message with our credentials is never sent in clear text.
      if (hasOpenssl) {
        const certs = makeCertificates(mkdtempSync(path.join(tmpdir(), 'dm-trust-certs-')));
        const plain = await server({ scenario: 'accept-202' });
        const tls = await server({ scenario: 'get-devdetail', respUriOverride: plain.url, serverCred: SERVER_CRED, tls: { cert: path.join(certs.dir, 'good.pem'), key: path.join(certs.dir, 'good.key') } });
        expect(tls.url).toMatch(/^https:/);
        const c4 = agentConfig({ server: { url: tls.url, serverAuth: SERVER_CRED, tls: { caFile: certs.ca } }, device: { devIdScheme: 'fixed', devId: devId(rt) } }, 'trust');
        const r4 = await runAgent(rt, ['--config', c4.config, 'request', '--device']);
        expect(r4.code, r4.stderr).toBe(7);
        expect(r4.stderr).toMatch(/from https to http/);
        expect(inMessages(plain).length).toBe(0);
        rows.push(`| ${rt} | 3. RespURI from https to http | exit ${r4.code}; 0 messages over http |`);
      }
      rows.push(`| ${rt} | 3. RespURI to 127.0.0.2 | impostor: exit ${r.code}, 0 messages there; authenticated: exit ${r2.code}; listed in respUriHosts: followed |`);
    }, 120_000);

    hostIt('4. a server that never authenticates ends the request with exit 6, not "server answered 202"', async () => {
      for (const cred of [{ type: 'md5' as const, name: 'srv', secret: SERVER_SECRET }, SERVER_CRED]) {
        const s = await server({ scenario: 'accept-202', serverCred: { ...cred, wrong: true } });
        const c = agentConfig({ server: { url: s.url, serverAuth: cred }, device: { devIdScheme: 'fixed', devId: devId(rt) } }, 'trust');
        const r = await runAgent(rt, ['--config', c.config, '--json', 'request', '--device']);
        expect(r.code, r.stderr).toBe(6);
        expect(r.stdout).not.toMatch(/server answered/);
        expect(r.stderr).toMatch(/server did not authenticate: server credentials do not match/);
        expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toMatchObject({ ok: false, exitCode: 6 });
        rows.push(`| ${rt} | 4. wrong ${cred.type} server credentials, server answers 202 | exit ${r.code}: ${r.stderr.trim().split('\n').pop()} |`);
      }
    }, 60_000);

    hostIt('6. an honest MD5 server stays in step: every session authenticates, none is refused', async () => {
      // Both sides start from the nonce provisioned with the credentials (server.serverAuth.nonce).
      const nonce = Buffer.from('bootstrap-nonce!').toString('base64');
      const cred = { type: 'md5' as const, name: 'srv', secret: SERVER_SECRET };
      const s = await server({ scenario: 'accept-202', serverCred: { ...cred, nonce } });
      const c = agentConfig({ server: { url: s.url, serverAuth: { ...cred, nonce } }, device: { devIdScheme: 'fixed', devId: devId(rt) } }, 'trust');
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) codes.push((await runAgent(rt, ['--config', c.config, 'request', '--device'])).code);
      expect(codes).toEqual([0, 0, 0, 0]);
      // With commands in between (the agent's Chal reaches the server), then quiet again.
      s.setScenario('get-devdetail');
      codes.push((await runAgent(rt, ['--config', c.config, 'request', '--device'])).code);
      s.setScenario('accept-202');
      for (let i = 0; i < 2; i++) codes.push((await runAgent(rt, ['--config', c.config, 'request', '--device'])).code);
      expect(codes).toEqual([0, 0, 0, 0, 0, 0, 0]);
      // And the agent never refused the server's credentials (a stale nonce shows up as 401 in the session with commands).
      const hdrStatuses = (JSON.parse(s.state()).sessions as Array<{ serverHdrStatuses: number[] }>).flatMap((x) => x.serverHdrStatuses);
      expect(hdrStatuses.length).toBeGreaterThan(0);
      expect(hdrStatuses.filter((x) => x !== 212 && x !== 200)).toEqual([]);
      rows.push(`| ${rt} | 6. seven sessions with an honest md5 server (quiet, with commands, quiet) | exits ${codes.join(',')} |`);
    }, 120_000);
  });
}
