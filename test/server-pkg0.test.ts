// Package #0 (docs/protocol.md §8): the exact bytes of the §8.4 test vector, the WSP push wrapper, and delivery by UDP,
// HTTP and spool folder through POST /admin/notify.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, hex } from '../src/bytes.js';
import { buildPkg0, wspPush } from '../scripts/server/pkg0.js';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';

const TRIGGER = '02e80000001a2b14636f6d2e6578616d706c652e646d736572766572';
const DIGEST = 'fd3502d33205d3b025b87c8d3bc924e9';

let server: DmServer | undefined;
afterEach(async () => {
  if (server) await server.close();
  server = undefined;
});

describe('buildPkg0', () => {
  it('reproduces the docs/protocol.md §8.4 vector byte for byte', () => {
    const p = buildPkg0({ serverId: 'com.example.dmserver', secret: 'srvsecret', nonce: new Uint8Array(4), uiMode: 2, initiator: 1, sessionId: 0x1a2b });
    expect(hex(p.trigger)).toBe(TRIGGER);
    expect(hex(p.digest)).toBe(DIGEST);
    expect(hex(p.bytes)).toBe(DIGEST + TRIGGER);
    expect(p.sessionIdHex).toBe('1A2B');
  });

  it('changes the digest when secret or nonce change, and appends vendor data to the trigger', () => {
    const base = { serverId: 'com.example.dmserver', secret: 'srvsecret', nonce: new Uint8Array(4), uiMode: 2 as const, initiator: 1 as const, sessionId: 0x1a2b };
    expect(hex(buildPkg0({ ...base, secret: 'x' }).digest)).not.toBe(DIGEST);
    expect(hex(buildPkg0({ ...base, nonce: 'AAAAAQ==' }).digest)).not.toBe(DIGEST);
    expect(hex(buildPkg0({ ...base, vendor: 'hi' }).trigger)).toBe(TRIGGER + '6869');
    expect(hex(buildPkg0({ ...base, uiMode: 3, initiator: 0, sessionId: 1 }).trigger).slice(0, 16)).toBe('02f0000000000114');
  });

  it('rejects out-of-range fields with a clear error', () => {
    const base = { serverId: 's', secret: '', nonce: new Uint8Array(0), uiMode: 0 as const, initiator: 1 as const, sessionId: 1 };
    expect(() => buildPkg0({ ...base, sessionId: 0 })).toThrow(/sessionId 0 must be 1..65535/);
    expect(() => buildPkg0({ ...base, serverId: '' })).toThrow(/server id/);
    expect(() => buildPkg0({ ...base, uiMode: 4 as never })).toThrow(/uiMode/);
  });

  it('wraps it in a connectionless WSP push: TID, 0x06, HeadersLen 3, Content-Type 0x44, App-ID 0x07', () => {
    const w = wspPush(fromHex('aabb'), 5);
    expect(hex(w)).toBe('050603c4af87aabb');
  });
});

describe('POST /admin/notify', () => {
  it('sends the notification by UDP as a WAP push', async () => {
    server = await startDmServer({ serverId: 'com.example.dmserver', serverCred: { type: 'md5', secret: 'srvsecret', nonce: 'AAAAAA==' } });
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const got = new Promise<Buffer>((r) => sock.once('message', (m) => r(m)));
    const res = await fetch(`${server.baseUrl}/admin/notify`, {
      method: 'POST',
      body: JSON.stringify({ host: '127.0.0.1', port: sock.address().port, sessionId: 0x1a2b, uiMode: 2, initiator: 1 }),
    });
    expect(res.status).toBe(200);
    const datagram = await got;
    sock.close();
    expect(hex(new Uint8Array(datagram))).toBe('000603c4af87' + DIGEST + TRIGGER);
    expect(server.events.notifications[0]).toMatchObject({ via: 'udp', sessionId: 0x1a2b });
  });

  it('sends it by HTTP POST and writes it into a spool folder', async () => {
    server = await startDmServer({ serverId: 'com.example.dmserver', serverCred: { type: 'md5', secret: 'srvsecret' } });
    const bodies: Array<{ type: string; body: Buffer }> = [];
    const sink = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c) => parts.push(c));
      req.on('end', () => {
        bodies.push({ type: String(req.headers['content-type']), body: Buffer.concat(parts) });
        res.end();
      });
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
    const port = (sink.address() as { port: number }).port;
    try {
      await server.notify({ url: `http://127.0.0.1:${port}/push`, sessionId: 0x1a2b, uiMode: 2, initiator: 1, nonce: 'AAAAAA==' });
      expect(bodies[0].type).toBe('application/vnd.syncml.notification');
      expect(bodies[0].body.toString('hex')).toBe(DIGEST + TRIGGER);
    } finally {
      sink.close();
    }
    const dir = mkdtempSync(join(tmpdir(), 'pkg0-'));
    try {
      const rec = await server.notify({ spool: dir, sessionId: 0x1a2b, uiMode: 2, initiator: 1, nonce: 'AAAAAA==' });
      const files = readdirSync(dir);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^pkg0-1A2B-\d+\.bin$/);
      expect(readFileSync(join(dir, files[0])).toString('hex')).toBe(DIGEST + TRIGGER);
      expect(rec.via).toBe('spool');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says what is missing when no destination is given', async () => {
    server = await startDmServer();
    const res = await fetch(`${server.baseUrl}/admin/notify`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('notify needs host (UDP), url (HTTP) or spool (folder)');
  });
});
