// On-target probe for the small adapters: clock, random, log, files (exec included).
//   probe-runtime.js <scratch dir>
import * as std from 'std';
import { hex } from '../../src/bytes.js';
import { QjsClock } from './clock.js';
import { QjsRandom } from './random.js';
import { createQjsLog } from './log.js';
import { exec, exists, isDirectory, listDir, mkdirp, readBytes, readText, removeFile, writeText, QjsFileError } from './files.js';
import { runProbe, catchError, catchErrorAsync } from './probe.js';

runProbe(async (args) => {
  const dir = args[0];
  const out: Record<string, unknown> = {};

  const clock = new QjsClock();
  const t0 = clock.now();
  await clock.sleep(120);
  out.sleptMs = clock.now() - t0;
  out.clockVsDate = Math.abs(clock.now() - Date.now());
  out.sleepNegative = await catchErrorAsync(() => clock.sleep(-1));
  // two sleeps run concurrently through the event loop, not one after the other
  const t1 = clock.now();
  await Promise.all([clock.sleep(300), clock.sleep(300)]);
  out.parallelSleepMs = clock.now() - t1;

  const random = new QjsRandom();
  out.random = [hex(random.bytes(32)), hex(random.bytes(32))];
  out.randomLarge = random.bytes(100000).length;
  out.randomZero = random.bytes(0).length;
  out.randomBad = catchError(() => random.bytes(-1));
  out.randomMissing = catchError(() => new QjsRandom(`${dir}/no-such-device`).bytes(4));

  const lines: string[] = [];
  const sink = { puts: (s: string) => lines.push(s), flush: () => undefined };
  const now = () => Date.UTC(2026, 10, 22, 4, 40, 0, 123);
  const text = createQjsLog({ out: sink, now, minLevel: 'info' });
  text.log('debug', 'dropped');
  text.log('info', 'session started', { server: 'dm.example.com', sessionId: 26, note: 'two words' });
  const json = createQjsLog({ out: sink, now, json: true, minLevel: 'debug' });
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  json.log('debug', 'bytes', { body: new Uint8Array(5), big: BigInt(7), err: new Error('boom'), cyclic });
  createQjsLog({ minLevel: 'warn' }).log('warn', 'to stderr', { k: 'v' });
  out.logLines = lines;

  mkdirp(`${dir}/a/b/c`);
  mkdirp(`${dir}/a/b/c`);
  writeText(`${dir}/a/b/c/f.txt`, 'héllo');
  out.files = {
    isDir: isDirectory(`${dir}/a/b/c`),
    exists: exists(`${dir}/a/b/c/f.txt`),
    missing: exists(`${dir}/nope`),
    text: readText(`${dir}/a/b/c/f.txt`),
    bytes: hex(readBytes(`${dir}/a/b/c/f.txt`) || new Uint8Array(0)),
    readMissing: readBytes(`${dir}/nope`),
    procNonEmpty: (readText('/proc/self/status') || '').indexOf('Pid:') >= 0,
    list: listDir(`${dir}/a/b`),
    listMissing: catchError(() => listDir(`${dir}/nope`)),
    removed: removeFile(`${dir}/a/b/c/f.txt`),
    removedAgain: removeFile(`${dir}/a/b/c/f.txt`),
    mkdirOverFile: catchError(() => {
      writeText(`${dir}/plain`, 'x');
      mkdirp(`${dir}/plain/sub`);
    }),
    errorIsTyped: (() => {
      try {
        listDir(`${dir}/nope`);
        return false;
      } catch (e) {
        return e instanceof QjsFileError && e.errno === 2;
      }
    })(),
  };

  const started = clock.now();
  const [echo, big, withStdin, missing, killed, cwd, hung, flood] = await Promise.all([
    exec(['sh', '-c', 'echo out; echo err >&2; exit 3']),
    exec(['head', '-c', '1000000', '/dev/zero']),
    exec(['cat'], { stdin: 'from stdin' }),
    exec(['/no/such/program']),
    exec(['sleep', '5'], { timeoutMs: 200 }),
    exec(['pwd'], { cwd: dir, env: { PATH: std.getenv('PATH') || '/usr/bin:/bin' } }),
    // ignores SIGTERM (an ignored signal stays ignored across exec): only SIGKILL ends it; prints its pid first
    exec(['sh', '-c', 'trap "" TERM; echo $$; exec sleep 60'], { timeoutMs: 200 }),
    // 10 MB of output: killed as soon as it passes the cap
    exec(['head', '-c', '10000000', '/dev/zero'], { maxStdoutBytes: 100000 }),
  ]);
  out.exec = {
    echo: { code: echo.code, stdout: echo.stdout, stderr: echo.stderr },
    bigLength: big.stdoutBytes.length,
    withStdin: withStdin.stdout,
    missingCode: missing.code,
    killed: { code: killed.code, signal: killed.signal, timedOut: killed.timedOut },
    cwd: cwd.stdout.trim(),
    hung: { pid: parseInt(hung.stdout, 10), code: hung.code, signal: hung.signal, timedOut: hung.timedOut },
    flood: { signal: flood.signal, overflowed: flood.overflowed, kept: flood.stdoutBytes.length },
    elapsedMs: clock.now() - started,
  };
  return out;
});
