// The DM transport on both runtimes against HTTPS servers made at test time (openssl CA): CA file, a wrong CA,
// public-key pinning, mutual TLS with a client certificate, redirects refused, timeouts. Node: node-fetch with an
// https.Agent (platform/node/transport.ts); QuickJS: curl (platform/quickjs/transport.ts) through its probe.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import https from 'node:https';
import http from 'node:http';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createNodeTransport, TransportError } from '../platform/node/transport.js';
import { bundleForQjs, qjsSkipReason, runQjs, scratchDir } from './support/qjs.js';

const dir = scratchDir('tls');
const p = (f: string) => path.join(dir, f);
const hasOpenssl = spawnSync('sh', ['-c', 'command -v openssl && command -v curl'], { stdio: 'ignore' }).status === 0;
if (!hasOpenssl) console.warn('[transport-tls] skipped: openssl or curl not installed');

let tlsUrl = '';
let mtlsUrl = '';
let plainUrl = '';
let pin = '';
const servers: Array<http.Server | https.Server> = [];
const listen = (s: http.Server | https.Server) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

function handler(req: http.IncomingMessage, res: http.ServerResponse) {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.url === '/redirect') return void res.writeHead(302, { Location: '/dm' }).end();
    if (req.url === '/slow') return void setTimeout(() => res.writeHead(200).end('late'), 3000);
    const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate ? (req.socket as import('node:tls').TLSSocket).getPeerCertificate() : null;
    res.writeHead(200, { 'content-type': 'application/vnd.syncml.dm+wbxml', 'x-client-cn': peer && peer.subject ? String(peer.subject.CN) : '' });
    res.end(Buffer.concat([Buffer.from('echo:'), ...chunks]));
  });
}

beforeAll(async () => {
  if (!hasOpenssl) return;
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const cert = (name: string, cn: string, ext?: string) => {
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', `/CN=${cn}`]);
    const args = ['x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p(`${name}.pem`), '-days', '2'];
    if (ext) {
      writeFileSync(p(`${name}.ext`), ext);
      args.push('-extfile', p(`${name}.ext`));
    }
    run(args);
  };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=dm-agent test CA']);
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('other-ca.key'), '-out', p('other-ca.pem'), '-days', '2', '-subj', '/CN=other CA']);
  cert('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1\n');
  cert('client', 'gateway-0042', 'extendedKeyUsage=clientAuth\n');
  const spki = new X509Certificate(readFileSync(p('server.pem'))).publicKey.export({ type: 'spki', format: 'der' });
  pin = `sha256//${createHash('sha256').update(spki).digest('base64')}`;
  const key = readFileSync(p('server.key'));
  const c = readFileSync(p('server.pem'));
  const tls = https.createServer({ key, cert: c }, handler);
  tlsUrl = `https://127.0.0.1:${await listen(tls)}`;
  const mtls = https.createServer({ key, cert: c, ca: readFileSync(p('ca.pem')), requestCert: true, rejectUnauthorized: true }, handler);
  mtlsUrl = `https://127.0.0.1:${await listen(mtls)}`;
  const plain = http.createServer(handler);
  plainUrl = `http://127.0.0.1:${await listen(plain)}`;
  servers.push(tls, mtls, plain);
  if (!qjsSkipReason('host')) await bundleForQjs('platform/quickjs/probe-transport.ts', p('probe.js'));
}, 120_000);

afterAll(() => servers.forEach((s) => s.close()));

const body = new Uint8Array([0x02, 0xa4, 0x01, 0x6a, 0x00]);
const req = (url: string) => ({ url, headers: { 'content-type': 'application/vnd.syncml.dm+wbxml' }, body, timeoutMs: 5000, maxResponseBytes: 65536 });

describe.skipIf(!hasOpenssl)('Node transport (node-fetch + https.Agent)', () => {
  it('trusts a server signed by the configured CA and refuses one it cannot verify', async () => {
    const ok = await createNodeTransport({ caFile: p('ca.pem') }).post(req(`${tlsUrl}/dm`));
    expect(ok.status).toBe(200);
    expect(Buffer.from(ok.body).toString('latin1')).toBe('echo:' + Buffer.from(body).toString('latin1'));
    // a refused server certificate is 'tls-certificate' (not retried), with the reason in words
    await expect(createNodeTransport({ caFile: p('other-ca.pem') }).post(req(`${tlsUrl}/dm`))).rejects.toMatchObject({ code: 'tls-certificate', message: expect.stringMatching(/refused: unknown CA/) });
    await expect(createNodeTransport({}).post(req(`${tlsUrl}/dm`))).rejects.toBeInstanceOf(TransportError);
  });
  it('pins the server public key', async () => {
    expect((await createNodeTransport({ caFile: p('ca.pem'), pinnedPubKey: pin }).post(req(`${tlsUrl}/dm`))).status).toBe(200);
    const wrong = 'sha256//' + Buffer.alloc(32, 7).toString('base64');
    await expect(createNodeTransport({ caFile: p('ca.pem'), pinnedPubKey: wrong }).post(req(`${tlsUrl}/dm`))).rejects.toMatchObject({ code: 'tls-certificate', message: expect.stringMatching(/public key not pinned/) });
  });
  it('presents a client certificate for mutual TLS; without one the server refuses', async () => {
    const t = createNodeTransport({ caFile: p('ca.pem'), certFile: p('client.pem'), keyFile: p('client.key') });
    const r = await t.post(req(`${mtlsUrl}/dm`));
    expect(r.headers['x-client-cn']).toBe('gateway-0042');
    await expect(createNodeTransport({ caFile: p('ca.pem') }).post(req(`${mtlsUrl}/dm`))).rejects.toBeInstanceOf(TransportError);
  });
  it('refuses redirects unless configured, and times out', async () => {
    await expect(createNodeTransport({}).post(req(`${plainUrl}/redirect`))).rejects.toMatchObject({ code: 'redirect' });
    expect((await createNodeTransport({ followRedirects: true }).post(req(`${plainUrl}/redirect`))).status).toBe(200);
    await expect(createNodeTransport({}).post({ ...req(`${plainUrl}/slow`), timeoutMs: 300 })).rejects.toMatchObject({ code: 'timeout' });
  });
});

const qjsSkip = hasOpenssl ? qjsSkipReason('host') : 'openssl or curl not installed';
describe.skipIf(!!qjsSkip)(`QuickJS transport (curl) — mutual TLS${qjsSkip ? ` (skipped: ${qjsSkip})` : ''}`, () => {
  it('presents the client certificate, pins, and refuses without a client certificate', async () => {
    const cases = [
      { url: `${mtlsUrl}/dm`, bodyHex: '02a4016a00', options: { caFile: p('ca.pem'), certFile: p('client.pem'), keyFile: p('client.key'), pinnedPubKey: pin } },
      { url: `${mtlsUrl}/dm`, bodyHex: '02a4016a00', options: { caFile: p('ca.pem') } },
    ];
    writeFileSync(p('cases.json'), JSON.stringify(cases));
    const r = await runQjs('host', p('probe.js'), [p('cases.json')]);
    expect(r.code).toBe(0);
    const out = (JSON.parse(r.stdout) as Array<Record<string, any>>).filter((x) => !('leftovers' in x));
    expect(out[0].status).toBe(200);
    expect(out[0].headers['x-client-cn']).toBe('gateway-0042');
    expect(out[1].error).toBeTruthy();
  });
});
