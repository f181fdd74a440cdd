// "Check now" with a daemon running (issue 21 item 6, docs/handoff.md): `dm-agent request` hands its request to the
// daemon through the state directory instead of competing with it for the state lock, and prints what the daemon
// answered as if it had run the request itself; SIGHUP makes the daemon read its configuration again. The same
// scenarios on Node, on qjs with the bundle and on the bytecode executable the images ship.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { agentCommand, agentConfig, prepareRuntime, runAgent, runtimeSkipReason, type AgentRuntime } from './support/agent.js';
import { startDaemon } from './support/daemon.js';
import { fumoUserStory } from './support/fumo-story.js';
import { until, wait } from './support/wait.js';

const USER_ALERT = 'org.openmobilealliance.dm.firmwareupdate.userrequest';
const DEVICE_ALERT = 'org.openmobilealliance.dm.firmwareupdate.devicerequest';
const MiB = 1024 * 1024;
const image = randomBytes(4 * MiB);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let server: DmServer;
let fumoServer: DmServer;
beforeAll(async () => {
  server = await startDmServer({ port: 0, scenario: 'accept-202' });
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-handoff-srv-'));
  writeFileSync(path.join(dir, 'fw.bin'), image);
  fumoServer = await startDmServer({ port: 0, scenario: fumoUserStory({ name: 'handoff', hash: sha(image), version: '2.0' }), files: { 'fw.bin': path.join(dir, 'fw.bin') } });
});
afterAll(async () => {
  await server.close();
  await fumoServer.close();
});

function alerts(devId: string, type: string): number {
  return JSON.parse(server.state()).genericAlerts.filter((a: { devId: string; type?: string }) => a.devId === devId && a.type === type).length;
}
function inbound(devId: string): number {
  return JSON.parse(server.state()).messages.filter((m: { devId?: string; dir: string }) => m.devId === devId && m.dir === 'in').length;
}
/**
 * A request whose session the server slows down by `delayMs` (its first message is held), started in the background;
 * resolves once that message has arrived; `done` is the request's outcome, still to come.
 */
async function slowedRequest(rt: AgentRuntime, s: { args: string[]; devId: string }, words: string[], delayMs: number) {
  server.setDmFault({ mode: 'delay', delayMs, devId: s.devId });
  const before = inbound(s.devId);
  const outcome = runAgent(rt, [...s.args, 'request', ...words]);
  try {
    await until('the slowed session', () => inbound(s.devId) > before);
  } finally {
    server.setDmFault(undefined);
  }
  return { done: outcome }; // wrapped: an async function would wait for a promise it returns
}

/** Session ids differ from run to run; everything else of the output must not. */
const masked = (text: string) => text.replace(/session [0-9A-F]+:/g, 'session X:').replace(/"sessionId":"[0-9A-F]+"/g, '"sessionId":"X"');
const spoolFiles = (state: string) => (existsSync(path.join(state, 'requests')) ? readdirSync(path.join(state, 'requests')) : []);

let n = 0;
function setup(rt: AgentRuntime, extra: Record<string, unknown> = {}) {
  const devId = `MAC:02000000B${ARM_TOO.indexOf(rt) + 1}${(++n).toString(16).padStart(2, '0').toUpperCase()}`;
  const c = agentConfig({ server: { url: server.url, timeoutMs: 60_000 }, device: { devIdScheme: 'fixed', devId }, log: { level: 'info' }, ...extra }, `handoff-${rt}`);
  return { ...c, devId, args: ['--config', c.config] };
}

