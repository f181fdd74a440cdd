// One agent per state directory, on Node, host qjs and arm64 qjs under qemu: a request holds the flock on
// `<stateDir>/lock` for its whole session (slowed by the reference server's dm-fault `delay`), a second request exits 9
// at once naming the holder's pid, `--wait` waits for it, read-only commands never wait, SIGKILL frees the lock, and of
// two requests started together exactly one runs a session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { agentCommand, agentConfig, prepareRuntime, runAgent, runtimeSkipReason, type AgentRuntime } from './support/agent.js';

let server: DmServer;
beforeAll(async () => {
  server = await startDmServer({ port: 0, scenario: 'accept-202' });
});
afterAll(async () => {
  await server.close();
});

const runtimes: AgentRuntime[] = ['node', 'qjs', 'qjs-aarch64'];
const REQUEST_ALERT = 'org.openmobilealliance.dm.firmwareupdate.devicerequest';

/** An agent process started in the background, with its pid and a promise of its exit code. */
interface Holder {
  pid: number;
  exited: () => boolean;
  done: Promise<{ code: number; stderr: string }>;
  kill(signal: NodeJS.Signals): void;
}

function startAgent(rt: AgentRuntime, args: string[]): Holder {
  const [cmd, ...pre] = agentCommand(rt);
  const child = spawn(cmd, [...pre, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  let over = false;
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const done = new Promise<{ code: number; stderr: string }>((resolve) =>
    child.on('close', (code) => {
      over = true;
      resolve({ code: code === null ? -1 : code, stderr: err });
    }),
  );
  return { pid: child.pid!, exited: () => over, done, kill: (s) => child.kill(s) };
}

/** Server-side view of one device: how many DM messages it sent and how many request alerts arrived. */
function seen(devId: string): { inbound: number; alerts: number; sessions: number } {
  const st = JSON.parse(server.state());
  return {
    inbound: st.messages.filter((m: { devId?: string; dir: string }) => m.devId === devId && m.dir === 'in').length,
    alerts: st.genericAlerts.filter((a: { devId: string; type?: string }) => a.devId === devId && a.type === REQUEST_ALERT).length,
    sessions: st.sessions.filter((s: { devId: string }) => s.devId === devId).length,
  };
}

/** Waits until the holder's first message reached the server: it is in its session, holding the lock. */
async function inSession(devId: string, what: string): Promise<void> {
  await server.waitFor((e) => e.messages.some((m) => m.devId === devId && m.dir === 'in'), 60_000, what);
}

for (const rt of runtimes) {
  const skip = runtimeSkipReason(rt);
  // Under qemu the agent starts ~10x slower; the holder's session must outlast the second agent's start. The long
  // HTTP timeout keeps the holder from giving up on the slowed answer on a loaded machine.
  const slow = rt === 'qjs-aarch64' ? 4 : 1;
  describe.skipIf(!!skip)(`state lock on ${rt}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => prepareRuntime(rt), 900_000);
    let n = 0;
    const setup = () => {
      const devId = `MAC:00000000${rt === 'node' ? '1' : rt === 'qjs' ? '2' : '3'}0${++n}`;
      const c = agentConfig({ server: { url: server.url, timeoutMs: 120_000 }, device: { devIdScheme: 'fixed', devId } }, `lock-${rt}`);
      return { devId, c };
    };

    it('a second request exits 9 at once naming the holder; status, info and tree get still answer', async () => {
      const { devId, c } = setup();
      server.setDmFault({ mode: 'delay', delayMs: 8000 * slow, devId });
      const holder = startAgent(rt, ['--config', c.config, 'request', '--device']);
      await inSession(devId, 'the holder in its session');
      const busy = await runAgent(rt, ['--config', c.config, 'request', '--device']);
      expect(busy.code).toBe(9);
      expect(busy.stderr).toContain(`busy: dm-agent pid ${holder.pid} holds ${c.state}`);
      expect(readFileSync(`${c.state}/lock`, 'latin1').trim()).toBe(String(holder.pid));
      // Read-only commands never wait for the lock.
      const status = await runAgent(rt, ['--config', c.config, 'status']);
      const info = await runAgent(rt, ['--config', c.config, 'info']);
      const tree = await runAgent(rt, ['--config', c.config, 'tree', 'get', './DevInfo/DevId']);
      // All of that happened while the holder was still in its session: "at once", not after it.
      expect(holder.exited()).toBe(false);
      expect([status.code, info.code, tree.code]).toEqual([0, 0, 0]);
      expect(tree.stdout.trim()).toBe(devId);
      expect((await holder.done).code).toBe(0);
      // Only the holder's request reached the server.
      expect(seen(devId).alerts).toBe(1);
    }, 180_000);

    it('--wait=SECONDS gives up after that long; --wait waits for the holder and then runs', async () => {
      const { devId, c } = setup();
      server.setDmFault({ mode: 'delay', delayMs: 3000 * slow, devId });
      const holder = startAgent(rt, ['--config', c.config, 'request', '--device']);
      await inSession(devId, 'the holder in its session');
      const short = await runAgent(rt, ['--config', c.config, '--wait=0.3', 'request', '--device']);
      expect(short.code).toBe(9);
      expect(short.stderr).toMatch(new RegExp(`busy: dm-agent pid ${holder.pid} holds .* \\(waited 0\\.[3-9] s\\)`));
      expect(holder.exited()).toBe(false);
      let holderEnd = 0;
      void holder.done.then(() => (holderEnd = Date.now()));
      const waited = await runAgent(rt, ['--config', c.config, 'request', '--device', '--wait=60']);
      expect(waited.stderr).not.toMatch(/busy/);
      expect(waited.code).toBe(0);
      expect((await holder.done).code).toBe(0);
      // It ran its session after the holder ended, not beside it.
      expect(holderEnd).toBeGreaterThan(0);
      expect(seen(devId).alerts).toBe(2);
    }, 180_000);

    it('SIGKILL on the holder frees the lock: the next request runs at once', async () => {
      const { devId, c } = setup();
      server.setDmFault({ mode: 'delay', delayMs: 20_000, devId });
      const holder = startAgent(rt, ['--config', c.config, 'request', '--device']);
      await inSession(devId, 'the holder in its session');
      expect((await runAgent(rt, ['--config', c.config, 'request', '--device'])).code).toBe(9);
      holder.kill('SIGKILL');
      await holder.done;
      server.setDmFault(undefined);
      // The dead holder's pid is still in the file: the lock is the kernel's flock, not the file's existence.
      expect(readFileSync(`${c.state}/lock`, 'latin1').trim()).toBe(String(holder.pid));
      const next = await runAgent(rt, ['--config', c.config, 'request', '--device']);
      expect(next.stderr).not.toMatch(/busy/);
      expect(next.code).toBe(0);
      expect(next.ms).toBeLessThan(10_000 * slow);
    }, 180_000);

    it('two requests started together: exactly one runs a session, the other exits 9', async () => {
      const { devId, c } = setup();
      server.setDmFault({ mode: 'delay', delayMs: 2000 * slow, devId, times: 2 });
      const [a, b] = await Promise.all([runAgent(rt, ['--config', c.config, 'request', '--device']), runAgent(rt, ['--config', c.config, 'request', '--device'])]);
      server.setDmFault(undefined);
      expect([a.code, b.code].sort()).toEqual([0, 9]);
      expect((a.code === 9 ? a : b).stderr).toMatch(/busy: dm-agent pid \d+ holds /);
      expect(seen(devId).sessions).toBe(1);
      expect(seen(devId).alerts).toBe(1);
    }, 180_000);
  });
}
