// Story D through `dm-agent daemon`, the same scenario on Node and on qjs (host, and arm64/armhf under qemu): the
// reference server sends package 0 by UDP WAP push and by HTTP POST, which the daemon receives itself (on qjs through
// dmnative's sockets: socat is not on PATH); it verifies each with its SRVCRED and starts a server-initiated session
// with Alert 1200 and the notification's session id in uppercase hex. A forged notification starts nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { agentCommand, agentConfig, prepareRuntime, runtimeSkipReason, RUNTIMES } from './support/agent.js';
import { pathWithout } from './support/path-without.js';
import { wait, until, freeUdpPort } from './support/wait.js';

const SERVER_ID = 'dm-agent-reference-server';
const SRV_SECRET = 'notify-secret-1';

let server: DmServer;
beforeAll(async () => {
  server = await startDmServer({ port: 0, serverId: SERVER_ID, scenario: 'accept-202' });
});
afterAll(async () => {
  await server.close();
});


async function freeTcpPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const a = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return typeof a === 'object' && a ? a.port : 0;
}

for (const rt of RUNTIMES) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`notifications on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    it('a verified package 0 by UDP or HTTP starts a session with Alert 1200 and its session id; a forged one does not', async () => {
      const devId = `MAC:0000000000E${RUNTIMES.indexOf(rt) + 1}`;
      const c = agentConfig({ server: { url: server.url, id: SERVER_ID, serverAuth: { type: 'md5', name: SERVER_ID, secret: SRV_SECRET } }, device: { devIdScheme: 'fixed', devId }, log: { level: 'info' } }, `notify-${rt}`);
      const [port, httpPort] = [await freeUdpPort(), await freeTcpPort()];
      const cfg = JSON.parse(readFileSync(c.config, 'utf8'));
      cfg.notifications = { udp: { port, address: '127.0.0.1' }, http: { port: httpPort, address: '127.0.0.1' } };
      writeFileSync(c.config, JSON.stringify(cfg));
      const [cmd, ...pre] = agentCommand(rt);
      // no socat to fall back on: the agent must listen itself on every runtime
      const child = spawn(cmd, [...pre, '--config', c.config, 'daemon'], { env: { ...process.env, PATH: pathWithout('socat') } });
      let err = '';
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      const exited = new Promise<number>((r) => child.on('close', (code) => r(code === null ? -1 : code)));
      const to = { host: '127.0.0.1', port };
      const sessionsOf = () => JSON.parse(server.state()).sessions.filter((s: { devId: string }) => s.devId === devId);
      try {
        await until('daemon ready', () => /daemon ready/.test(err), 60_000);
        // Forged: the wrong secret. Nothing may start.
        await server.notify({ ...to, sessionId: 0x0bad, uiMode: 1, secret: 'wrong-secret', devId });
        await wait(600);
        // Genuine: signed with SRVCRED (the resync nonce, since the server has not learned ours yet).
        await server.notify({ ...to, sessionId: 0x1c2d, uiMode: 1, secret: SRV_SECRET, devId });
        await until('a server-initiated session', () => sessionsOf().some((s: { sessionId: string }) => s.sessionId === '1C2D'), 60_000);
        await server.notify({ url: `http://127.0.0.1:${httpPort}/notification`, sessionId: 0x3e4f, uiMode: 1, secret: SRV_SECRET, devId });
        await until('a session notified over HTTP', () => sessionsOf().some((s: { sessionId: string }) => s.sessionId === '3E4F'), 60_000);
      } finally {
        await wait(200);
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
      expect(sessionsOf().map((s: { sessionId: string; initiation?: string }) => [s.sessionId, s.initiation])).toEqual([
        ['1C2D', '1200'],
        ['3E4F', '1200'],
      ]);
      expect(err).not.toContain('socat');
      expect(err).toMatch(/bad-digest|not verified|digest/i);
    }, 240_000);
  });
}
