// Story D end to end on Node (docs/flows.md D, docs/protocol.md §8): the reference server sends package 0 by UDP WAP push to the
// agent's listener; the intake verifies it with the agent's own SRVCRED (DMAcc secret and the nonce the agent
// issued), and the daemon loop runs the session: pkg1 carries SessionID = the notification's id in uppercase hex and
// Alert 1200. The first notification is signed with the resync nonce (the server does not know our nonce yet),
// a later one with the nonce the server learned from our Chal.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { base64Encode } from '../src/bytes.js';
import { parseConfig } from '../src/config.js';
import { composeAgent } from '../src/agent/compose.js';
import type { Agent } from '../src/agent/agent.js';
import type { Alert } from '../src/syncml/model.js';
import type { Log } from '../src/ports/runtime.js';
import { NotificationIntake, NotificationQueue, serveNotifications, serverCredentialsFrom, type ServerCredentials } from '../src/notification/index.js';
import { createPlatform } from '../platform/node/platform.js';
import { UdpNotificationListener } from '../platform/node/notify-udp.js';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { allowViolationsInThisTest } from './support/conformance.js';

const SERVER_ID = 'dm-agent-reference-server';
const SRV_SECRET = 'server-secret-d';

let server: DmServer | undefined;
let agent: Agent | undefined;
let listener: UdpNotificationListener | undefined;
afterEach(async () => {
  if (listener) await listener.close();
  if (agent) await agent.close();
  if (server) await server.close();
  listener = agent = server = undefined;
});

describe('story D: package 0 by UDP, then a server-initiated session', () => {
  it('starts sessions with Alert 1200 and the notified SessionID; resync first, then the issued nonce', async () => {
    // The resync session's first answer fails server authentication (the nonce is stale, docs/security.md): the agent
    // does not follow the RespURI of that message.
    allowViolationsInThisTest('a server message that fails authentication: its RespURI is ignored on purpose', ['respuri-ignored']);
    // md5 server credentials: the session itself also proves the server knows SRVCRED
    // A scenario with commands: the agent's answer carries its Chal, which is how the server learns the nonce the
    // agent issued (a server whose packages hold no command never does: OMA-TS-DM_Security-V1_2 §5.1).
    server = await startDmServer({ serverId: SERVER_ID, scenario: 'get-devdetail', serverCred: { type: 'md5', secret: SRV_SECRET } });
    const stateDir = mkdtempSync(path.join(tmpdir(), 'dm-story-d-'));
    const config = parseConfig({
      server: { url: server.url, id: SERVER_ID, serverAuth: { type: 'md5', name: SERVER_ID, secret: SRV_SECRET } },
      stateDir,
      log: { level: 'error' },
    });
    const ports = await createPlatform(config, { verbose: false, json: false });
    agent = await composeAgent(config, ports, { encoding: 'xml' });
    const a = agent;
    const lines: string[] = [];
    const log: Log = { log: (level, message, fields) => lines.push(`${level} ${message} ${JSON.stringify(fields || {})}`) };

    // SRVCRED as the daemon would take it: from the configured account, the nonce read live from the agent
    const creds: ServerCredentials = serverCredentialsFrom(config.server, () => a.parts.nonces.serverNonce());
    const queue = new NotificationQueue();
    const intake = new NotificationIntake({ credentials: () => [creds], queue, clock: { now: () => Date.now() }, log });
    listener = new UdpNotificationListener({ port: 0, address: '127.0.0.1', intake, log });
    const { port } = await listener.start();
    const ran: { sessionId: string; resync: boolean; end: string }[] = [];
    const served = serveNotifications({
      queue,
      ui: ports.ui,
      log,
      clock: { now: () => Date.now() },
      runSession: async (sessionId, n) => {
        const outcome = await a.session('server', [], sessionId);
        ran.push({ sessionId, resync: n.resync, end: outcome.end });
      },
    });

    // 1) the server has never seen our nonce: it signs with the resync nonce (four zero bytes, docs/protocol.md §8.2)
    const devId = await a.parts.devId();
    await server.notify({ host: '127.0.0.1', port, sessionId: 0x00b7, uiMode: 1 });
    await server.waitFor((e) => e.messages.some((m) => m.dir === 'in' && m.sessionId === 'B7'), 10_000, 'pkg1 of session B7');

    // 2) after that session the server knows the nonce we issued (our Chal): a normal notification
    await new Promise((r) => setTimeout(r, 200));
    const issued = a.parts.nonces.serverNonce();
    await server.notify({ host: '127.0.0.1', port, sessionId: 0x1c2d, uiMode: 2, nonce: base64Encode(issued) });
    await server.waitFor((e) => e.messages.some((m) => m.dir === 'in' && m.sessionId === '1C2D'), 10_000, 'pkg1 of session 1C2D');

    // 3) a forged one (wrong secret) starts nothing
    await server.notify({ host: '127.0.0.1', port, sessionId: 0x0bad, secret: 'guessed', nonce: base64Encode(issued) });
    await new Promise((r) => setTimeout(r, 300));
    queue.close();
    await served;

    expect(ran).toEqual([
      { sessionId: 'B7', resync: true, end: 'completed' },
      { sessionId: '1C2D', resync: false, end: 'completed' },
    ]);
    for (const sid of ['B7', '1C2D']) {
      const pkg1 = server.events.messages.find((m) => m.dir === 'in' && m.sessionId === sid)!;
      expect(pkg1.devId).toBe(devId);
      const alerts = pkg1.msg.body.filter((c) => c.kind === 'Alert') as Alert[];
      expect(alerts[0].data).toBe('1200');
    }
    expect(server.events.messages.some((m) => m.sessionId === 'BAD')).toBe(false);
    expect(lines.some((l) => l.startsWith('warn notification dropped') && l.includes('"field":"digest"'))).toBe(true);
  }, 60_000);
});
