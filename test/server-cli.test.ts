// The dm-server command line (argument parsing and the real wrapper), session expiry, and story D's start
// (a server-initiated session, Alert 1200, gets the update commands).
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseArgs } from '../scripts/server/cli.js';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { commandsOf, genericAlert, TestClient } from '../scripts/server/test-client.js';

const repoRoot = resolve(__dirname, '..');
let server: DmServer | undefined;
afterEach(async () => {
  if (server) await server.close();
  server = undefined;
});

describe('parseArgs', () => {
  it('maps the options onto ServerOptions', () => {
    const { opts, json } = parseArgs([
      '--port', '8080', '--scenario', 'fumo-200', '--auth', 'md5', '--user', 'u', '--secret', 's',
      '--server-id', 'srv', '--server-auth', 'md5', '--server-secret', 'ss', '--wrong-server-cred',
      '--firmware', '/tmp/a/fw.bin', '--descriptor', '--log-json', '--max-messages', '7',
    ]);
    expect(json).toBe(true);
    expect(opts).toMatchObject({
      port: 8080,
      scenario: 'fumo-200',
      serverId: 'srv',
      auth: { type: 'md5', user: 'u', secret: 's' },
      serverCred: { type: 'md5', secret: 'ss', wrong: true },
      files: { 'fw.bin': '/tmp/a/fw.bin' },
      params: { useDescriptor: true },
      maxMessagesPerSession: 7,
    });
  });

  it('names what is wrong', () => {
    expect(() => parseArgs(['--port', 'x'])).toThrow('--port needs a non-negative integer, got "x"');
    expect(() => parseArgs(['--auth', 'md5'])).toThrow('--auth md5 needs --user and --secret');
    expect(() => parseArgs(['--auth', 'digest'])).toThrow('--auth must be one of none, basic, md5, hmac, got "digest"');
    expect(() => parseArgs(['--frob'])).toThrow('unknown option --frob');
  });
});

describe('scripts/dm-server', () => {
  it('prints the listening line, then one line per message', async () => {
    const child = spawn(resolve(repoRoot, 'scripts/dm-server'), ['--scenario', 'accept-202'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    try {
      const url = await new Promise<string>((ok, fail) => {
        const t = setTimeout(() => fail(new Error(`no listening line in 8 s: ${out}`)), 8000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /^dm-server listening on (http:\/\/127\.0\.0\.1:\d+\/dm)$/m.exec(out);
          if (m) {
            clearTimeout(t);
            ok(m[1]);
          }
        });
        child.on('exit', (code) => fail(new Error(`exited ${code}: ${out}`)));
      });
      await new TestClient(url, 'IMEI:cli', '1').pkg1([genericAlert('org.openmobilealliance.dm.firmwareupdate.devicerequest', '')]);
      await new Promise((r) => setTimeout(r, 100));
      const lines = out.trim().split('\n');
      expect(lines[1]).toMatch(/^<- IMEI:cli s=1 msg=1 \[xml \d+B\] Alert 1201 \| Alert 1226 org\.openmobilealliance/);
      expect(lines[2]).toMatch(/^-> IMEI:cli s=1 msg=1 \[xml \d+B\] Status SyncHdr 200 .*Status Alert#1\.2 202 .*\| Final$/);
    } finally {
      child.kill('SIGTERM');
    }
  }, 15000);
});

describe('sessions', () => {
  it('expire when idle', async () => {
    server = await startDmServer({ scenario: 'fumo-200', sessionTimeoutMs: 30 });
    await new TestClient(server.url, 'IMEI:e', '1').pkg1([genericAlert('org.openmobilealliance.dm.firmwareupdate.devicerequest', '')]);
    expect(server.sessions.size).toBe(1);
    await new Promise((r) => setTimeout(r, 60));
    await new TestClient(server.url, 'IMEI:f', '1').pkg1([]);
    expect(server.events.sessions[0].endReason).toBe('expired');
    expect([...server.sessions.keys()]).toEqual(['1|IMEI:f']);
  });

  it('a server-initiated session (Alert 1200, story D) gets the update commands', async () => {
    server = await startDmServer({ scenario: 'fumo-200' });
    const r = (await new TestClient(server.url, 'IMEI:d', '1A2B').pkg1([], { initiation: '1200' })).reply;
    expect(commandsOf(r).map((c) => c.kind)).toEqual(['Alert', 'Replace', 'Exec']);
    expect(server.events.sessions[0].initiation).toBe('1200');
  });
});
