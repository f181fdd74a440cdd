// On-target probe for the curl Transport: runs the POSTs described in a JSON file and reports each answer or error.
//   probe-transport.js <cases.json>
//   cases.json: [{ url, headers?, bodyHex? | bodyFile?, timeoutMs?, maxResponseBytes?, options?: CurlTransportOptions }]
//   Answers carry the body as hex up to 4 KiB, and always its length and SHA-256 (hex-coding is slow under qemu).
import { fromHex, hex } from '../../src/bytes.js';
import { CurlTransport, type CurlTransportOptions } from './transport.js';
import * as os from 'os';
import { isDirectory, listDir, makePrivateDir, readBytes, readText } from './files.js';
import { loadSha256 } from './hash.js';
import { runProbe, describeError } from './probe.js';

interface Case {
  url: string;
  headers?: Record<string, string>;
  bodyHex?: string;
  bodyFile?: string;
  timeoutMs?: number;
  /** Default 64 MiB. */
  maxResponseBytes?: number;
  options?: CurlTransportOptions;
}

function removeTree(path: string): void {
  if (isDirectory(path)) for (const name of listDir(path)) removeTree(`${path}/${name}`);
  os.remove(path);
}

runProbe(async (args) => {
  const sha = await loadSha256();
  const cases = JSON.parse(readText(args[0]) || '[]') as Case[];
  const results: unknown[] = [];
  for (const c of cases) {
    // A private base for the transport's temporary directory: after each exchange it must be empty again.
    const base = makePrivateDir('probe-transport');
    const transport = new CurlTransport({ tempBase: base, ...(c.options || {}) });
    const body = c.bodyFile ? readBytes(c.bodyFile) || new Uint8Array(0) : fromHex(c.bodyHex || '');
    const started = Date.now();
    try {
      const res = await transport.post({ url: c.url, headers: c.headers || {}, body, timeoutMs: c.timeoutMs || 10000, maxResponseBytes: c.maxResponseBytes || 64 * 1024 * 1024 });
      results.push({
        status: res.status,
        headers: res.headers,
        bodyLength: res.body.length,
        bodySha256: hex(sha.create().update(res.body).digest()),
        bodyHex: res.body.length <= 4096 ? hex(res.body) : null,
        ms: Date.now() - started,
      });
    } catch (e) {
      results.push({ error: describeError(e), ms: Date.now() - started });
    }
    // nothing of the exchange may stay behind: no files, no dm-agent-curl-* directory
    results.push({ leftovers: listDir(base) });
    for (const name of listDir(base)) removeTree(`${base}/${name}`);
    os.remove(base);
  }
  return results;
});
