// Firmware serving (Range, If-Range, ETag, faults), the OMA DL descriptor and install-notify (docs/protocol.md §7).
import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { parseRange } from '../scripts/server/files.js';

let server: DmServer;
const image = Uint8Array.from({ length: 4096 }, (_, i) => (i * 31 + 7) & 0xff);

beforeEach(async () => {
  server = await startDmServer({ files: { 'fw.bin': image } });
});
afterEach(async () => {
  await server.close();
});

/** Raw GET that tolerates a connection cut mid-body (fetch would throw and lose the bytes). */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Uint8Array; aborted: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const parts: Buffer[] = [];
      let aborted = false;
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('aborted', () => (aborted = true));
      res.on('error', () => (aborted = true));
      res.on('close', () => resolve({ status: res.statusCode || 0, headers: res.headers, body: new Uint8Array(Buffer.concat(parts)), aborted }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /fw/<name>', () => {
  it('serves the whole file with a strong ETag and Accept-Ranges', async () => {
    const r = await rawGet(`${server.baseUrl}/fw/fw.bin`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual(image);
    expect(r.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(r.headers['accept-ranges']).toBe('bytes');
  });

  it('answers Range with 206 and Content-Range; suffix and open ranges; 416 beyond the end', async () => {
    let r = await rawGet(`${server.baseUrl}/fw/fw.bin`, { range: 'bytes=10-19' });
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe('bytes 10-19/4096');
    expect(r.body).toEqual(image.subarray(10, 20));
    r = await rawGet(`${server.baseUrl}/fw/fw.bin`, { range: 'bytes=4000-' });
    expect(r.body).toEqual(image.subarray(4000));
    r = await rawGet(`${server.baseUrl}/fw/fw.bin`, { range: 'bytes=-96' });
    expect(r.body).toEqual(image.subarray(4000));
    r = await rawGet(`${server.baseUrl}/fw/fw.bin`, { range: 'bytes=5000-' });
    expect(r.status).toBe(416);
    expect(r.headers['content-range']).toBe('bytes */4096');
  });

  it('honours If-Range only when the ETag matches', async () => {
    const etag = (await rawGet(`${server.baseUrl}/fw/fw.bin`)).headers.etag as string;
    let r = await rawGet(`${server.baseUrl}/fw/fw.bin`, { range: 'bytes=100-', 'if-range': etag });
    expect(r.status).toBe(206);
    r = await rawGet(`${server.baseUrl}/fw/fw.bin`, { range: 'bytes=100-', 'if-range': '"other"' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual(image);
  });

  it('drops the connection after N bytes once, and the client can resume with Range', async () => {
    server.setFault('fw.bin', { dropAfterBytes: 1000, times: 1 });
    const cut = await rawGet(`${server.baseUrl}/fw/fw.bin`);
    expect(cut.body.length).toBe(1000);
    expect(cut.body).toEqual(image.subarray(0, 1000));
    const rest = await rawGet(`${server.baseUrl}/fw/fw.bin`, { range: 'bytes=1000-', 'if-range': cut.headers.etag as string });
    expect(rest.status).toBe(206);
    expect(new Uint8Array([...cut.body, ...rest.body])).toEqual(image);
    expect(server.events.downloads.map((d) => [d.status, d.bytesSent, d.dropped])).toEqual([
      [200, 1000, true],
      [206, 3096, false],
    ]);
  });

  it('applies a forced status and a delay, and 404s unknown files', async () => {
    server.setFault('fw.bin', { httpStatus: 503, delayMs: 50, times: 1 });
    const t0 = Date.now();
    expect((await rawGet(`${server.baseUrl}/fw/fw.bin`)).status).toBe(503);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    expect((await rawGet(`${server.baseUrl}/fw/fw.bin`)).status).toBe(200);
    expect((await rawGet(`${server.baseUrl}/fw/none.bin`)).status).toBe(404);
  });
});

describe('OMA DL 1.0 (docs/protocol.md §7)', () => {
  it('serves a descriptor pointing at the file and records install-notify reports with counts', async () => {
    const res = await fetch(`${server.baseUrl}/dd/fw.bin`);
    expect(res.headers.get('content-type')).toBe('application/vnd.oma.dd+xml');
    const dd = await res.text();
    expect(dd).toContain('<media xmlns="http://www.openmobilealliance.org/xmlns/dd">');
    expect(dd).toContain(`<objectURI>${server.baseUrl}/fw/fw.bin</objectURI>`);
    expect(dd).toContain('<size>4096</size>');
    const notify = /<installNotifyURI>(.*)<\/installNotifyURI>/.exec(dd)![1];
    expect(notify).toBe(`${server.baseUrl}/notify/fw.bin`);
    expect((await fetch(notify, { method: 'POST', body: '900 Success \n\r' })).status).toBe(200);
    await fetch(notify, { method: 'POST', body: '900 Success' });
    expect(server.events.installNotifies.map((n) => [n.code, n.text, n.occurrence])).toEqual([
      [900, 'Success', 1],
      [900, 'Success', 2],
    ]);
  });
});

describe('parseRange', () => {
  it('parses single byte ranges and ignores malformed or multi ranges', () => {
    expect(parseRange('bytes=0-0', 10)).toEqual({ start: 0, end: 0 });
    expect(parseRange('bytes=5-100', 10)).toEqual({ start: 5, end: 9 });
    expect(parseRange('bytes=-0', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=3-2', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,4-5', 10)).toBeNull();
    expect(parseRange('items=1-2', 10)).toBeNull();
  });
});
