// The BusyBox init script of the images (scripts/image-lib/S95dm-agent), run for real: start and stop against a
// start-stop-daemon and a logger on PATH that model BusyBox's applets, with the Node and the qjs agent as the daemon
// (test/image-busybox-real.test.ts runs it with the real BusyBox applets and the images' executable). Shows that the agent's output reaches `logger -t dm-agent` (BusyBox `start-stop-daemon -b`
// points it at /dev/null), that the pid file names the agent and not the sh wrapper, and that stop ends the agent,
// the wrapper and logger.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentCommand, prepareRuntime, runtimeSkipReason, type AgentRuntime } from './support/agent.js';
import { repoRoot } from './support/qjs.js';
import { until } from './support/wait.js';

const SCRIPT = path.join(repoRoot, 'scripts/image-lib/S95dm-agent');

// BusyBox start-stop-daemon for the options the init scripts use. -b: new session, stdio on /dev/null (as BusyBox's
// bb_daemon_helper(DAEMON_DEVNULL_STDIO)); -m: write the started process's pid; -K: SIGTERM (or -s SIG) to the pid
// file's process, exit 1 when there is none; -t: only test. -x on -K is not checked here (BusyBox compares /proc/PID/exe,
// which is node or qjs for the launchers below); the test checks the pid file's process itself.
const FAKE_SSD = `#!/bin/sh
mode= bg= make= pidfile= exe= test= sig=TERM
while [ $# -gt 0 ]; do
  case "$1" in
    -S) mode=start ;; -K) mode=stop ;; -b) bg=1 ;; -m) make=1 ;; -q) ;; -t) test=1 ;;
    -p) pidfile=$2; shift ;; -x) exe=$2; shift ;; -s) sig=$2; shift ;;
    --) shift; break ;;
    *) echo "fake start-stop-daemon: unexpected option $1" >&2; exit 99 ;;
  esac
  shift
done
case $mode in
  start)
    if [ -n "$bg" ]; then
      setsid "$exe" "$@" </dev/null >/dev/null 2>&1 &
      [ -n "$make" ] && echo $! >"$pidfile"
      exit 0
    fi
    exec "$exe" "$@" ;;
  stop)
    [ -s "$pidfile" ] || exit 1
    pid=$(cat "$pidfile")
    kill -0 "$pid" 2>/dev/null || exit 1
    [ -n "$test" ] && exit 0
    kill -"$sig" "$pid" ;;
  *) exit 98 ;;
esac
`;

// logger -t TAG: one syslog message per input line; here appended to $LOGGER_OUT as "TAG: line".
const FAKE_LOGGER = `#!/bin/sh
tag=logger
while [ $# -gt 0 ]; do case "$1" in -t) tag=$2; shift ;; esac; shift; done
while IFS= read -r line; do printf '%s: %s\\n' "$tag" "$line" >>"$LOGGER_OUT"; done
`;

