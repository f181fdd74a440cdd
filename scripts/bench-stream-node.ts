// Benchmark: peak RSS and throughput of the Node adapters' streamed package GET, flat in the image size or not. A
// server on 127.0.0.1 (this process) sends an image of N MiB made on the fly; a child Node process takes it
//   stream  Downloader.fetch → SHA-256 + WriterFile.pwrite into a slot file, fsync at the end (the one-pass install)
//   staged  Downloader.fetchToFile with onBody → SHA-256 (hash while staging)
//   idle    the same modules loaded, nothing fetched (the RSS floor)
// and reports its own process.resourceUsage().maxRSS. The baseline is `curl | tee >(sha256sum) | dd conv=fsync` on
// the same server. Usage: npx tsx scripts/bench-stream-node.ts [MiB ...]   (default: 64 256)
// CHILD_NODE_FLAGS="--max-semi-space-size=1 ..." passes V8/Node flags to the child (to see what GC settings change).

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const MIB = 1 << 20;

async function child(mode: string, url: string, file: string): Promise<void> {
  const { NodeDownloader } = await import('../platform/node/download.js');
  const { nodeWriterFs } = await import('../platform/node/writer-ports.js');
  const { Sha256 } = await import('../platform/node/hash.js');
  const d = new NodeDownloader();
  const h = new Sha256();
  const req = { url, offset: 0, connectTimeoutMs: 5000, idleTimeoutMs: 10000 };
  const t0 = performance.now();
  let bytes = 0;
  if (mode === 'idle') {
    // The modules loaded, nothing fetched: the floor every row stands on.
  } else if (mode === 'stream') {
    const slot = await nodeWriterFs.open(file);
    let pos = 0;
    await d.fetch(req, {
      onResponse: async () => undefined,
      onBody: async (b) => {
        h.update(b);
        await slot.pwrite(b, pos);
        pos += b.length;
      },
    });
    await slot.sync();
    await slot.close();
    bytes = pos;
  } else {
    const r = await d.fetchToFile(Object.assign(req, { file }), { onResponse: async () => undefined, onBody: (b) => void h.update(b) });
    bytes = r.fileSize;
  }
  const ms = performance.now() - t0;
  const sha256 = Buffer.from(h.digest()).toString('hex');
  process.stdout.write(JSON.stringify({ sha256, bytes, ms, maxRssKiB: process.resourceUsage().maxRSS }) + '\n');
}

function run(cmd: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args);
    let out = '';
    let err = '';
    c.stdout.on('data', (x: Buffer) => (out += x));
    c.stderr.on('data', (x: Buffer) => (err += x));
    c.on('close', (code) => resolve({ code: code === null ? -1 : code, out, err }));
  });
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const block = randomBytes(MIB);
  const server = http.createServer((req, res) => {
    const mib = Number((req.url || '').split('/').pop());
    res.writeHead(200, { 'content-length': String(mib * MIB) });
    let i = 0;
    const pump = () => {
      while (i < mib) {
        const piece = Buffer.from(block);
        piece[0] = i & 0xff; // every MiB differs
        i++;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const dir = mkdtempSync(path.join('/var/tmp', 'dm-bench-stream-'));
  // The child runs as one esbuild bundle on plain node: tsx alone would add ~40 MiB of RSS to every row.
  const bundle = path.join(dir, 'child.mjs');
  const { build } = await import('esbuild');
  await build({ entryPoints: [fileURLToPath(import.meta.url)], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'error' });
  const rows: string[] = ['| MiB | pipeline | MiB/s | max RSS MiB | SHA-256 right |', '|---|---|---|---|---|'];
  try {
    for (const mib of sizes.length ? sizes : [64, 256]) {
      const h = createHash('sha256');
      for (let i = 0; i < mib; i++) {
        block[0] = i & 0xff;
        h.update(block);
      }
      const want = h.digest('hex');
      const url = `http://127.0.0.1:${port}/${mib}`;
      for (const mode of ['idle', 'stream', 'staged']) {
        const r = await run(process.execPath, [...(process.env.CHILD_NODE_FLAGS ? process.env.CHILD_NODE_FLAGS.split(" ") : []), bundle, '--child', mode, url, path.join(dir, `${mode}.bin`)]);
        if (r.code !== 0) throw new Error(`${mode}: ${r.err}`);
        const o = JSON.parse(r.out) as { sha256: string; bytes: number; ms: number; maxRssKiB: number };
        const rate = mode === 'idle' ? '-' : ((o.bytes / MIB) / (o.ms / 1000)).toFixed(0);
        rows.push(`| ${mib} | node ${mode} | ${rate} | ${(o.maxRssKiB / 1024).toFixed(1)} | ${mode === 'idle' ? '-' : o.sha256 === want} |`);
        rmSync(path.join(dir, `${mode}.bin`), { force: true });
      }
      const out = path.join(dir, 'dd.bin');
      const t0 = performance.now();
      const b = await run('bash', ['-c', `set -o pipefail; curl -sS ${url} | tee >(sha256sum >${dir}/sum) | dd of=${out} bs=1M conv=fsync status=none; wait`]);
      const ms = performance.now() - t0;
      if (b.code !== 0) throw new Error(`baseline: ${b.err}`);
      rows.push(`| ${mib} | curl \\| tee >(sha256sum) \\| dd conv=fsync | ${(mib / (ms / 1000)).toFixed(0)} | - | - |`);
      rmSync(out, { force: true });
    }
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(rows.join('\n'));
}

if (process.argv[2] === '--child') void child(process.argv[3], process.argv[4], process.argv[5]);
else void main();
