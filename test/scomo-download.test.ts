import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as http from 'node:http';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { NodeDownloader, NodeStagingFiles } from '../platform/node/download.js';
import { Sha256 } from '../platform/node/hash.js';
import { nodeRandom } from '../platform/node/basics.js';
import { TransferError, UpdateError } from '../src/update/errors.js';
import { ScomoError, ScomoMo, createPackageDownload, resultCodeOf } from '../src/scomo/index.js';
import { staticSource } from '../src/inventory/source.js';
import type { JsonStore } from '../src/scomo/index.js';

const body = Buffer.from('a delivery package '.repeat(5000));
let server: http.Server;
let base = '';
const dir = mkdtempSync(path.join(tmpdir(), 'scomo-dl-'));

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/pkg.bin') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length), etag: '"v1"' });
      res.end(body);
    } else if (req.url === '/private.bin') {
      res.writeHead(403).end();
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const fastClock = { now: () => Date.now(), sleep: async () => undefined };

describe('SCOMO package download through the FUMO pipeline (src/update)', () => {
  const download = () =>
    createPackageDownload({
      downloader: new NodeDownloader(),
      files: new NodeStagingFiles(),
      stagingDir: dir,
      policy: { allowedHosts: ['127.0.0.1'] },
      clock: fastClock,
      random: nodeRandom,
    });

  it('downloads to the staging dir and returns the SHA-256', async () => {
    const got = await download()(`${base}/pkg.bin`, { pkgId: 'sensor/2.0' });
    expect(got.path).toBe(path.join(dir, 'scomo-sensor_2.0.pkg'));
    expect(readFileSync(got.path).equals(body)).toBe(true);
    expect(got.sha256).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('hashes the package while it is staged: the staged file is not read again to hash it', async () => {
    const files = new NodeStagingFiles();
    let rehashed = 0;
    const counting = Object.assign(Object.create(files) as NodeStagingFiles, {
      sha256: (f: string, n?: number) => (rehashed++, files.sha256(f, n)),
    });
    const dl = createPackageDownload({
      downloader: new NodeDownloader(),
      files: counting,
      sha256: () => new Sha256(),
      stagingDir: dir,
      policy: { allowedHosts: ['127.0.0.1'] },
      clock: fastClock,
      random: nodeRandom,
    });
    const got = await dl(`${base}/pkg.bin`, { pkgId: 'hashed/1.0' });
    expect(got.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(rehashed).toBe(0);
  });

  it('pipeline failures become SCOMO result codes in the report', async () => {
    const mem: Record<string, unknown> = {};
    const store: JsonStore = { get: async (n) => (n in mem ? JSON.parse(JSON.stringify(mem[n])) : null), put: async (n, v) => void (mem[n] = JSON.parse(JSON.stringify(v))) };
    const mo = new ScomoMo({ sources: [staticSource('s', [])], store, download: download(), installer: { install: async () => ({ componentIds: ['x'] }), remove: async () => {} } });
    const cases: Array<[string, number]> = [
      [`${base}/private.bin`, 1403], // HTTP 403 → FUMO 406 → SCOMO 1403
      [`${base}/missing.bin`, 1402], // HTTP 404 → FUMO 411 → 1402
      ['file:///etc/passwd', 1402], // refused by the URL policy before any request (411)
      ['http://evil.example.com/p.bin', 1402], // host not allowed
    ];
    for (let i = 0; i < cases.length; i++) {
      await mo.add(`Download/d${i}/PkgURL`, { data: cases[i][0] });
      await mo.exec(`Download/d${i}/Operations/DownloadInstall`);
    }
    await mo.idle();
    expect((await mo.pendingReports()).map((r) => r.resultCode)).toEqual(cases.map((c) => c[1]));
  });

  it('maps FUMO result codes and transfer kinds onto docs/protocol.md §6.3', () => {
    expect(resultCodeOf(new UpdateError('bad-signature', 'bad signature'), 1402)).toBe(1407);
    expect(resultCodeOf(new UpdateError('corrupt', 'size'), 1402)).toBe(1407);
    expect(resultCodeOf(new UpdateError('server-unavailable', 'down'), 1402)).toBe(1501);
    expect(resultCodeOf(new UpdateError('server-error', '5xx'), 1402)).toBe(1500);
    expect(resultCodeOf(new UpdateError('no-space', 'full'), 1402)).toBe(1404);
    expect(resultCodeOf(new TransferError('connect', 'refused'), 1402)).toBe(1501);
    expect(resultCodeOf(new TransferError('no-space', 'full'), 1405)).toBe(1406);
    expect(resultCodeOf(new ScomoError(1460, 'vendor'), 1405)).toBe(1460);
    expect(resultCodeOf(new Error('plain'), 1405)).toBe(1405);
    expect(resultCodeOf('a string', 1408)).toBe(1408);
  });
});
