// `dm-agent daemon` under systemd's Type=notify (README.md "Service integration"; man sd_notify): on every runtime the
// daemon sends READY=1 with STATUS=idle when it waits for work, WATCHDOG=1 every half $WATCHDOG_USEC, RELOADING=1 then
// READY=1 again on SIGHUP, STOPPING=1 on SIGTERM, to a path socket and to an '@' abstract-namespace name; with $JOURNAL_STREAM set its log lines carry
// syslog priorities ("<6>") and no timestamp of their own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { agentCommand, agentConfig, prepareRuntime, runtimeSkipReason, type AgentRuntime } from './support/agent.js';
import { listenNotify } from './support/notify-listener.js';
import { until } from './support/wait.js';

let server: DmServer;
beforeAll(async () => {
  server = await startDmServer({ port: 0, scenario: 'accept-202' });
});
afterAll(async () => {
  await server.close();
});

/** 400 ms watchdog: a ping every 200 ms. */
const WATCHDOG_USEC = '400000';

const ALL: AgentRuntime[] = ['node', 'qjs', 'qjs-exe'];
for (const rt of ALL) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`service manager notifications on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    for (const kind of ['path', 'abstract'] as const) {
      it(`READY=1, STATUS=idle, WATCHDOG=1, RELOADING=1, STOPPING=1 to a ${kind} socket; journald log lines`, async () => {
        const c = agentConfig(
          {
            server: { url: server.url },
            device: { devIdScheme: 'fixed', devId: `MAC:0000000000F${ALL.indexOf(rt) + 1}` },
            triggers: { schedule: { every: '24h', jitter: '1h' } },
            log: { level: 'info' },
          },
          `svc-notify-${rt}`,
        );
        mkdirSync(c.state, { recursive: true, mode: 0o700 });
        // The next check an hour away: the daemon waits, idle, for the whole test.
        writeFileSync(path.join(c.state, 'schedule.json'), JSON.stringify({ nextRunAt: Date.now() + 3600_000 }));
        const socket = kind === 'path' ? path.join(c.dir, 'notify.sock') : `@dm-agent-test-${process.pid}-${rt}`;
        const listener = await listenNotify(socket);
        const [cmd, ...pre] = agentCommand(rt);
        const child = spawn(cmd, [...pre, '--config', c.config, 'daemon'], {
          env: { ...process.env, NOTIFY_SOCKET: socket, WATCHDOG_USEC, JOURNAL_STREAM: '8:12345' },
        });
        let err = '';
        child.stderr.on('data', (b: Buffer) => (err += b.toString()));
        const exited = new Promise<number>((r) => child.on('close', (code) => r(code === null ? -1 : code)));
        const got = (re: RegExp) => listener.messages.filter((m) => re.test(m)).length;
        const detail = () => `messages ${JSON.stringify(listener.messages)}; stderr ${err}`;
        try {
          await until('READY=1', () => got(/^READY=1$/m) > 0, { detail });
          // Pings keep coming while the daemon waits: three, 200 ms apart.
          await until('3 x WATCHDOG=1', () => got(/^WATCHDOG=1$/m) >= 3, { detail });
          // systemctl reload: RELOADING=1, then READY=1 once the configuration is read again and served.
          child.kill('SIGHUP');
          await until('READY=1 after the reload', () => got(/^READY=1$/m) >= 2, { detail });
          child.kill('SIGTERM');
          expect(await exited, err).toBe(0);
          await until('STOPPING=1', () => got(/^STOPPING=1$/m) > 0, { detail, ms: 10_000 });
        } finally {
          child.kill('SIGKILL');
          listener.close();
        }
        const ours = listener.messages.filter((m) => !/^BARRIER=1$/.test(m)); // systemd-notify's own (Node)
        console.log(`${rt} ${kind}: ${JSON.stringify(ours.filter((m, i) => i < 4 || !/^WATCHDOG=1$/.test(m)))}`);
        const ready = ours.findIndex((m) => /^READY=1$/m.test(m));
        expect(ours[ready]).toBe('READY=1\nSTATUS=idle');
        // Before READY: the start-up status; its pings (if any came) extend the start timeout.
        expect(ours[0]).toBe('STATUS=starting: resuming jobs and pending reports');
        for (const m of ours.slice(0, ready)) if (/WATCHDOG/.test(m)) expect(m).toBe('WATCHDOG=1\nEXTEND_TIMEOUT_USEC=600000');
        expect(ours[ours.length - 1]).toBe('STOPPING=1\nSTATUS=stopping');
        const reloading = ours.findIndex((m) => /^RELOADING=1$/m.test(m));
        expect(ours[reloading]).toBe('RELOADING=1\nSTATUS=reloading the configuration');
        expect(reloading).toBeGreaterThan(ready);
        expect(ours.slice(reloading + 1).find((m) => /^READY=1$/m.test(m))).toBe('READY=1\nSTATUS=idle');
        // journald: each line starts with its priority, no ISO time of its own.
        const lines = err.split('\n').filter((l) => l !== '');
        expect(lines.length).toBeGreaterThan(0);
        for (const l of lines) expect(l, err).toMatch(/^<[3467]>(?!\d{4}-\d\d-\d\dT)/);
        expect(err).toMatch(/^<6>daemon ready: /m);
      }, 120_000);
    }
  });
}