/** Processes whose command line mentions `dir` (the agent, the sh wrapper and logger all do). */
function processesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(dir)) found.push(`${p} ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

for (const rt of ['node', 'qjs'] as AgentRuntime[]) {
  const skip = runtimeSkipReason(rt) || (spawnSync('sh', ['-c', 'command -v setsid']).status === 0 ? null : 'setsid not installed');
  describe.skipIf(!!skip)(`BusyBox init script S95dm-agent with the ${rt} agent${skip ? ` (skipped: ${skip})` : ''}`, () => {
    const dir = path.join(repoRoot, 'build/test-busybox-init', `${rt}-${process.pid}`);
    const bin = path.join(dir, 'bin');
    const logged = path.join(dir, 'syslog');
    const pidfile = path.join(dir, 'run/dm-agent.pid');
    const script = path.join(dir, 'S95dm-agent');
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, LOGGER_OUT: logged };
    const run = (arg: string) => {
      const r = spawnSync('sh', [script, arg], { env, timeout: 60_000 });
      return { code: r.status, out: r.stdout.toString(), err: r.stderr.toString() };
    };

    beforeAll(() => {
      prepareRuntime(rt);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(bin, { recursive: true });
      mkdirSync(path.join(dir, 'run'));
      writeFileSync(path.join(bin, 'start-stop-daemon'), FAKE_SSD, { mode: 0o755 });
      writeFileSync(path.join(bin, 'logger'), FAKE_LOGGER, { mode: 0o755 });
      // The image's /usr/bin/dm-agent is one executable; here a launcher that execs the runtime (same pid).
      const launcher = path.join(bin, 'dm-agent');
      writeFileSync(launcher, `#!/bin/sh\nexec ${agentCommand(rt).map((a) => `'${a}'`).join(' ')} "$@"\n`);
      chmodSync(launcher, 0o755);
      // A schedule keeps the daemon waiting (with nothing to wait for it ends at once); its first check is minutes away.
      writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ server: { url: 'http://127.0.0.1:9/dm' }, log: { level: 'info' }, triggers: { schedule: { every: '24h' } } }));
      // The init script with the device paths moved into the scratch dir; nothing else changes.
      const text = readFileSync(SCRIPT, 'utf8')
        .replace(/^DAEMON=.*$/m, `DAEMON=${launcher}`)
        .replace(/^CONFIG=.*$/m, `CONFIG=${path.join(dir, 'config.json')}`)
        .replace(/^STATE_DIR=.*$/m, `STATE_DIR=${path.join(dir, 'state')}`)
        .replace(/^PIDFILE=.*$/m, `PIDFILE=${pidfile}`);
      writeFileSync(script, text);
    }, 900_000);
    afterAll(() => {
      for (const p of processesUnder(dir)) process.kill(Number(p.split(' ')[0]), 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });

    it('start: the agent runs under the pid file and its log reaches logger -t dm-agent; reload is SIGHUP in place; stop ends agent, wrapper and logger', async () => {
      const started = run('start');
      expect(started.err).toBe('');
      expect(started.out).toBe('Starting dm-agent: OK\n');
      expect(started.code).toBe(0);
      const pid = Number(readFileSync(pidfile, 'utf8').trim());
      // The pid file names the agent process itself, not the sh wrapper or logger.
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(cmdline).toContain('daemon');
      expect(cmdline).toContain('--state-dir');
      expect(cmdline).not.toContain('-c');
      await until('the daemon\'s log line in syslog', () => existsSync(logged) && /^dm-agent: .*daemon ready/m.test(readFileSync(logged, 'utf8')), { step: 100 });
      // A second start sees the running agent and starts no other.
      const again = run('start');
      expect(again.out).toBe(`Starting dm-agent: already running (pid ${pid})\n`);
      expect(Number(readFileSync(pidfile, 'utf8').trim())).toBe(pid);
      // reload: SIGHUP to the agent, which reads its config again in place (same pid; docs/handoff.md).
      const reloaded = run('reload');
      expect(reloaded.out).toBe('Reloading dm-agent: OK\n');
      expect(reloaded.code).toBe(0);
      await until('the reload in syslog', () => /^dm-agent: .*configuration reloaded$/m.test(readFileSync(logged, 'utf8')), { step: 100 });
      expect(existsSync(`/proc/${pid}`)).toBe(true);

      const stopped = run('stop');
      expect(stopped.out).toBe('Stopping dm-agent: OK\n');
      expect(stopped.code).toBe(0);
      expect(existsSync(pidfile)).toBe(false);
      expect(existsSync(`/proc/${pid}`)).toBe(false);
      // The pipe closed with the agent: logger and the wrapper ended too (nothing left that mentions the dir).
      await until('logger and the wrapper to end', () => processesUnder(dir).length === 0, { ms: 5_000, step: 100 });
      const again2 = run('stop');
      expect(again2.out).toBe('Stopping dm-agent: not running\n');
      expect(run('reload').out).toBe('Reloading dm-agent: not running\n');
    }, 120_000);
  });
}
