// Exit codes by error class (src/cli/errors.ts EXIT_BY_CLASS), and every configuration section checked when a command
// loads the configuration (src/cli/config-sections.ts): the built agent on Node and on host qjs, one case per error
// class of the table, and a bad `notifications` section refused with exit 3 by daemon --once, session, request and
// status alike, before anything is sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { agentConfig, prepareRuntime, runAgent, runtimeSkipReason, type AgentRuntime } from './support/agent.js';
import { EXIT_BY_CLASS, exitCodeFor } from '../src/cli/errors.js';
import { ConfigError } from '../src/config.js';
import { NotificationConfigError } from '../src/notification/config.js';
import { SessionError } from '../src/dm/session.js';

const runtimes: AgentRuntime[] = ['node', 'qjs', 'qjs-exe'];
/** Nothing listens on port 9 of the loopback: a command that got as far as the network would exit 4. */
const NOBODY = 'http://127.0.0.1:9/dm';
const device = (n: number) => ({ devIdScheme: 'fixed', devId: `MAC:02000000E${n.toString(16).padStart(3, '0').toUpperCase()}` });

let server: DmServer;
const holders: ChildProcess[] = [];
beforeAll(async () => {
  server = await startDmServer({ port: 0, scenario: 'reject-500' });
});
afterAll(async () => {
  for (const h of holders) h.kill('SIGKILL');
  await server.close();
});

describe('the exit-code table', () => {
  it('lists each error class once and maps by class, not by name', () => {
    const classes = EXIT_BY_CLASS.map(([cls]) => cls);
    expect(new Set(classes).size).toBe(classes.length);
    expect(exitCodeFor(new NotificationConfigError('notifications.udp', 'must be an object'))).toBe(3);
    class SectionError extends ConfigError {}
    expect(exitCodeFor(new SectionError('x', 'y'))).toBe(3);
    // Named like a configuration error, but not one: an internal error, not a misleading 3.
    const impostor = new Error('something broke');
    impostor.name = 'DeviceConfigError';
    expect(exitCodeFor(impostor)).toBe(1);
    expect(exitCodeFor(new SessionError('limit', 'too many messages'))).toBe(7);
    expect(exitCodeFor('a string')).toBe(1);
  });
});

