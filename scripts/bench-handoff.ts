// Benchmark: `dm-agent request --user` handed to a running daemon (docs/handoff.md) against the same request run by
// the command itself (the anchor, same run, same server), and what the waiting daemon costs: its CPU time while idle.
// Runtimes: Node and the executable the images ship (host build). The reference DM server (accept-202) runs in this
// process. Prints a Markdown table. Usage: npx tsx scripts/bench-handoff.ts [--runs N=15] [--idle SECONDS=30]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDmServer } from './server/dm-server.js';
import { agentCommand, prepareRuntime, type AgentRuntime } from '../test/support/agent.js';

const arg = (name: string, dflt: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : dflt);
const RUNS = arg('--runs', 15);
const IDLE_S = arg('--idle', 30);
const TICK_MS = 10; // /proc/<pid>/stat counts clock ticks of 1/100 s (USER_HZ)

function run(argv: string[]): Promise<{ code: number; ms: number; err: string }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1));
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('close', (code) => resolve({ code: code === null ? -1 : code, ms: performance.now() - t0, err }));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuMs = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS; // utime, stime (fields 14 and 15 of stat)
};

async function bench(rt: AgentRuntime, url: string): Promise<string> {
  prepareRuntime(rt);
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-bench-handoff-'));
  const config = path.join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ server: { url }, stateDir: path.join(dir, 'state'), device: { devIdScheme: 'fixed', devId: 'MAC:02BE0C0FF0FF' } }));
  const cmd = [...agentCommand(rt), '--config', config];
  const request = async () => {
    const r = await run([...cmd, 'request', '--user']);
    if (r.code !== 0) throw new Error(`request exited ${r.code}: ${r.err}`);
    return r;
  };
  await request(); // warm the page cache and the state directory
  const direct: number[] = [];
  const handed: number[] = [];
  const daemon = spawn(cmd[0], [...cmd.slice(1), 'daemon']);
  let log = '';
  daemon.stderr.on('data', (b: Buffer) => (log += b.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setInterval(() => /daemon ready/.test(log) && (clearInterval(t), resolve()), 20);
      setTimeout(() => reject(new Error(`daemon not ready: ${log}`)), 30_000);
    });
    const before = cpuMs(daemon.pid!);
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    const idleMs = cpuMs(daemon.pid!) - before;
    // Interleaved: a handed request, then the daemon stopped for a direct one would cost a restart each time; instead the
    // direct runs use a second state directory with no daemon, same server, same configuration otherwise.
    const lone = path.join(dir, 'lone.json');
    writeFileSync(lone, JSON.stringify({ server: { url }, stateDir: path.join(dir, 'lone'), device: { devIdScheme: 'fixed', devId: 'MAC:02BE0C0FF0FE' } }));
    for (let i = 0; i < RUNS; i++) {
      const h = await request();
      if (!/handed to the running daemon/.test(h.err)) throw new Error(`not handed over: ${h.err}`);
      handed.push(h.ms);
      const d = await run([...agentCommand(rt), '--config', lone, 'request', '--user']);
      if (d.code !== 0) throw new Error(`direct request exited ${d.code}: ${d.err}`);
      direct.push(d.ms);
    }
    const perMin = (idleMs / IDLE_S) * 60;
    return `| ${rt} | ${median(direct).toFixed(1)} | ${median(handed).toFixed(1)} | ${(median(handed) / median(direct)).toFixed(2)} | ${perMin.toFixed(0)} ms (${((perMin / 60000) * 100).toFixed(2)}%) |`;
  } finally {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.on('close', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const server = await startDmServer({ port: 0, scenario: 'accept-202' });
try {
  console.log(`request --user to a 202 server, median of ${RUNS} (handed and direct interleaved); daemon idle CPU over ${IDLE_S} s`);
  console.log('');
  console.log('| runtime | direct, ms (anchor) | handed to the daemon, ms | ratio | idle daemon CPU per minute |');
  console.log('|---|---:|---:|---:|---:|');
  for (const rt of ['node', 'qjs-exe'] as AgentRuntime[]) console.log(await bench(rt, server.url));
} finally {
  await server.close();
}
