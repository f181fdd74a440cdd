// Benchmark: download + hash + write of a 64 MiB image through the real pipeline (FumoEngine DownloadAndUpdate over
// NodeDownloader → staging file → SHA-256 verify → FileWriter / uboot-ab slot write with read-back hash), served from a
// file by a local HTTP server on 127.0.0.1 (streamed from disk so the server does not inflate RSS).
// Usage: npx tsx scripts/bench-update.ts [MiB=64] [writer=file|uboot-ab] [--qjs]
//   --qjs also runs the same DownloadAndUpdate (file writer) on QuickJS (curl + dmnative SHA-256) and reports its
//   wall time and max RSS (GNU time %M: the largest of qjs and its children, e.g. curl).

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReadStream, mkdtempSync, openSync, writeSync, closeSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { NodeDownloader, NodeStagingFiles } from '../platform/node/download.js';
import { FileWriter } from '../src/update/writers/file.js';
import { FwEnv, writeFileEnvConfig } from '../platform/node/flash/fw-env.js';
import { UbootAbWriter } from '../src/update/writers/uboot-ab.js';
import { nodeWriterFs } from '../platform/node/writer-ports.js';
import { FumoEngine } from '../src/fumo/engine.js';
import { MemoryJournalStore } from '../src/fumo/journal.js';
import type { FlashWriter } from '../src/ports/update.js';
import { bundleForQjs, qjsCommand, qjsSkipReason } from '../test/support/qjs.js';

async function main() {
  const mib = Number(process.argv[2] || '64');
  const writerKind = process.argv[3] || 'file';
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-bench-'));
  const image = path.join(dir, 'image.bin');
  const h = createHash('sha256');
  const fd = openSync(image, 'w');
  const block = randomBytes(1 << 20);
  for (let i = 0; i < mib; i++) {
    block[0] = i & 0xff; // make every MiB different
    h.update(block);
    writeSync(fd, block);
  }
  closeSync(fd);
  const digest = h.digest('hex');
  const size = statSync(image).size;

  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-length': String(size), etag: '"bench"', 'accept-ranges': 'bytes' });
    createReadStream(image, { highWaterMark: 256 << 10 }).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  let writer: FlashWriter;
  if (writerKind === 'uboot-ab') {
    const cfg = path.join(dir, 'fw_env.config');
    for (const c of ['env0', 'env1']) writeFileSync(path.join(dir, c), Buffer.alloc(0x4000));
    writeFileEnvConfig(cfg, path.join(dir, 'env0'), path.join(dir, 'env1'));
    const def = path.join(dir, 'default.env');
    writeFileSync(def, 'dm_slot=A\ndm_A_ok=1\ndm_B_ok=0\nbootlimit=3\n');
    const env = new FwEnv({ config: cfg, defaultEnv: def });
    await env.write({ dm_slot: 'A', dm_A_ok: '1', dm_B_ok: '0', bootlimit: '3' });
    writer = new UbootAbWriter({ slots: { A: path.join(dir, 'slotA'), B: path.join(dir, 'slotB') }, env, fs: nodeWriterFs, bootedSlot: async () => 'A' });
  } else {
    writer = new FileWriter(nodeWriterFs, path.join(dir, 'firmware.bin'));
  }

  const startRss = process.memoryUsage().rss;
  let peakRss = startRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  const marks: Record<string, number> = {};
  const t0 = performance.now();
  const engine = new FumoEngine({
    fumoUri: './FUMO',
    store: new MemoryJournalStore(),
    downloader: new NodeDownloader(),
    files: new NodeStagingFiles(),
    writer,
    clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    random: { bytes: (n) => new Uint8Array(randomBytes(n)) },
    rebooter: { reboot: async () => undefined },
    stagingFile: path.join(dir, 'pkg.bin'),
    urlPolicy: { allowedHosts: ['127.0.0.1'] },
    verification: { requireSignature: false, publicKeys: [] },
    onEvent: (e) => {
      if (e.type === 'step' && marks[e.step] === undefined) marks[e.step] = performance.now() - t0;
    },
  });
  const ans = await engine.exec('DownloadAndUpdate', { pkgUrl: `http://127.0.0.1:${port}/image.bin`, sha256: digest });
  await ans.done;
  const total = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const report = engine.pendingReports()[0];
  const maxRssKb = process.resourceUsage().maxRSS;
  const mbps = (x: number) => (mib / x).toFixed(1);
  const dl = (marks.Verify - marks.Download) / 1000;
  const verify = (marks.Install - marks.Verify) / 1000;
  const write = ((marks.Activate || marks.Report) - marks.Install) / 1000;
  console.log(
    JSON.stringify(
      {
        node: process.version,
        writer: writerKind,
        imageMiB: mib,
        result: report ? report.resultCode : `awaiting reboot (journal step ${engine.job() ? engine.job()!.step : '-'})`,
        seconds: { total: +total.toFixed(2), download: +dl.toFixed(2), verify: +verify.toFixed(2), writeAndReadBack: +write.toFixed(2) },
        MiBps: { endToEnd: mbps(total), download: mbps(dl), verify: mbps(verify), writeAndReadBack: mbps(write) },
        rssBeforeMiB: +(startRss / (1 << 20)).toFixed(1),
        peakRssDuringMiB: +(peakRss / (1 << 20)).toFixed(1),
        maxRssProcessMiB: +((maxRssKb * 1024) / (1 << 20)).toFixed(1),
      },
      null,
      1,
    ),
  );
  if (process.argv.indexOf('--qjs') >= 0) {
    const skip = qjsSkipReason('host');
    if (skip) console.log(`qjs: skipped (${skip})`);
    else {
      const bundle = await bundleForQjs('test/update.qjs-entry.ts', path.join(dir, 'update.js'));
      const qdir = path.join(dir, 'qjs');
      const target = path.join(qdir, 'firmware.bin');
      const { mkdirSync } = await import('node:fs');
      mkdirSync(qdir, { recursive: true });
      const args = JSON.stringify({ mode: 'file', url: `http://127.0.0.1:${port}/image.bin`, sha256: digest, dir: qdir, target });
      const q0 = performance.now();
      // spawnSync would block this process's HTTP server: run it through a promise instead.
      const { spawn } = await import('node:child_process');
      const r = await new Promise<{ code: number; out: string; err: string }>((resolve) => {
        const c = spawn('/usr/bin/time', ['-f', 'maxrss_kb=%M', ...qjsCommand('host'), '-m', bundle, args]);
        let out = '';
        let err = '';
        c.stdout.on('data', (d: Buffer) => (out += d));
        c.stderr.on('data', (d: Buffer) => (err += d));
        c.on('close', (code) => resolve({ code: code === null ? -1 : code, out, err }));
      });
      const qs = (performance.now() - q0) / 1000;
      const rss = /maxrss_kb=(\d+)/.exec(r.err);
      console.log(
        JSON.stringify({
          runtime: 'qjs',
          writer: 'file',
          imageMiB: mib,
          exit: r.code,
          output: r.out.trim(),
          seconds: +qs.toFixed(2),
          MiBps: (mib / qs).toFixed(1),
          maxRssMiB: rss ? +(Number(rss[1]) / 1024).toFixed(1) : null,
        }),
      );
    }
  }
  server.close();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
