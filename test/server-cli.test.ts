// The dm-server command line (argument parsing and the real wrapper), session expiry, and story D's start
// (a server-initiated session, Alert 1200, gets the update commands).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseArgs, USAGE } from '../scripts/server/cli.js';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { commandsOf, genericAlert, TestClient } from '../scripts/server/test-client.js';
import { allowViolations } from './support/conformance.js';

allowViolations('server unit tests: a hand-driven client with a hand-picked SessionID');

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
    expect(() => parseArgs(['--dm-fault', '{"mode":"explode"}'])).toThrow(/--dm-fault needs \{"mode": drop-response \| http-error \| delay \| huge-body \| trickle/);
    expect(() => parseArgs(['--dm-fault', 'huge'])).toThrow(/--dm-fault needs JSON/);
  });
  it('arms a hostile DM answer from the command line, documented in --help', () => {
    expect(parseArgs(['--dm-fault', '{"mode":"huge-body","bytes":1000,"contentLength":true}']).opts.dmFault).toEqual({ mode: 'huge-body', bytes: 1000, contentLength: true });
    for (const word of ['--dm-fault', 'huge-body', 'trickle', 'contentLength', 'intervalMs']) expect(USAGE).toContain(word);
  });
});

describe('scripts/dm-server', () => {
  it('prints the listening line, then one line per message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmcli-'));
    const urlFile = join(dir, 'url');
    const child = spawn(resolve(repoRoot, 'scripts/dm-server'), ['--scenario', 'accept-202', '--url-file', urlFile, '--firmware', resolve(repoRoot, 'package.json')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
      expect(readFileSync(urlFile, 'utf8')).toBe(url + '\n');
      const fw = await fetch(url.replace(/\/dm$/, '/fw/package.json'));
      expect(await fw.text()).toBe(readFileSync(resolve(repoRoot, 'package.json'), 'utf8'));
      await new TestClient(url, 'IMEI:cli', '1').pkg1([genericAlert('org.openmobilealliance.dm.firmwareupdate.devicerequest', '')]);
      await new Promise((r) => setTimeout(r, 100));
      const lines = out.trim().split('\n');
      expect(lines[1]).toMatch(/^<- IMEI:cli s=1 msg=1 \[xml \d+B\] Alert 1201 \| Alert 1226 org\.openmobilealliance/);
      expect(lines[2]).toMatch(/^-> IMEI:cli s=1 msg=1 \[xml \d+B\] Status SyncHdr 200 .*Status Alert#1\.2 202 .*\| Final$/);
    } finally {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
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
    expect(server.events.violations).toEqual([]);
    await new TestClient(server.url, 'IMEI:d', '01a2').pkg1([], { initiation: '1200' });
    expect(server.events.violations.map((v) => v.code)).toEqual(['sessionid-format']);
  });
});

describe('TLS', () => {
  it('serves DM over HTTPS with a certificate made at test time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmtls-'));
    try {
      const key = join(dir, 'key.pem');
      const cert = join(dir, 'cert.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
        '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
      server = await startDmServer({ tls: { key, cert } });
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/dm$/);
      const ca = readFileSync(cert);
      const status = await new Promise<number>((ok, fail) => {
        const req = request(`${server!.baseUrl}/admin/state`, { ca }, (res) => {
          res.resume();
          res.on('end', () => ok(res.statusCode || 0));
        });
        req.on('error', fail);
        req.end();
      });
      expect(status).toBe(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('admin endpoints', () => {
  it('sets download faults, DM faults and resets the records over HTTP', async () => {
    server = await startDmServer({ files: { 'a.bin': new Uint8Array(100) } });
    const post = (p: string, body: unknown) => fetch(`${server!.baseUrl}${p}`, { method: 'POST', body: JSON.stringify(body) });
    expect((await post('/admin/fault', { name: 'a.bin', httpStatus: 500 })).status).toBe(200);
    expect((await fetch(`${server.baseUrl}/fw/a.bin`)).status).toBe(500);
    expect((await post('/admin/fault', { name: 'a.bin', clear: true })).status).toBe(200);
    expect((await fetch(`${server.baseUrl}/fw/a.bin`)).status).toBe(200);
    expect((await post('/admin/dm-fault', { mode: 'http-error', httpStatus: 502 })).status).toBe(200);
    expect((await fetch(server.url, { method: 'POST', body: 'x' })).status).toBe(502);
    expect((await post('/admin/dm-fault', { mode: 'nope' })).status).toBe(400);
    expect(server.events.downloads).toHaveLength(2);
    expect((await post('/admin/reset', {})).status).toBe(200);
    expect(server.events.downloads).toHaveLength(0);
    expect((await fetch(`${server.baseUrl}/admin/nothing`)).status).toBe(404);
    expect((await fetch(server.url)).status).toBe(405);
  });
});
