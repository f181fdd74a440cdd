// The daemon and a person's commands on one state directory, on Node and host qjs: a manual `request` between the
// daemon's sessions is handed to the daemon and runs (docs/handoff.md); one during a daemon session is not taken
// within the grace and exits 9 naming the daemon; and a daemon session triggered while a manual `session` command
// holds the state lock waits for it and then runs (the daemon never fails for being busy).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { agentCommand, agentConfig, prepareRuntime, runAgent, runtimeSkipReason, type AgentRuntime } from './support/agent.js';
import { buttonFifo } from './support/button-fifo.js';
import { until } from './support/wait.js';

let server: DmServer;
beforeAll(async () => {
  server = await startDmServer({ port: 0, scenario: 'accept-202' });
});
afterAll(async () => {
  await server.close();
});

const USER_ALERT = 'org.openmobilealliance.dm.firmwareupdate.userrequest';
const DEVICE_ALERT = 'org.openmobilealliance.dm.firmwareupdate.devicerequest';
/** Two agents and their sessions on a shared machine: a longer bound than wait.ts's default. */
const LONG = 30_000;
function alerts(devId: string, type: string): number {
  return JSON.parse(server.state()).genericAlerts.filter((a: { devId: string; type?: string }) => a.devId === devId && a.type === type).length;
}
function inbound(devId: string): number {
  return JSON.parse(server.state()).messages.filter((m: { devId?: string; dir: string }) => m.devId === devId && m.dir === 'in').length;
}

for (const rt of ['node', 'qjs'] as AgentRuntime[]) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`state lock with the daemon on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    it('a manual request between daemon sessions runs; during one it is busy; the daemon waits for a manual one', async () => {
      const devId = `MAC:0000000000E${rt === 'node' ? 1 : 2}`;
      const c = agentConfig(
        {
          server: { url: server.url, timeoutMs: 120_000 },
          device: { devIdScheme: 'fixed', devId },
          triggers: { button: { device: 'PLACEHOLDER', keyCode: 256, wordSize: 8, debounceMs: 0, minIntervalMs: 0 } },
          log: { level: 'info' },
        },
        `lock-daemon-${rt}`,
      );
      const button = buttonFifo(path.join(c.dir, 'event0'));
      const cfg = JSON.parse(readFileSync(c.config, 'utf8'));
      cfg.triggers.button.device = button.path;
      writeFileSync(c.config, JSON.stringify(cfg));
      const press = () => button.press();
      const [cmd, ...pre] = agentCommand(rt);
      const daemon = spawn(cmd, [...pre, '--config', c.config, 'daemon']);
      let err = '';
      daemon.stderr.on('data', (b: Buffer) => (err += b.toString()));
      const exited = new Promise<number>((r) => daemon.on('close', (code) => r(code === null ? -1 : code)));
      try {
        await until('daemon ready', () => /daemon ready/.test(err), LONG);

        // 1. Between sessions: a manual request is handed to the daemon, which runs it.
        const between = await runAgent(rt, ['--config', c.config, 'request', '--device']);
        expect(between.code, between.stderr).toBe(0);
        expect(between.stderr).toContain(`handed to the running daemon (pid ${daemon.pid})`);
        expect(alerts(devId, DEVICE_ALERT)).toBe(1);

        // 2. During a daemon session (its answer slowed by the server), a manual request is busy and names the daemon.
        server.setDmFault({ mode: 'delay', delayMs: 8000, devId });
        const before = inbound(devId);
        await press();
        await until('the daemon in its session', () => inbound(devId) > before, LONG);
        const during = await runAgent(rt, ['--config', c.config, 'request', '--device']);
        expect(during.code).toBe(9);
        expect(during.stderr).toContain(`busy: dm-agent pid ${daemon.pid} holds ${c.state}`);
        await until('the daemon session answered', () => /button trigger: user fumo request answered 202/.test(err), LONG);
        expect(alerts(devId, USER_ALERT)).toBe(1);

        // 3. A manual session holds the lock (slowed); the button pressed meanwhile makes the daemon wait, then run.
        server.setDmFault({ mode: 'delay', delayMs: 6000, devId });
        const manualBefore = inbound(devId);
        const manual = runAgent(rt, ['--config', c.config, 'session']);
        await until('the manual session', () => inbound(devId) > manualBefore, LONG);
        await press();
        await until('the daemon waiting for the lock', () => new RegExp(`busy: dm-agent pid \\d+ holds .*; waiting for it`).test(err), LONG);
        expect(alerts(devId, USER_ALERT)).toBe(1); // not yet: it waits
        expect((await manual).code).toBe(0);
        await until('the daemon session after the manual one', () => alerts(devId, USER_ALERT) === 2, LONG);
        await until('the daemon session answered', () => (err.match(/button trigger: user fumo request answered 202/g) || []).length === 2, LONG);
        expect(err).not.toMatch(/request failed/);
      } finally {
        daemon.kill('SIGTERM');
      }
      button.close();
      expect(await exited).toBe(0);
      // Every request arrived once: the handed-over one and the two of the daemon, none lost; the busy one was withdrawn.
      expect(alerts(devId, DEVICE_ALERT)).toBe(1);
      expect(alerts(devId, USER_ALERT)).toBe(2);
    }, 180_000);
  });
}
