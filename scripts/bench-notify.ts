// Benchmark: package 0 received by the QuickJS agent over HTTP and UDP (OMA-TS-DM_Notification-V1_2), through the
// socat relays into the spool (the fallback, forced) and through dmnative's own sockets, in the same run on host qjs.
// N genuine notifications are sent one after the other to the on-target probe (platform/quickjs/notify-probe.ts,
// spool polled every 20 ms); the table gives the time until all are queued, and for HTTP the POST answer time.
// Prints a Markdown table. Usage: npx tsx scripts/bench-notify.ts [N=40]   (or scripts/bench notify [N])
// UDP datagrams go out 5 ms apart (a burst would overflow socat's fork-per-datagram), which the UDP rows include.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hex } from '../src/bytes.js';
import { buildPkg0, wspPush } from './server/pkg0.js';
import { bundleForQjs, ensureQjs, qjsCommand } from '../test/support/qjs.js';

const N = Number(process.argv[2] || 40);
const NONCE = Uint8Array.from([1, 2, 3, 4]);
const pkg = (sessionId: number) => buildPkg0({ serverId: 'bench', secret: 'bench-secret', nonce: NONCE, uiMode: 1, initiator: 1, sessionId }).bytes;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function run(probe: string, kind: 'socat' | 'dmnative', via: 'http' | 'udp'): Promise<string> {
  const [udpPort, httpPort] = [await freePort(), await freePort()];
  const spool = mkdtempSync(path.join(tmpdir(), 'dm-bench-notify-'));
  const input = {
    notifications: { udp: { port: udpPort, address: '127.0.0.1' }, http: { port: httpPort, address: '127.0.0.1', path: '/n' }, spool: { dir: spool, pollMs: 20, settleMs: 0 }, queueCapacity: 1000 },
    credentials: [{ serverId: 'bench', secret: 'bench-secret', nonceHex: hex(NONCE) }],
    expect: N,
    timeoutMs: 120_000,
    listen: { forceSocat: kind === 'socat' },
  };
  const [cmd, ...pre] = qjsCommand('host');
  const child = spawn(cmd, [...pre, '-m', probe, JSON.stringify(input)]);
  let out = '';
  await new Promise<void>((resolve) => child.stdout.on('data', (b: Buffer) => ((out += b.toString()), out.includes('\n') && resolve())));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const t0 = performance.now();
  const answers: number[] = [];
  for (let i = 0; i < N; i++) {
    const body = pkg(0x100 + i);
    const t = performance.now();
    if (via === 'http') {
      const r = await fetch(`http://127.0.0.1:${httpPort}/n`, { method: 'POST', headers: { 'content-type': 'application/vnd.syncml.notification' }, body });
      await r.text();
      // a queue that could fill up (the probe takes one every 20 ms at most) would turn this into a 503 benchmark
      if (r.status !== 202) throw new Error(`POST ${i} answered ${r.status}`);
      answers.push(performance.now() - t);
    } else {
      await new Promise<void>((resolve) => {
        const s = createSocket('udp4');
        s.send(wspPush(body), udpPort, '127.0.0.1', () => (s.close(), resolve()));
      });
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  await exited;
  const total = performance.now() - t0;
  rmSync(spool, { recursive: true, force: true });
  const queued = JSON.parse(out.trim().split('\n').pop() as string).notifications.length;
  answers.sort((a, b) => a - b);
  const answer = via === 'http' ? `${answers[N >> 1].toFixed(1)} / ${answers[Math.floor(N * 0.9)].toFixed(1)}` : '-';
  return `| ${via.toUpperCase()} | ${kind} | ${queued}/${N} | ${total.toFixed(0)} | ${(total / N).toFixed(1)} | ${answer} |`;
}

const q = ensureQjs('host');
if (!q.path) throw new Error(`qjs unavailable: ${q.skip}`);
const probe = path.join(mkdtempSync(path.join(tmpdir(), 'dm-bench-notify-probe-')), 'notify-probe.js');
await bundleForQjs('platform/quickjs/notify-probe.ts', probe);
const rows: string[] = [];
for (const via of ['http', 'udp'] as const) for (const kind of ['socat', 'dmnative'] as const) rows.push(await run(probe, kind, via));
console.log(`| via | listener (host qjs) | queued | all queued, ms | ms per notification | POST answer median / p90, ms |\n|---|---|---|---|---|---|\n${rows.join('\n')}`);
