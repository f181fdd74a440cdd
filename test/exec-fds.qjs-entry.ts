// Entry bundled for qjs by test/quickjs-exec-fds.test.ts: spawns through the agent's QuickJS command runner
// (platform/quickjs/run-command.ts) and prints JSON.
//   qjs -m bundle.js time <n>          spawns /bin/true n times; prints { medianMs, samplesMs }
//   qjs -m bundle.js fds <dir> <high>  opens marker files in <dir> (one moved to descriptor <high>), then prints what
//                                      `ls -l /proc/self/fd` shows in a child: { parentFds, listing }
import * as std from 'std';
import * as os from 'os';
import { qjsRunCommand } from '../platform/quickjs/run-command.js';

declare const scriptArgs: string[];

async function time(n: number): Promise<unknown> {
  const samplesMs: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = Date.now();
    const r = await qjsRunCommand(['/bin/true']);
    samplesMs.push(Date.now() - started);
    if (r.code !== 0) throw new Error(`/bin/true exited ${r.code}: ${r.stderr}`);
  }
  const sorted = samplesMs.slice().sort((a, b) => a - b);
  return { medianMs: sorted[Math.floor(sorted.length / 2)], samplesMs };
}

async function fds(dir: string, high: number): Promise<unknown> {
  const parentFds: number[] = [];
  for (let i = 0; i < 3; i++) {
    const fd = os.open(`${dir}/marker-${i}`, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600);
    if (fd < 0) throw new Error(`open marker-${i}: ${std.strerror(-fd)}`);
    parentFds.push(fd);
  }
  if (high > 0) {
    const r = os.dup2(parentFds[0], high);
    if (r < 0) throw new Error(`dup2 to ${high}: ${std.strerror(-r)}`);
    parentFds.push(high);
  }
  const r = await qjsRunCommand(['ls', '-l', '/proc/self/fd'], { env: { LC_ALL: 'C' } });
  if (r.code !== 0) throw new Error(`ls exited ${r.code}: ${r.stderr}`);
  return { parentFds, listing: r.stdout };
}

const [, mode, a, b] = scriptArgs;
(mode === 'time' ? time(Number(a)) : fds(a, Number(b))).then(
  (out) => {
    std.out.puts(JSON.stringify(out));
    std.out.flush();
  },
  (e: Error) => {
    std.err.puts(`${e.name}: ${e.message}\n`);
    std.exit(1);
  },
);
