// Child process for the kill test: downloads argv[2] into argv[3] with the real adapter, printing progress, until
// the parent kills it with SIGKILL.
import { NodeDownloader, NodeStagingFiles } from '../../platform/node/download.js';
import { downloadResumable } from '../../src/update/download.js';

const [url, file] = process.argv.slice(2);
downloadResumable(new NodeDownloader({ writeBufferBytes: 4096 }), new NodeStagingFiles(), {
  url,
  file,
  policy: { allowedHosts: ['127.0.0.1'] },
  clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
  random: { bytes: (n) => new Uint8Array(n) },
  onProgress: (p) => process.stdout.write(`${p.received}\n`),
}).then(
  () => process.stdout.write('done\n'),
  (e) => {
    process.stderr.write(String(e) + '\n');
    process.exit(2);
  },
);
