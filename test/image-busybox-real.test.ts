// The BusyBox init script of the images (scripts/image-lib/S95dm-agent) with the real BusyBox applets (Debian's busybox
// package: start-stop-daemon, logger, syslogd) and the executable the images ship as the daemon, as on a BusyBox
// device: start, a log line in syslog, reload (SIGHUP, same pid), stop, and a second stop that finds nothing.
// test/image-busybox-init.test.ts runs the same script with Node and qjs under stand-in applets; this one shows the
// script holds against BusyBox's own option parsing and its `-x` check of /proc/PID/exe. BusyBox syslogd listens on
// the fixed path /dev/log, so the test is skipped, saying why, when something else owns it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentCommand, prepareRuntime, runtimeSkipReason } from './support/agent.js';
import { repoRoot } from './support/qjs.js';
import { until } from './support/wait.js';

const SCRIPT = path.join(repoRoot, 'scripts/image-lib/S95dm-agent');
const BUSYBOX = spawnSync('sh', ['-c', 'command -v busybox']).stdout.toString().trim();
const APPLETS = ['start-stop-daemon', 'logger', 'syslogd', 'sleep', 'cat', 'rm', 'mkdir', 'chmod'];

function skipReason(): string | null {
  if (!BUSYBOX) return 'busybox not installed (Debian package busybox)';
  const list = spawnSync(BUSYBOX, ['--list']).stdout.toString().split('\n');
  const missing = APPLETS.filter((a) => !list.includes(a));
  if (missing.length) return `busybox lacks ${missing.join(', ')}`;
  if (existsSync('/dev/log')) return '/dev/log belongs to another syslog daemon';
  if (process.getuid && process.getuid() !== 0) return 'not root: syslogd cannot create /dev/log';
  return runtimeSkipReason('qjs-exe');
}

/** True when the process is gone or a zombie (state Z in /proc/PID/stat): it has exited either way. */
function exitedOrZombie(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0] === 'Z';
  } catch {
    return true;
  }
}

const skip = skipReason();
describe.skipIf(!!skip)(`S95dm-agent with the real BusyBox and the image's executable${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const dir = path.join(repoRoot, 'build/test-busybox-real', String(process.pid));
  const bin = path.join(dir, 'bin');
  const messages = path.join(dir, 'messages');
  const pidfile = path.join(dir, 'run/dm-agent.pid');
  const script = path.join(dir, 'S95dm-agent');
  const daemonPath = path.join(bin, 'dm-agent');
  const env = { ...process.env, PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin` };
  const run = (arg: string) => {
    const r = spawnSync(BUSYBOX, ['sh', script, arg], { env, timeout: 60_000 });
    return { code: r.status, out: r.stdout.toString(), err: r.stderr.toString() };
  };
  const logged = () => (existsSync(messages) ? readFileSync(messages, 'utf8') : '');
  let syslogd: ChildProcess | undefined;

  beforeAll(async () => {
    prepareRuntime('qjs-exe');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(bin, { recursive: true });
    mkdirSync(path.join(dir, 'run'));
    for (const a of APPLETS) symlinkSync(BUSYBOX, path.join(bin, a));
    // The daemon is the executable itself, as /usr/bin/dm-agent in the images: BusyBox's -x compares /proc/PID/exe.
    copyFileSync(agentCommand('qjs-exe')[0], daemonPath);
    spawnSync('chmod', ['755', daemonPath]);
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ server: { url: 'http://127.0.0.1:9/dm' }, log: { level: 'info' }, triggers: { schedule: { every: '24h' } } }));
    writeFileSync(
      script,
      readFileSync(SCRIPT, 'utf8')
        .replace(/^DAEMON=.*$/m, `DAEMON=${daemonPath}`)
        .replace(/^CONFIG=.*$/m, `CONFIG=${path.join(dir, 'config.json')}`)
        .replace(/^STATE_DIR=.*$/m, `STATE_DIR=${path.join(dir, 'state')}`)
        .replace(/^PIDFILE=.*$/m, `PIDFILE=${pidfile}`),
    );
    // BusyBox syslogd in the foreground, writing every message to our file.
    syslogd = spawn(BUSYBOX, ['syslogd', '-n', '-O', messages], { stdio: 'ignore' });
    await until('syslogd listening on /dev/log', () => existsSync('/dev/log'), { ms: 10_000 });
  }, 900_000);

  afterAll(() => {
    if (syslogd) syslogd.kill('SIGKILL');
    rmSync('/dev/log', { force: true });
    for (const p of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dir)) process.kill(Number(p), 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('start logs to syslog under the tag dm-agent; reload is SIGHUP to the same process; stop ends it', async () => {
    const started = run('start');
    expect(started.err).toBe('');
    expect(started.out).toBe('Starting dm-agent: OK\n');
    expect(started.code).toBe(0);
    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    expect(readlinkSync(`/proc/${pid}/exe`)).toBe(daemonPath);
    await until('the daemon ready line in syslog', () => / dm-agent: .*daemon ready/.test(logged()), { step: 100, detail: logged });
    expect(run('start').out).toBe(`Starting dm-agent: already running (pid ${pid})\n`);

    const reloaded = run('reload');
    expect(reloaded.out).toBe('Reloading dm-agent: OK\n');
    await until('the reload in syslog', () => / dm-agent: .*configuration reloaded/.test(logged()), { step: 100, detail: logged });
    expect(existsSync(`/proc/${pid}`)).toBe(true);

    const stopped = run('stop');
    expect(stopped.out).toBe('Stopping dm-agent: OK\n');
    expect(stopped.code).toBe(0);
    // Exited: gone, or a zombie for the moment its parent (the sh wrapper) takes to reap it. BusyBox's -K -t, which the
    // script's wait uses, no longer matches a zombie (its /proc/PID/exe is gone), so stop returns right after the exit.
    expect(exitedOrZombie(pid)).toBe(true);
    expect(existsSync(pidfile)).toBe(false);
    await until('the last log line in syslog', () => / dm-agent: .*daemon stopped/.test(logged()), { step: 100, detail: logged });
    expect(run('stop').out).toBe('Stopping dm-agent: not running\n');
    expect(run('reload').out).toBe('Reloading dm-agent: not running\n');
  }, 120_000);
});
