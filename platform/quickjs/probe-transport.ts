// On-target probe for the curl Transport: runs the POSTs described in a JSON file and reports each answer or error.
//   probe-transport.js <cases.json>
//   cases.json: [{ url, headers?, bodyHex? | bodyFile?, timeoutMs?, options?: CurlTransportOptions }]
//   Answers carry the body as hex up to 4 KiB, and always its length and SHA-256 (hex-coding is slow under qemu).
import { fromHex, hex } from '../../src/bytes.js';
import { CurlTransport, type CurlTransportOptions } from './transport.js';
import { exists, readBytes, readText, listDir } from './files.js';
import { loadSha256 } from './hash.js';
import { runProbe, describeError } from './probe.js';

interface Case {
  url: string;
  headers?: Record<string, string>;
  bodyHex?: string;
  bodyFile?: string;
  timeoutMs?: number;
  options?: CurlTransportOptions;
}

runProbe(async (args) => {
  const sha = await loadSha256();
  const cases = JSON.parse(readText(args[0]) || '[]') as Case[];
  const results: unknown[] = [];
  for (const c of cases) {
    const transport = new CurlTransport(c.options || {});
    const body = c.bodyFile ? readBytes(c.bodyFile) || new Uint8Array(0) : fromHex(c.bodyHex || '');
    const started = Date.now();
    try {
      const res = await transport.post({ url: c.url, headers: c.headers || {}, body, timeoutMs: c.timeoutMs || 10000 });
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
    // the private temp directory must be empty again after every exchange
    const t = transport as unknown as { tempDir: string | null };
    if (t.tempDir) {
      const dir = t.tempDir;
      results.push({ leftovers: listDir(dir) });
      transport.close();
      if (exists(dir)) throw new Error(`close() left ${dir} behind`);
    }
  }
  return results;
});
