// The package server of `scripts/bench flash`: serves ONE file on 127.0.0.1 from disk (streamed, so its RSS stays
// small and is not the agent's: it runs as its own process), with a strong ETag and single byte ranges
// (`Range: bytes=N-` / `N-M`, `If-Range`), which the agent's resumable download uses (docs/protocol.md §5.3).
// Usage: node scripts/bench-flash/image-server.mjs FILE   → prints the port on stdout, serves until killed.
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: image-server.mjs FILE\n');
  process.exit(2);
}
const st = statSync(file);
const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;

const server = createServer((req, res) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  let start = 0;
  let end = st.size - 1;
  let status = 200;
  const range = req.headers.range;
  const ifRange = req.headers['if-range'];
  const m = range ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
  // RFC 9110 §13.1.5: a Range under a stale If-Range validator gets the whole representation.
  if (m && (ifRange === undefined || ifRange === etag)) {
    start = Number(m[1]);
    if (m[2]) end = Math.min(end, Number(m[2]));
    if (start > end) {
      res.writeHead(416, { 'content-range': `bytes */${st.size}` }).end();
      return;
    }
    status = 206;
  }
  const headers = { 'content-length': String(end - start + 1), etag, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' };
  if (status === 206) headers['content-range'] = `bytes ${start}-${end}/${st.size}`;
  res.writeHead(status, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file, { start, end, highWaterMark: 256 << 10 }).pipe(res);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