for (const rt of runtimes) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`exit codes on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    it('a bad notifications section: exit 3 naming the key, for daemon --once, session, request and status', async () => {
      for (const [notifications, key] of [
        [{ udp: { port: 'loud' } }, 'notifications.udp.port'],
        [{ bogus: true }, 'notifications.bogus'],
      ] as const) {
        const c = agentConfig({ server: { url: NOBODY }, device: device(1), notifications }, `exit-notify-${rt}`);
        for (const cmd of [['daemon', '--once'], ['session'], ['request', '--device'], ['status']]) {
          const r = await runAgent(rt, ['--config', c.config, ...cmd], { timeoutMs: 60_000 });
          expect(r.code, `${cmd.join(' ')}: ${r.stderr}`).toBe(3);
          expect(r.stderr).toContain(key);
        }
      }
    }, 300_000);

    // Our qjs listens itself through dmnative's sockets; only a qjs without them (socat relays into the spool) needs
    // the spool folder, and refuses without one (test/notification-quickjs.test.ts, the socat fallback).
    it('UDP notifications without a spool: runs on Node and on our qjs alike (no socat, no spool needed)', async () => {
      const c = agentConfig({ server: { url: NOBODY }, device: device(11), notifications: { udp: { port: 47_911 } } }, `exit-spool-${rt}`);
      for (const cmd of [['daemon', '--once'], ['status']]) {
        const r = await runAgent(rt, ['--config', c.config, ...cmd], { timeoutMs: 60_000 });
        expect(r.code, `${cmd.join(' ')}: ${r.stderr}`).toBe(0);
        expect(r.stderr).not.toContain('notifications.spool');
      }
    }, 120_000);

    it('every configuration class is exit 3 naming its key, at start-up (session never reaches the network)', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ server: { url: NOBODY, encoding: 'json' } }, 'server.encoding'], // ConfigError
        [{ server: { url: NOBODY }, device: { devIdScheme: 'guess' } }, 'device.devIdScheme'], // DeviceConfigError
        [{ server: { url: NOBODY }, device: device(2), triggers: { schedule: { every: 'soonish' } } }, 'triggers.schedule'], // TriggerConfigError
        [{ server: { url: NOBODY }, device: device(3), ui: { mode: 'telepathy' } }, 'ui.mode'], // UiConfigError
        [{ server: { url: NOBODY }, device: device(4), notifications: { http: 7 } }, 'notifications.http'], // NotificationConfigError
        [{ server: { url: NOBODY }, device: device(5), scomo: { enabled: 'yes' } }, 'scomo.enabled'], // ConfigError from src/scomo
        [{ server: { url: NOBODY }, device: device(6), download: { retries: -1 } }, 'download.retries'], // ConfigError from src/update
      ];
      for (const [config, key] of cases) {
        const c = agentConfig(config, `exit-config-${rt}`);
        const r = await runAgent(rt, ['--config', c.config, 'session'], { timeoutMs: 60_000 });
        expect(r.code, `${key}: ${r.stderr}`).toBe(3);
        expect(r.stderr).toContain(key);
      }
    }, 300_000);

    it('usage 2, bad input 8 (request, input file, WBXML, XML, unknown component), refused 5, network 4', async () => {
      const c = agentConfig({ server: { url: NOBODY }, device: device(7) }, `exit-misc-${rt}`);
      expect((await runAgent(rt, ['frobnicate'])).code).toBe(2); // UsageError

      const badNode = await runAgent(rt, ['--config', c.config, 'request', '--device', '--fumo', 'not a node']); // RequestError
      expect(badNode.code, badNode.stderr).toBe(8);
      expect(badNode.stderr).toContain('not a DM tree URI');

      const missing = await runAgent(rt, ['wbxml', 'decode', path.join(c.dir, 'no-such-file.wbxml')]); // InputError
      expect(missing.code, missing.stderr).toBe(8);
      expect(missing.stderr).toContain('no-such-file.wbxml');

      const garbage = await runAgent(rt, ['wbxml', 'decode', '-'], { input: Buffer.from([0x02, 0x00, 0x00, 0x6a, 0xff, 0xff, 0xff]) }); // WbxmlError
      expect(garbage.code, garbage.stderr).toBe(8);

      const badXml = await runAgent(rt, ['wbxml', 'encode', '-'], { input: '<SyncML><SyncHdr>' }); // SyncmlError
      expect(badXml.code, badXml.stderr).toBe(8);

      const manifests = mkdtempSync(path.join(tmpdir(), 'dm-exit-manifests-'));
      writeFileSync(path.join(manifests, 'app.json'), JSON.stringify({ id: 'app', name: 'app', version: '1.0' }));
      const sc = agentConfig({ server: { url: NOBODY }, device: device(8), scomo: { inventory: { dpkg: false, opkg: false, manifests } } }, `exit-scomo-${rt}`);
      const unknown = await runAgent(rt, ['--config', sc.config, 'request', '--device', '--component', 'no-such-component']); // UnknownComponentError
      expect(unknown.code, unknown.stderr).toBe(8);
      expect(unknown.stderr).toContain('no-such-component');

      const refusing = agentConfig({ server: { url: server.url }, device: device(9) }, `exit-refused-${rt}`);
      const refused = await runAgent(rt, ['--config', refusing.config, 'request', '--device', '--no-retry']); // RefusedError
      expect(refused.code, refused.stderr).toBe(5);

      const down = await runAgent(rt, ['--config', c.config, 'session']); // SessionError (transport)
      expect(down.code, down.stderr).toBe(4);
    }, 300_000);

    it('busy 9 while another process holds the state lock', async () => {
      const c = agentConfig({ server: { url: NOBODY }, device: device(10) }, `exit-busy-${rt}`);
      mkdirSync(c.state, { mode: 0o700 });
      const lock = path.join(c.state, 'lock');
      const holder = spawn('flock', [lock, 'sleep', '60'], { stdio: 'ignore' });
      holders.push(holder);
      const deadline = Date.now() + 10_000;
      while (spawnSync('flock', ['-n', lock, 'true']).status === 0) {
        if (Date.now() > deadline) throw new Error('the flock holder never took the lock');
        await new Promise((r) => setTimeout(r, 50));
      }
      const busy = await runAgent(rt, ['--config', c.config, 'session']); // BusyError
      expect(busy.code, busy.stderr).toBe(9);
      holder.kill('SIGKILL');
    }, 120_000);
  });
}