// arm64 under qemu: the scenarios that show the protocol (answer, kill, reload); the timing ones run on the host.
const ARM_TOO: AgentRuntime[] = ['node', 'qjs', 'qjs-exe', 'qjs-aarch64'];
for (const rt of ARM_TOO) {
  const hostOnly = rt === 'qjs-aarch64';
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`request handed to the daemon on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    it('the daemon runs it: the same lines, JSON and exit codes as the command alone; the spool is left empty', async () => {
      const s = setup(rt);
      const alone = await runAgent(rt, [...s.args, 'request', '--user']);
      const aloneJson = await runAgent(rt, ['--json', ...s.args, 'request', '--device']);
      const aloneRefused = await runAgent(rt, [...s.args, 'request', '--user', '--server', `${server.url}/nowhere`]);
      expect(alone.code, alone.stderr).toBe(0);
      expect(aloneRefused.code).toBe(5);
      expect(alone.stderr).not.toMatch(/handed/);

      const daemon = await startDaemon(rt, s.args);
      try {
        const handed = await runAgent(rt, [...s.args, 'request', '--user']);
        const handedJson = await runAgent(rt, ['--json', ...s.args, 'request', '--device']);
        const handedRefused = await runAgent(rt, [...s.args, 'request', '--user', '--server', `${server.url}/nowhere`]);
        expect(handed.code, handed.stderr).toBe(0);
        expect(handed.stderr).toBe(`dm-agent: handed to the running daemon (pid ${daemon.pid}); waiting for its answer\n`);
        expect(masked(handed.stdout)).toBe(masked(alone.stdout));
        expect(handedJson.code).toBe(0);
        expect(masked(handedJson.stdout)).toBe(masked(aloneJson.stdout));
        expect(JSON.parse(handedJson.stdout)).toMatchObject({ ok: true, status: 202, answer: 'accepted', type: DEVICE_ALERT });
        // A refusal keeps its code and its words; the --server override went with the request.
        expect(handedRefused.code).toBe(5);
        expect(handedRefused.stderr.split('\n').filter((l) => !/handed to/.test(l))).toEqual(aloneRefused.stderr.split('\n'));
        expect(daemon.log()).toMatch(/handed-over user request [0-9a-f]+ answered 202 \(accepted\)/);
        // status names the daemon requests go to.
        const st = await runAgent(rt, ['--json', ...s.args, 'status']);
        expect(JSON.parse(st.stdout).daemon).toEqual({ running: true, pid: daemon.pid });
        expect((await runAgent(rt, [...s.args, 'status'])).stdout).toContain(`\ndaemon:          running (pid ${daemon.pid})\n`);
        expect(daemon.log()).toMatch(/handed-over user request [0-9a-f]+ failed: DM server answered HTTP 404/);
      } finally {
        expect(await daemon.stop()).toBe(0);
      }
      expect(alerts(s.devId, USER_ALERT)).toBe(2);
      expect(alerts(s.devId, DEVICE_ALERT)).toBe(2);
      expect(spoolFiles(s.state)).toEqual([]);
      expect(JSON.parse((await runAgent(rt, ['--json', ...s.args, 'status'])).stdout).daemon).toEqual({ running: false, pid: null });
    }, 120_000);

    if (!hostOnly) it('a busy daemon: not taken within the grace, withdrawn and never sent (exit 9); with --wait it waits its turn', async () => {
      const s = setup(rt);
      const daemon = await startDaemon(rt, s.args);
      try {
        const slow = await slowedRequest(rt, s, ['--user'], 9000);
        const t0 = Date.now();
        const busy = await runAgent(rt, [...s.args, 'request', '--device']);
        expect(busy.code, busy.stderr).toBe(9);
        expect(busy.stderr).toContain(`busy: dm-agent pid ${daemon.pid} holds ${s.state} (the daemon, in a session, did not take the request within 5 s; withdrawn`);
        expect(Date.now() - t0).toBeGreaterThanOrEqual(4500);
        const queued = runAgent(rt, ['--wait=60', ...s.args, 'request', '--device']);
        expect((await slow.done).code).toBe(0);
        const q = await queued;
        expect(q.code, q.stderr).toBe(0);
        expect(q.stdout).toMatch(/server answered 202/);
      } finally {
        server.setDmFault(undefined);
        expect(await daemon.stop()).toBe(0);
      }
      expect(alerts(s.devId, USER_ALERT)).toBe(1);
      expect(alerts(s.devId, DEVICE_ALERT)).toBe(1); // the withdrawn one never reached the server
      expect(spoolFiles(s.state)).toEqual([]);
    }, 120_000);

    if (!hostOnly) it('Ctrl-C while it waits: withdrawn when not taken yet (never sent), else the daemon runs it to its end; exit 130', async () => {
      const s = setup(rt);
      const daemon = await startDaemon(rt, s.args);
      /** A request in the background that gets SIGINT once `ready` holds; its exit code and stderr. */
      const interrupted = async (words: string[], ready: () => boolean) => {
        const [cmd, ...pre] = agentCommand(rt);
        const child = spawn(cmd, [...pre, ...s.args, 'request', ...words]);
        let err = '';
        child.stderr.on('data', (b: Buffer) => (err += b.toString()));
        const code = new Promise<number>((r) => child.on('close', (c) => r(c === null ? -1 : c)));
        await until('the request handed over', () => /handed to the running daemon/.test(err) && ready(), { detail: () => err });
        child.kill('SIGINT');
        return { code: await code, err: () => err };
      };
      try {
        const slow = await slowedRequest(rt, s, ['--user'], 6000);
        // The daemon is in a session: the second request waits to be taken, and Ctrl-C withdraws it.
        const notTaken = await interrupted(['--device'], () => spoolFiles(s.state).some((f) => f.endsWith('.request')));
        expect(notTaken.code, notTaken.err()).toBe(130);
        expect(notTaken.err()).toContain('dm-agent: interrupted: the request was withdrawn before the daemon took it');
        expect((await slow.done).code).toBe(0);

        // Taken and in its (slowed) session: Ctrl-C ends the command, the daemon finishes the request.
        server.setDmFault({ mode: 'delay', delayMs: 3000, devId: s.devId });
        const mark = inbound(s.devId);
        const taken = await interrupted(['--user'], () => inbound(s.devId) > mark);
        server.setDmFault(undefined);
        expect(taken.code, taken.err()).toBe(130);
        expect(taken.err()).toContain(`dm-agent: interrupted: the running daemon (pid ${daemon.pid}) runs the request to its end; dm-agent status shows the outcome`);
        await until('the daemon finished it', () => (daemon.log().match(/handed-over user request [0-9a-f]+ answered 202/g) || []).length === 2, { detail: daemon.log });
      } finally {
        server.setDmFault(undefined);
        expect(await daemon.stop()).toBe(0);
      }
      expect(alerts(s.devId, USER_ALERT)).toBe(2);
      expect(alerts(s.devId, DEVICE_ALERT)).toBe(0); // withdrawn: never sent
    }, 120_000);

    it('the daemon killed while it runs the request: exit 1, outcome unknown; the next daemon answers it so', async () => {
      const s = setup(rt);
      const daemon = await startDaemon(rt, s.args);
      server.setDmFault({ mode: 'delay', delayMs: 6000, devId: s.devId });
      const before = inbound(s.devId);
      const running = runAgent(rt, [...s.args, 'request', '--user']);
      try {
        await until('the slowed session', () => inbound(s.devId) > before);
        await daemon.stop('SIGKILL');
      } finally {
        server.setDmFault(undefined);
      }
      const r = await running;
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`the running daemon (pid ${daemon.pid}) stopped while it ran the request; its outcome is unknown: see dm-agent status`);
      expect(spoolFiles(s.state).filter((f) => f.endsWith('.taken'))).toHaveLength(1);
      const next = await startDaemon(rt, s.args);
      expect(next.log()).toMatch(/handed-over request [0-9a-f]+ was interrupted by the daemon's stop; answered as unknown/);
      expect(await next.stop()).toBe(0);
      // Left for a command that might still wait: one answer (removed after 10 minutes), nothing taken any more.
      expect(spoolFiles(s.state).map((f) => f.replace(/^[0-9a-f]+/, 'ID'))).toEqual(['ID.answer']);
    }, 120_000);

    if (!hostOnly) it('one daemon per state directory: a second one exits 9 naming the first', async () => {
      const s = setup(rt);
      const daemon = await startDaemon(rt, s.args);
      try {
        const second = await runAgent(rt, [...s.args, 'daemon']);
        expect(second.code).toBe(9);
        expect(second.stderr).toContain(`busy: dm-agent pid ${daemon.pid} holds ${s.state}: a daemon already runs on this state directory`);
        // `daemon --once` is a one-shot command: it runs beside the daemon through the state lock.
        expect((await runAgent(rt, [...s.args, 'daemon', '--once'])).code).toBe(0);
      } finally {
        expect(await daemon.stop()).toBe(0);
      }
    }, 120_000);

    if (!hostOnly) it('a daemon.lock holder that never takes the request and goes away: the command runs the request itself', async () => {
      const s = setup(rt);
      execFileSync('mkdir', ['-p', s.state]);
      const holder = spawn('flock', ['-n', path.join(s.state, 'daemon.lock'), 'sleep', '2']);
      const holderExited = new Promise((r) => holder.on('close', r));
      await wait(300);
      const r = await runAgent(rt, [...s.args, 'request', '--user']);
      await holderExited;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('dm-agent: handed to the running daemon; waiting for its answer');
      expect(r.stderr).toContain('dm-agent: the running daemon stopped before it took the request; running it here');
      expect(r.stdout).toMatch(/server answered 202/);
      expect(alerts(s.devId, USER_ALERT)).toBe(1);
      expect(spoolFiles(s.state)).toEqual([]);
    }, 60_000);

    if (!hostOnly) it('the command rings the daemon (SIGUSR2) after handing over; a daemon survives a ring', async () => {
      const s = setup(rt);
      execFileSync('mkdir', ['-p', s.state]);
      // A stand-in holder of daemon.lock that writes its pid there (as a daemon does) and records each SIGUSR2.
      const rung = path.join(s.dir, 'rung');
      const holder = spawn('bash', ['-c', `exec 9>"$1"; flock -n 9 || exit 3; echo $$ >&9; trap 'echo rung >>"$2"' USR2; for i in $(seq 100); do sleep 0.1; done`, 'holder', path.join(s.state, 'daemon.lock'), rung]);
      const holderExited = new Promise((r) => holder.on('close', r));
      await until('the holder', () => existsSync(path.join(s.state, 'daemon.lock')) && readFileSync(path.join(s.state, 'daemon.lock'), 'utf8').trim() === String(holder.pid));
      const r = await runAgent(rt, [...s.args, 'request', '--user']);
      holder.kill('SIGKILL');
      await holderExited;
      // Rung once, at the hand-over; never taken, so withdrawn after the grace.
      expect(readFileSync(rung, 'utf8')).toBe('rung\n');
      expect(r.code, r.stderr).toBe(9);
      expect(r.stderr).toContain(`busy: dm-agent pid ${holder.pid} holds ${s.state} (the daemon, in a session, did not take the request within 5 s; withdrawn`);
      expect(spoolFiles(s.state)).toEqual([]);

      const daemon = await startDaemon(rt, s.args);
      daemon.child.kill('SIGUSR2');
      await wait(300);
      const after = await runAgent(rt, [...s.args, 'request', '--user']);
      expect(after.code, after.stderr).toBe(0);
      expect(await daemon.stop()).toBe(0);
    }, 60_000);

    it('SIGHUP: a new configuration takes effect; a wrong one is logged naming its key and the running one stays', async () => {
      const s = setup(rt);
      const good = JSON.parse(readFileSync(s.config, 'utf8'));
      writeFileSync(s.config, JSON.stringify({ ...good, server: { ...good.server, url: `${server.url}/nowhere` } }));
      const daemon = await startDaemon(rt, s.args);
      try {
        expect((await runAgent(rt, [...s.args, 'request', '--user'])).code).toBe(5);
        writeFileSync(s.config, JSON.stringify(good));
        daemon.child.kill('SIGHUP');
        await until('the reload', () => /configuration reloaded/.test(daemon.log()), { detail: daemon.log });
        const after = await runAgent(rt, [...s.args, 'request', '--user']);
        expect(after.code, after.stderr).toBe(0);

        writeFileSync(s.config, JSON.stringify({ ...good, server: { ...good.server, url: 'ftp://example' } }));
        daemon.child.kill('SIGHUP');
        await until('the refused reload', () => /configuration not reloaded: .*server\.url.*the daemon keeps the configuration it runs with/.test(daemon.log()), { detail: daemon.log });
        writeFileSync(s.config, JSON.stringify({ ...good, stateDir: path.join(s.dir, 'elsewhere') }));
        daemon.child.kill('SIGHUP');
        await until('the refused state dir', () => /configuration not reloaded: stateDir cannot change while the daemon runs/.test(daemon.log()), { detail: daemon.log });
        // Still serving with the good configuration it had.
        const still = await runAgent(rt, ['--state-dir', s.state, ...s.args, 'request', '--user']);
        expect(still.code, still.stderr).toBe(0);
      } finally {
        expect(await daemon.stop()).toBe(0);
      }
      expect(alerts(s.devId, USER_ALERT)).toBe(2);
    }, 120_000);

    if (!hostOnly) it('progress of the update the daemon runs is shown by the command: 10% lines, and JSON events with --json', async () => {
      const c = agentConfig({}, `handoff-progress-${rt}`);
      const target = path.join(c.dir, 'fw.img');
      const config = (devId: string) =>
        JSON.stringify({
          server: { url: fumoServer.url, id: 'dm-agent-reference-server' },
          stateDir: c.state,
          device: { devIdScheme: 'fixed', devId },
          fumo: { writer: { type: 'file', path: target }, reboot: [], allowHttp: true, requireHash: true },
          ui: { mode: 'headless' },
          log: { level: 'info' },
        });
      writeFileSync(c.config, config(`MAC:02000000C${rt.length}${(++n).toString(16).padStart(2, '0').toUpperCase()}`));
      const daemon = await startDaemon(rt, ['--config', c.config]);
      try {
        const r = await runAgent(rt, ['--config', c.config, 'request', '--user'], { timeoutMs: 120_000 });
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(/server answered 200/);
        expect(sha(readFileSync(target))).toBe(sha(image));
        const lines = r.stderr.split('\n');
        expect(lines).toContain('dm-agent: handed to the running daemon (pid ' + daemon.pid + '); waiting for its answer');
        // The command shows what it saw of the daemon's progress: each phase ends on its 100% line.
        expect(r.stderr).toMatch(/^download 100% \(4\.0 of 4\.0 MiB, /m);
        expect(r.stderr).toMatch(/^read-back 100% /m);

        const j = await runAgent(rt, ['--json', '--config', c.config, 'request', '--user'], { timeoutMs: 120_000 });
        expect(j.code, j.stderr).toBe(0);
        expect(JSON.parse(j.stdout)).toMatchObject({ ok: true, status: 200 });
        const events = j.stderr
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { event: string; phase: string; bytes: number; percent?: number });
        expect(events.filter((e) => e.phase === 'download').pop()).toMatchObject({ event: 'progress', bytes: image.length, percent: 100 });
        expect(events.filter((e) => e.phase === 'read-back').pop()).toMatchObject({ bytes: image.length, percent: 100 });
      } finally {
        expect(await daemon.stop()).toBe(0);
      }
    }, 240_000);
  });
}
