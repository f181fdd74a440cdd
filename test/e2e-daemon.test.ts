// `dm-agent daemon` end to end on Node, host qjs and the bytecode executable the images ship (qjs-exe): a button press on an evdev device (a FIFO fed with real
// `struct input_event` records) makes the daemon send a user request to the reference server; SIGTERM stops it cleanly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import { openSync, writeSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { agentCommand, agentConfig, prepareRuntime, runtimeSkipReason, type AgentRuntime } from './support/agent.js';
import { encodeInputEvent } from '../src/triggers/evdev.js';
import { wait, until } from './support/wait.js';

let server: DmServer;
beforeAll(async () => {
  server = await startDmServer({ port: 0, scenario: 'accept-202' });
});
afterAll(async () => {
  await server.close();
});


const ALL: AgentRuntime[] = ['node', 'qjs', 'qjs-exe'];
for (const rt of ALL) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`daemon on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    it('a button press sends a user request; SIGTERM stops the daemon with exit 0', async () => {
      const devId = `MAC:0000000000D${ALL.indexOf(rt) + 1}`;
      const c = agentConfig(
        {
          server: { url: server.url },
          device: { devIdScheme: 'fixed', devId },
          triggers: { button: { device: 'PLACEHOLDER', keyCode: 256, wordSize: 8, debounceMs: 0, minIntervalMs: 0 } },
          log: { level: 'info' },
        },
        `daemon-${rt}`,
      );
      const fifo = path.join(c.dir, 'event0');
      execFileSync('mkfifo', [fifo]);
      const cfg = JSON.parse(readFileSync(c.config, 'utf8'));
      cfg.triggers.button.device = fifo;
      writeFileSync(c.config, JSON.stringify(cfg));
      // Hold the FIFO open read-write first, so the daemon's open for reading does not wait for a writer.
      const fd = openSync(fifo, 'r+');
      const [cmd, ...pre] = agentCommand(rt);
      const child = spawn(cmd, [...pre, '--config', c.config, 'daemon']);
      let err = '';
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      const exited = new Promise<number>((r) => child.on('close', (code) => r(code === null ? -1 : code)));
      try {
        await until('daemon ready', () => /daemon ready/.test(err));
        const now = Math.floor(Date.now() / 1000);
        const ev = (type: number, code: number, value: number) => encodeInputEvent({ sec: now, usec: 0, type, code, value }, 8);
        writeSync(fd, Buffer.concat([ev(1, 256, 1), ev(0, 0, 0)]));
        await wait(100);
        writeSync(fd, Buffer.concat([ev(1, 256, 0), ev(0, 0, 0)]));
        await until('user request at the server', () =>
          JSON.parse(server.state()).genericAlerts.some((a: { devId: string; type?: string }) => a.devId === devId && a.type === 'org.openmobilealliance.dm.firmwareupdate.userrequest'),
        );
      } finally {
        child.kill('SIGTERM');
      }
      closeSync(fd);
      const code = await exited;
      expect(err).toMatch(/button trigger: user fumo request answered 202/);
      expect(code).toBe(0);
    });
  });
}
