// Load: N simulated agents (in-process DmSession instances, each with its own DmTree, real DM 1.2 over loopback HTTP
// through the Node transport platform/node/transport.ts) run a scheduled check (device request, Generic Alert 1226)
// against the reference server at once, or spread by a random start delay (jitter). Reports the server's peak of
// concurrent sessions, the agents' success rate, p50/p99 session time; and the agent's own heap with 1,000 queued
// UI alerts (src/ui/queue.ts BoundedUiQueue) against an unbounded queue.
//
//   npx tsx scripts/load.ts [--agents 1000] [--jitter-ms 10000] [--scenario get-devdetail]   (or scripts/load ...)
//   node --expose-gc gives exact heap figures for the UI-queue measure (the wrapper passes it);
//   --ui-only prints only that measure, as JSON.
import { DmSession, SessionError } from '../src/dm/session.js';
import { CommandExecutor } from '../src/dm/executor.js';
import { ClientAuthenticator } from '../src/dm/client-auth.js';
import { ServerAuthenticator } from '../src/dm/server-auth.js';
import { DmTree } from '../src/tree/dm-tree.js';
import { buildUpdateRequest } from '../src/alerts/update-request.js';
import { utf8Encode } from '../src/bytes.js';
import { BoundedUiQueue } from '../src/ui/index.js';
import type { Log, UiAnswer, UiRequest, UserInterface } from '../src/ports/runtime.js';
import { createNodeTransport } from '../platform/node/transport.js';
import { startDmServer } from './server/dm-server.js';

const silent: Log = { log: () => undefined };

export interface LoadOptions {
  agents: number;
  /** Each agent starts after a random delay in [0, jitterMs). 0 = all at once. */
  jitterMs: number;
  scenario?: string;
  timeoutMs?: number;
  encoding?: 'wbxml' | 'xml';
}

