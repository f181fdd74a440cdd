// The small QuickJS adapters on our qjs builds: clock (sleep through the os event loop), random (/dev/urandom),
// log (text and JSON lines), files helpers and exec (pipes, stdin, exit codes, timeouts).
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { bundleForQjs, ensureQjsAsync, qjsArches, runQjs, scratchDir } from './support/qjs.js';

const dir = scratchDir('runtime');
const probe = path.join(dir, 'probe-runtime.js');

beforeAll(async () => {
  await bundleForQjs('platform/quickjs/probe-runtime.ts', probe);
});

describe.each(qjsArches())('QuickJS clock, random, log and files on qjs $arch', ({ arch, skip }) => {
  let out: any;
  let stderr = '';

  beforeAll(async () => {
    if (skip) return;
    await ensureQjsAsync(arch);
    const work = path.join(dir, arch);
    rmSync(work, { recursive: true, force: true });
    const r = await runQjs(arch, probe, [work]);
    if (r.code !== 0) throw new Error(`probe failed (${r.code}): ${r.stdout} ${r.stderr}`);
    out = JSON.parse(r.stdout);
    stderr = r.stderr;
  }, 900_000);

  it.skipIf(!!skip)('sleeps through the event loop, concurrently, and rejects a negative duration', () => {
    expect(out.sleptMs).toBeGreaterThanOrEqual(115);
    expect(out.sleptMs).toBeLessThan(2000);
    expect(out.clockVsDate).toBeLessThan(50);
    expect(out.parallelSleepMs).toBeGreaterThanOrEqual(295);
    expect(out.parallelSleepMs).toBeLessThan(550); // two 300 ms sleeps overlap (one after the other: >= 600)
    expect(out.sleepNegative).toMatchObject({ threw: true, name: 'RangeError' });
  });

  it.skipIf(!!skip)('draws random bytes from /dev/urandom and reports a missing source clearly', () => {
    const [a, b] = out.random as string[];
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
    expect(a).not.toBe('0'.repeat(64));
    expect(out.randomLarge).toBe(100000);
    expect(out.randomZero).toBe(0);
    expect(out.randomBad).toMatchObject({ threw: true, name: 'RangeError' });
    expect(out.randomMissing).toMatchObject({ threw: true });
    expect(out.randomMissing.message).toMatch(/cannot open .*no-such-device: No such file or directory/);
  });

  it.skipIf(!!skip)('logs text and JSON lines, drops lines below the level, renders awkward values safely', () => {
    expect(out.logLines).toEqual([
      '2026-11-22T04:40:00.123Z info  session started server=dm.example.com sessionId=26 note="two words"\n',
      '{"time":"2026-11-22T04:40:00.123Z","level":"debug","msg":"bytes","body":"<5 bytes>","big":"7",' +
        '"err":{"name":"Error","message":"boom"},"cyclic":{"a":1,"self":"[cycle]"}}\n',
    ]);
    expect(stderr).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z warn  to stderr k=v$/m);
  });

  it.skipIf(!!skip)('reads, writes, lists, creates and removes files with typed errors', () => {
    expect(out.files).toEqual({
      isDir: true,
      exists: true,
      missing: false,
      text: 'héllo',
      bytes: Buffer.from('héllo').toString('hex'),
      readMissing: null,
      procNonEmpty: true,
      list: ['c'],
      listMissing: expect.objectContaining({ threw: true, name: 'QjsFileError', errno: 2, op: 'readdir' }),
      removed: true,
      removedAgain: false,
      mkdirOverFile: expect.objectContaining({ threw: true, name: 'QjsFileError' }),
      errorIsTyped: true,
    });
  });

  it.skipIf(!!skip)('runs programs with captured output, stdin, exit codes and a kill on timeout', () => {
    expect(out.exec.echo).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
    expect(out.exec.bigLength).toBe(1000000); // more than a pipe buffer: read by the event loop
    expect(out.exec.withStdin).toBe('from stdin');
    expect(out.exec.missingCode).toBe(127);
    expect(out.exec.killed).toEqual({ code: -1, signal: 15, timedOut: true });
    expect(out.exec.cwd).toBe(path.join(dir, arch));
    expect(out.exec.elapsedMs).toBeLessThan(4000); // ran side by side, and `sleep 5` was killed
  });

  // QuickJS 2021-03-27 has no os.SIGKILL: `os.kill(pid, os.SIGKILL)` sent signal 0 and a child ignoring SIGTERM
  // lived on (and exec waited for it): the helper uses signal 9 itself.
  it.skipIf(!!skip)('kills a child that ignores SIGTERM with SIGKILL, and one that floods stdout past its cap', () => {
    expect(out.exec.hung).toMatchObject({ code: -1, signal: 9, timedOut: true });
    expect(out.exec.hung.pid).toBeGreaterThan(1);
    expect(() => process.kill(out.exec.hung.pid, 0)).toThrow(/ESRCH/); // really gone, not just given up on
    expect(existsSync(`/proc/${out.exec.hung.pid}`)).toBe(false);
    expect(out.exec.elapsedMs).toBeLessThan(4000); // SIGTERM at 200 ms, SIGKILL 1 s later
    expect(out.exec.flood).toEqual({ signal: 9, overflowed: true, kept: 100000 });
  });
});
