// Issue 20 item 5 end to end, on the built agent (Node and host qjs) against the reference server's `fumo-pkgdata`
// scenario (scripts/server/pkgdata.ts): the server delivers the firmware inside the DM session as a large object
// (Replace ./FUMO/Update/PkgData, Format b64, MoreData chunks, Meta Size = decoded bytes), then Execs ./FUMO/Update.
// The agent streams the chunks to staging, verifies the package against Ext/PkgSHA256, flashes slot B of the A/B
// pair (U-Boot env through the real fw_setenv), and after the reboot reports 200 with the Exec's Correlator.
// The agent's peak RSS (VmHWM, polled while it runs) is measured for a 1 MiB and an 8 MiB package: flat, the package
// is never held whole in memory. A package over server.maxObjSize is refused with 413 and nothing is flashed.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { agentCommand, agentConfig, prepareRuntime, runtimeSkipReason, type AgentRuntime } from './support/agent.js';
import { repoRoot } from './support/qjs.js';
import { abDevice } from './support/ab-device.js';

const MiB = 1024 * 1024;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const oldFw = randomBytes(40_000);
const small = randomBytes(1 * MiB);
const big = randomBytes(8 * MiB);
const VERSION = new Map([
  [sha(oldFw), '1.0'],
  [sha(small), '2.0'],
  [sha(big), '2.0'],
]);

const servers: Record<string, DmServer> = {};
beforeAll(async () => {
  for (const [name, bytes] of [['small', small], ['big', big]] as const) {
    servers[name] = await startDmServer({ port: 0, scenario: 'fumo-pkgdata', files: { 'fw.bin': new Uint8Array(bytes) }, params: { pkgVersion: '2.0' }, maxMsgSize: 4 * MiB });
  }
});
/** Scratch directories of the devices (8 MiB slots each): removed at the end. */
const scratch: string[] = [];
afterAll(async () => {
  for (const s of Object.values(servers)) await s.close();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** Peak resident set of the agent process (VmHWM), KiB. */
  peakKiB: number;
}

/** Runs the agent and polls its VmHWM (the kernel's peak RSS of the process) until it exits. */
function runMeasured(rt: AgentRuntime, args: string[], timeoutMs: number, nodeOptions = ''): Promise<Run> {
  const [cmd, ...pre] = agentCommand(rt);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, ...args], { cwd: repoRoot, env: { ...process.env, NODE_OPTIONS: nodeOptions } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let peakKiB = 0;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
      } catch {
        /* exited */
      }
    }, 20);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ code: code === null ? -1 : code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), peakKiB });
    });
    child.stdin.end();
  });
}

/** The FUMO journal as the agent stored it (src/state DurableStore: a checksummed envelope around the JSON). */
function journal(state: string): Record<string, unknown> {
  return JSON.parse(JSON.parse(readFileSync(path.join(state, 'fumo'), 'utf8')).payload);
}

let n = 0;
async function device(server: DmServer, extra: Record<string, unknown> = {}) {
  const devId = `MAC:0200000020${(++n).toString(16).padStart(2, '0').toUpperCase()}`;
  const c = agentConfig({}, 'pkgdata');
  scratch.push(c.dir);
  const { env, slots, boot, config } = await abDevice(c.dir, oldFw, VERSION);
  writeFileSync(
    c.config,
    JSON.stringify(
      config(devId, {
        // 128 KiB messages: the 8 MiB package (11 MiB of base64) comes in about 90 of them.
        server: { url: server.url, id: 'dm-agent-reference-server', encoding: 'wbxml', maxMsgSize: 128 * 1024, maxObjSize: 16 * MiB, maxMessages: 400, ...extra },
        stateDir: c.state,
        log: { level: 'info' },
      }),
    ),
  );
  const reports = () => (JSON.parse(server.state()).reports as Array<{ devId: string; resultCode?: number; correlator?: string }>).filter((r) => r.devId === devId);
  const statuses = () =>
    (JSON.parse(server.state()).statuses as Array<{ devId: string; cmd: string; code: number; target?: string }>).filter((s) => s.devId === devId && s.target === './FUMO/Update/PkgData');
  return { devId, c, env, slots, boot, reports, statuses };
}