export interface LoadResult {
  agents: number;
  jitterMs: number;
  ok: number;
  failed: number;
  errors: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  wallMs: number;
  /** Most sessions open at the server at one time (from its session records: first message to last answer). */
  serverPeakConcurrent: number;
  /** Most agents inside session.run() at one time. */
  clientPeakConcurrent: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Most intervals overlapping at one instant. */
export function peakOverlap(intervals: Array<[number, number]>): number {
  const ev: Array<[number, number]> = [];
  for (const [a, b] of intervals) ev.push([a, 1], [b, -1]);
  // Ends before starts at the same instant: touching intervals do not overlap.
  ev.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let cur = 0;
  let peak = 0;
  for (const [, d] of ev) {
    cur += d;
    if (cur > peak) peak = cur;
  }
  return peak;
}

function agentTree(i: number): DmTree {
  const t = new DmTree();
  t.setValue('./DevDetail/FwV', { data: '1.0.' + (i % 10) }, { acl: 'Get=*' });
  t.setValue('./DevDetail/SwV', { data: '1.0' }, { acl: 'Get=*' });
  t.setValue('./DevDetail/HwV', { data: 'A' }, { acl: 'Get=*' });
  t.setValue('./DevDetail/DevTyp', { data: 'gateway' }, { acl: 'Get=*' });
  t.setValue('./DevDetail/OEM', { data: 'Acme' }, { acl: 'Get=*' });
  return t;
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const server = await startDmServer({ port: 0, scenario: opts.scenario || 'get-devdetail', respUri: true, sessionTimeoutMs: 600_000 });
  const transport = createNodeTransport();
  const durations: number[] = [];
  const intervals: Array<[number, number]> = [];
  const errors: Record<string, number> = {};
  let ok = 0;
  const t0 = Date.now();
  const runOne = async (i: number): Promise<void> => {
    if (opts.jitterMs > 0) await new Promise((r) => setTimeout(r, Math.random() * opts.jitterMs));
    const devId = `MAC:02LOAD${i.toString(16).padStart(6, '0').toUpperCase()}`;
    const nonces = { c: utf8Encode('c'), s: utf8Encode('s') };
    const session = new DmSession(
      { serverUrl: server.url, serverId: 'dm-agent-reference-server', devId, encoding: opts.encoding || 'wbxml', maxMsgSize: 16384, maxObjSize: 1 << 20, maxMessages: 20, timeoutMs: opts.timeoutMs || 30_000 },
      {
        transport,
        clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
        log: silent,
        executor: new CommandExecutor(agentTree(i), { handle: async () => ({ code: 200, items: [], skipRest: false }) }),
        clientAuth: new ClientAuthenticator({ type: 'none', name: '', secret: '' }, { clientNonce: () => nonces.c, setClientNonce: async (n) => void (nonces.c = n) }),
        serverAuth: new ServerAuthenticator({ type: 'none', name: '', secret: '' }, { serverNonce: () => nonces.s, setServerNonce: async (n) => void (nonces.s = n) }, () => utf8Encode('n')),
        devInfo: async () => [
          ['./DevInfo/DevId', devId],
          ['./DevInfo/Man', 'Acme'],
          ['./DevInfo/Mod', 'GW-100'],
          ['./DevInfo/DmV', 'dm-agent 0.1'],
          ['./DevInfo/Lang', 'en-US'],
        ],
      },
      { initiator: 'client', sessionId: ((i % 0xfffe) + 1).toString(16).toUpperCase(), alerts: [buildUpdateRequest('device', { kind: 'fumo' })] },
    );
    const s = Date.now();
    try {
      const out = await session.run();
      const st = out.alerts[0].status;
      if (st === 200 || st === 202) ok++;
      else errors[`status ${st}`] = (errors[`status ${st}`] || 0) + 1;
    } catch (e) {
      const k = e instanceof SessionError ? `${e.kind}: ${e.message.replace(/\d+/g, 'N').slice(0, 60)}` : String(e);
      errors[k] = (errors[k] || 0) + 1;
    }
    const e = Date.now();
    durations.push(e - s);
    intervals.push([s, e]);
  };
  await Promise.all(Array.from({ length: opts.agents }, (_, i) => runOne(i)));
  const wallMs = Date.now() - t0;
  const st = JSON.parse(server.state()) as { sessions: Array<{ startedAt: number; endedAt?: number; lastAt?: number }> };
  // A session whose end the server did not record (the client simply stopped) ends at its last message: the
  // session's own end as the server sees it.
  const serverIntervals: Array<[number, number]> = st.sessions.map((x) => [x.startedAt, x.endedAt || x.lastAt || x.startedAt]);
  const unended = st.sessions.filter((x) => !x.endedAt).length;
  if (unended) process.stderr.write(`load: ${unended} server sessions without an end time\n`);
  await server.close();
  durations.sort((a, b) => a - b);
  return {
    agents: opts.agents,
    jitterMs: opts.jitterMs,
    ok,
    failed: opts.agents - ok,
    errors,
    p50Ms: percentile(durations, 50),
    p99Ms: percentile(durations, 99),
    maxMs: durations[durations.length - 1] || 0,
    wallMs,
    serverPeakConcurrent: peakOverlap(serverIntervals),
    clientPeakConcurrent: peakOverlap(intervals),
  };
}

/** A UI nobody answers: every request waits forever (the worst case for a queue). */
class NeverUi implements UserInterface {
  ask(_r: UiRequest): Promise<UiAnswer> {
    return new Promise<UiAnswer>(() => undefined);
  }
}

/** An unbounded queue, for comparison: every request is kept. */
class UnboundedUi implements UserInterface {
  readonly waiting: Array<{ r: UiRequest; resolve: (a: UiAnswer) => void }> = [];
  ask(r: UiRequest): Promise<UiAnswer> {
    return new Promise((resolve) => this.waiting.push({ r, resolve }));
  }
}

export interface UiQueueResult {
  alerts: number;
  bound: number;
  waiting: number;
  refused416: number;
  boundedHeapDeltaKiB: number;
  unboundedHeapDeltaKiB: number;
  exactGc: boolean;
}

function heap(): number {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
  return process.memoryUsage().heapUsed;
}

/** 1,000 UI alerts (each with a 2 KiB text) queued at once behind a UI that never answers. */
export async function measureUiQueue(alerts = 1000, bound = 16): Promise<UiQueueResult> {
  const text = 'Install firmware 2.4.1? '.repeat(90);
  // A flat copy per alert (text + i alone would be a rope sharing `text`, hiding the cost of keeping it).
  const mk = (i: number): UiRequest => ({ kind: 'confirm', text: JSON.parse(JSON.stringify(i + ' ' + text)) as string, maxWaitSeconds: 60 });
  const h0 = heap();
  const q = new BoundedUiQueue(new NeverUi(), bound, silent);
  const answers: Array<Promise<UiAnswer>> = [];
  for (let i = 0; i < alerts; i++) answers.push(q.ask(mk(i)));
  let refused = 0;
  await Promise.all(answers.map((p) => Promise.race([p.then((a) => void (a.kind === 'cannotDisplay' && refused++)), Promise.resolve()])));
  await new Promise((r) => setTimeout(r, 10));
  answers.length = 0;
  const h1 = heap();
  const u = new UnboundedUi();
  const kept: Array<Promise<UiAnswer>> = [];
  for (let i = 0; i < alerts; i++) kept.push(u.ask(mk(i)));
  const h2 = heap();
  const res = {
    alerts,
    bound,
    waiting: q.pending,
    refused416: q.droppedCount,
    boundedHeapDeltaKiB: Math.round((h1 - h0) / 1024),
    unboundedHeapDeltaKiB: Math.round((h2 - h1) / 1024),
    exactGc: typeof (globalThis as { gc?: unknown }).gc === 'function',
  };
  void refused;
  void kept.length;
  void u.waiting.length;
  return res;
}

async function main(): Promise<void> {
  const arg = (name: string, dflt: number) => {
    const i = process.argv.indexOf(name);
    return i >= 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : dflt;
  };
  const si = process.argv.indexOf('--scenario');
  const scenario = si >= 0 ? process.argv[si + 1] : 'get-devdetail';
  if (process.argv.indexOf('--ui-only') >= 0) {
    console.log(JSON.stringify(await measureUiQueue(arg('--alerts', 1000), arg('--bound', 16))));
    return;
  }
  const agents = arg('--agents', 1000);
  const jitter = arg('--jitter-ms', 10000);
  console.log(`| agents | start | server peak concurrent sessions | success | p50 session | p99 session | max | wall |`);
  console.log(`|---:|---|---:|---:|---:|---:|---:|---:|`);
  for (const j of [0, jitter]) {
    const r = await runLoad({ agents, jitterMs: j, scenario });
    const errs = Object.entries(r.errors).map(([k, v]) => `${v}x ${k}`).join('; ');
    console.log(`| ${r.agents} | ${j ? `jitter 0-${j / 1000} s` : 'all at once'} | ${r.serverPeakConcurrent} | ${((100 * r.ok) / r.agents).toFixed(1)} %${errs ? ` (${errs})` : ''} | ${r.p50Ms} ms | ${r.p99Ms} ms | ${r.maxMs} ms | ${(r.wallMs / 1000).toFixed(1)} s |`);
  }
  const u = await measureUiQueue(1000, 16);
  console.log('');
  console.log(`UI queue: ${u.alerts} alerts behind a UI that never answers, bound ${u.bound}: ${u.waiting} waiting, ${u.refused416} answered 416 at once;`);
  console.log(`heap growth bounded queue ${u.boundedHeapDeltaKiB} KiB vs unbounded ${u.unboundedHeapDeltaKiB} KiB${u.exactGc ? ' (after gc)' : ' (no --expose-gc: approximate)'}`);
}

if (typeof process !== 'undefined' && process.argv[1] && /load\.ts$/.test(process.argv[1])) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
