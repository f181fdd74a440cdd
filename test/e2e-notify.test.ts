// Story D through `dm-agent daemon`: the reference server sends package 0 (UDP WAP push on Node; the SMS spool folder
// on qjs, which has no sockets); the daemon verifies it with its SRVCRED and starts a server-initiated session with
// Alert 1200 and the notification's session id in uppercase hex. A forged notification starts nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import path from 'node:path';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { agentCommand, agentConfig, prepareRuntime, runtimeSkipReason, type AgentRuntime } from './support/agent.js';

const SERVER_ID = 'dm-agent-reference-server';
const SRV_SECRET = 'notify-secret-1';

let server: DmServer;
beforeAll(async () => {
  server = await startDmServer({ port: 0, serverId: SERVER_ID, scenario: 'accept-202' });
});
afterAll(async () => {
  await server.close();
});

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, f: () => boolean, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!f()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await wait(50);
  }
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

for (const rt of ['node', 'qjs'] as AgentRuntime[]) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`notifications on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    it('a verified package 0 starts a session with Alert 1200 and its session id; a forged one does not', async () => {
      const devId = `MAC:0000000000E${rt === 'node' ? 1 : 2}`;
      const c = agentConfig({ server: { url: server.url, id: SERVER_ID, serverAuth: { type: 'md5', name: SERVER_ID, secret: SRV_SECRET } }, device: { devIdScheme: 'fixed', devId }, log: { level: 'info' } }, `notify-${rt}`);
      const spool = path.join(c.dir, 'spool');
      mkdirSync(spool);
      const port = await freeUdpPort();
      const cfg = JSON.parse(readFileSync(c.config, 'utf8'));
      cfg.notifications = rt === 'node' ? { udp: { port, address: '127.0.0.1' } } : { spool: { dir: spool, pollMs: 100, settleMs: 0 } };
      writeFileSync(c.config, JSON.stringify(cfg));
      const [cmd, ...pre] = agentCommand(rt);
      const child = spawn(cmd, [...pre, '--config', c.config, 'daemon']);
      let err = '';
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      const exited = new Promise<number>((r) => child.on('close', (code) => r(code === null ? -1 : code)));
      const to = rt === 'node' ? { host: '127.0.0.1', port } : { spool };
      try {
        await until('daemon ready', () => /daemon ready/.test(err));
        // Forged: the wrong secret. Nothing may start.
        await server.notify({ ...to, sessionId: 0x0bad, uiMode: 1, secret: 'wrong-secret', devId });
        await wait(rt === 'node' ? 300 : 600);
        // Genuine: signed with SRVCRED (the resync nonce, since the server has not learned ours yet).
        await server.notify({ ...to, sessionId: 0x1c2d, uiMode: 1, secret: SRV_SECRET, devId });
        await until('a server-initiated session', () => JSON.parse(server.state()).sessions.some((s: { devId: string; sessionId: string }) => s.devId === devId && s.sessionId === '1C2D'));
      } finally {
        await wait(200);
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
      const sessions = JSON.parse(server.state()).sessions.filter((s: { devId: string }) => s.devId === devId);
      expect(sessions.map((s: { sessionId: string; initiation?: string }) => [s.sessionId, s.initiation])).toEqual([['1C2D', '1200']]);
      expect(err).toMatch(/bad-digest|not verified|digest/i);
    });
  });
}