for (const rt of ['node', 'qjs'] as AgentRuntime[]) {
  const skip = runtimeSkipReason(rt);
  describe.skipIf(!!skip)(`FUMO PkgData delivered inside the DM session on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);

    it('chunks → staging → Exec Update → slot B flashed and verified → reboot → 200; peak RSS flat from 1 MiB to 8 MiB', async () => {
      const peaks: Record<string, number> = {};
      for (const [name, pkg] of [['small', small], ['big', big]] as const) {
        const server = servers[name];
        const d = await device(server);
        const t0 = Date.now();
        // Node: a 32 MiB heap limit — a package held whole (11 MiB of base64 chunks, their join, 8 MiB decoded) would
        // not fit, and the agent would die; its RSS also counts buffers glibc keeps, so its bound is looser.
        const r = await runMeasured(rt, ['--config', d.c.config, 'request', '--user'], 600_000, '--max-old-space-size=32');
        expect(r.code, r.stderr).toBe(0);
        peaks[name] = r.peakKiB;
        const st = d.statuses();
        const chunks = st.filter((s) => s.code === 213).length;
        console.log(`[${rt}] PkgData ${pkg.length / MiB} MiB: ${chunks + 1} chunks, request ${Date.now() - t0} ms, agent peak RSS ${r.peakKiB} KiB`);
        // Every chunk but the last 213, the last 200 (the whole package verified into staging).
        expect(chunks).toBeGreaterThan(name === 'big' ? 60 : 6);
        expect(st.map((s) => s.code)).toEqual([...Array(chunks).fill(213), 200]);
        // Flashed into B and verified (the writer read the slot back), switched, waiting for the operator's reboot.
        expect(sha(readFileSync(d.slots.B))).toBe(sha(pkg));
        expect(sha(readFileSync(d.slots.A))).toBe(sha(oldFw));
        expect(await d.env.read()).toMatchObject({ dm_slot: 'B', dm_B_ok: '1', upgrade_available: '1' });
        expect(d.reports()).toEqual([]);
        expect(await d.boot()).toBe('B');
        const after = await runMeasured(rt, ['--config', d.c.config, 'daemon', '--once'], 120_000);
        expect(after.code, after.stderr).toBe(0);
        const reps = d.reports();
        expect(reps.map((x) => x.resultCode)).toEqual([200]);
        expect(reps[0].correlator).toMatch(/^fumo-/);
        expect(await d.env.read()).toMatchObject({ dm_slot: 'B', upgrade_available: '0' });
        expect(JSON.parse(server.state()).violations).toEqual([]);
      }
      console.log(`[${rt}] peak RSS: 1 MiB package ${peaks.small} KiB, 8 MiB package ${peaks.big} KiB (+${peaks.big - peaks.small} KiB)`);
      // Flat: 7 MiB more package, well under 4 MiB more at the peak on qjs (reference counting frees each chunk at once;
      // the whole package would be 8 MiB, its base64 11). Node's peak grows with what its GC and malloc keep around
      // for a while (13-22 MiB more measured on a loaded machine): bounded generously at 24 MiB, with the heap limit
      // above as the sharp check.
      expect(peaks.big - peaks.small).toBeLessThan((rt === 'node' ? 24 : 4) * 1024);
    }, 900_000);

    it('./DevDetail/LrgObj says true: the agent takes large objects (a server checks it before sending one)', async () => {
      const d = await device(servers.small);
      const r = await runMeasured(rt, ['--config', d.c.config, 'tree', 'get', './DevDetail/LrgObj'], 60_000);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('true');
    }, 120_000);

    it('a delivery cut off by a kill: partial staging removed at the next start, State 20 and the reason in status', async () => {
      const d = await device(servers.big);
      const [cmd, ...pre] = agentCommand(rt);
      const child = spawn(cmd, [...pre, '--config', d.c.config, 'request', '--user'], { cwd: repoRoot, stdio: 'ignore' });
      const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
      // Killed (a power cut, as far as the agent can tell) once the server has had 10 chunks acknowledged.
      const t0 = Date.now();
      while (d.statuses().filter((x) => x.code === 213).length < 10 && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 20));
      child.kill('SIGKILL');
      await exited;
      const staging = path.join(d.c.state, 'staging');
      const partial = readdirSync(staging).map((f) => statSync(path.join(staging, f)).size);
      expect(Math.max(0, ...partial)).toBeGreaterThan(0); // the chunks went to disk as they came
      expect(journal(d.c.state)).toMatchObject({ state: 30, delivery: { size: big.length } });
      // `status` (read-only, no lock) tells the truth but changes nothing; the next command holding the lock tidies.
      const st = await runMeasured(rt, ['--config', d.c.config, 'status'], 60_000);
      expect(st.code, st.stderr).toBe(0);
      expect(st.stdout).toMatch(/state 20/);
      expect(st.stdout).toMatch(/cut off before its last chunk; the partial copy was removed/);
      expect(journal(d.c.state)).toMatchObject({ state: 30 });
      const next = await runMeasured(rt, ['--config', d.c.config, 'daemon', '--once'], 120_000);
      expect(next.code, next.stderr).toBe(0);
      expect(readdirSync(staging).filter((f) => existsSync(path.join(staging, f)))).toEqual([]);
      expect(journal(d.c.state)).toMatchObject({ state: 20, delivery: null, package: null });
      expect(readFileSync(d.slots.B).length).toBe(0);
      expect(await d.env.read()).toMatchObject({ dm_slot: 'A', upgrade_available: '0' });
    }, 600_000);

    it('a package larger than server.maxObjSize: 413 on its chunks, nothing flashed, no Exec accepted', async () => {
      const d = await device(servers.small, { maxObjSize: 512 * 1024 });
      const r = await runMeasured(rt, ['--config', d.c.config, 'request', '--user'], 300_000);
      expect(r.code, r.stderr).toBe(0);
      const codes = d.statuses().map((s) => s.code);
      expect(codes.length).toBeGreaterThan(1);
      expect(codes.every((c) => c === 413)).toBe(true);
      expect(readFileSync(d.slots.B).length).toBe(0);
      expect(await d.env.read()).toMatchObject({ dm_slot: 'A', upgrade_available: '0' });
      const exec = (JSON.parse(servers.small.state()).statuses as Array<{ devId: string; cmd: string; code: number }>).filter((s) => s.devId === d.devId && s.cmd === 'Exec');
      expect(exec.map((s) => s.code)).toEqual([405]);
    }, 600_000);
  });
}
