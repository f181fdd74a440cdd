// `dm-agent daemon` end to end on Node, host qjs and the bytecode executable the images ship (qjs-exe): a button press on an evdev device (a FIFO fed with real
// `struct input_event` records) makes the daemon send a user request to the reference server; SIGTERM stops it cleanly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { agentConfig, prepareRuntime, runtimeSkipReason, type AgentRuntime } from './support/agent.js';
import { until } from './support/wait.js';
import { startDaemon } from './support/daemon.js';
import { buttonFifo } from './support/button-fifo.js';

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
      const button = buttonFifo(path.join(c.dir, 'event0'));
      const cfg = JSON.parse(readFileSync(c.config, 'utf8'));
      cfg.triggers.button.device = button.path;
      writeFileSync(c.config, JSON.stringify(cfg));
      const daemon = await startDaemon(rt, ['--config', c.config]);
      let code: number;
      try {
        await button.press();
        await until('user request at the server', () =>
          JSON.parse(server.state()).genericAlerts.some((a: { devId: string; type?: string }) => a.devId === devId && a.type === 'org.openmobilealliance.dm.firmwareupdate.userrequest'),
        );
      } finally {
        code = await daemon.stop();
        button.close();
      }
      expect(daemon.log()).toMatch(/button trigger: user fumo request answered 202/);
      expect(code).toBe(0);
    });
  });
}
