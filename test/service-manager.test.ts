// The service manager's protocol pieces on both runtimes (README.md "Service integration"; man sd_notify): the
// messages and their order, the watchdog interval (half of $WATCHDOG_USEC, only for the PID it names), and the
// journald line format (syslog priority "<N>" first, no timestamp of our own) of each runtime's log port.
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleForQjs, ensureQjs, qjsSkipReason, runQjs, scratchDir, type QjsArch } from './support/qjs.js';
import { listenNotify } from './support/notify-listener.js';
import { runServiceManagerScenario } from './service-manager-scenario.js';
import { createNodeLog } from '../platform/node/basics.js';

const skip = qjsSkipReason('host');
let bundle = '';
beforeAll(async () => {
  if (skip) return;
  ensureQjs('host');
  bundle = await bundleForQjs('test/service-manager.qjs-entry.ts', path.join(scratchDir('service-manager'), 'sm.js'));
}, 900_000);

const EXPECTED = [
  'READY=1\nSTATUS=idle',
  'RangeError: sd_notify STATUS value holds a newline or NUL',
  'RangeError: sd_notify variable name "ready" is not upper-case ASCII',
  [
    60000,
    200,
    null,
    null,
    null,
    'ConfigError: config: WATCHDOG_USEC (environment): "2m" is not a positive whole number of microseconds',
    'ConfigError: config: WATCHDOG_USEC (environment): "0" is not a positive whole number of microseconds',
    'ConfigError: config: WATCHDOG_PID (environment): "me" is not a process id',
  ],
  [
    'STATUS=starting: resuming jobs and pending reports',
    'WATCHDOG=1\nEXTEND_TIMEOUT_USEC=600000',
    'READY=1\nSTATUS=idle',
    'STATUS=in session',
    'STATUS=updating',
    'STATUS=idle',
    'WATCHDOG=1',
    'STOPPING=1\nSTATUS=stopping',
  ],
  [200, 200, 200],
  0,
  '<7>session started server=dm.example.com n=1',
  '<7>{"level":"debug","msg":"two\\nlines","server":"dm.example.com"}',
  '<6>session started server=dm.example.com n=1',
  '<6>{"level":"info","msg":"two\\nlines","server":"dm.example.com"}',
  '<4>session started server=dm.example.com n=1',
  '<4>{"level":"warn","msg":"two\\nlines","server":"dm.example.com"}',
  '<3>session started server=dm.example.com n=1',
  '<3>{"level":"error","msg":"two\\nlines","server":"dm.example.com"}',
  '2026-11-22T04:40:00.123Z warn  plain k=v',
  '{"time":"2026-11-22T04:40:00.123Z","level":"warn","msg":"plain"}',
];

describe('service manager messages and journald lines', () => {
  it('Node: the expected messages, watchdog intervals and lines', async () => {
    expect(await runServiceManagerScenario()).toEqual(EXPECTED);
  });

  it('Node log port: <N> prefixes without a timestamp only when told stderr is the journal', () => {
    const lines: string[] = [];
    createNodeLog('debug', false, (l) => lines.push(l), true).log('warn', 'disk low', { free: 3 });
    createNodeLog('debug', false, (l) => lines.push(l), false).log('warn', 'disk low', { free: 3 });
    expect(lines[0]).toBe('<4>disk low free=3\n');
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z warn  disk low free=3\n$/);
  });

  it.skipIf(!!skip)('QuickJS: the same answers, and its log port follows $JOURNAL_STREAM', async () => {
    const journal = await runQjs('host', bundle, [], { env: { ...process.env, JOURNAL_STREAM: '8:4242' } });
    expect(journal.code, journal.stderr).toBe(0);
    expect(JSON.parse(journal.stdout)).toEqual(EXPECTED);
    expect(journal.stderr).toBe('<4>disk low free=3\n<7>detail\n');
    const env = { ...process.env };
    delete env.JOURNAL_STREAM;
    const plain = await runQjs('host', bundle, [], { env });
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z warn  disk low free=3\n\S+ debug detail\n$/);
  });
});

// dmnative.notify itself on each build of qjs (the ARM ones under qemu-user): one datagram to a path and to an '@'
// abstract name, false without $NOTIFY_SOCKET, and an error naming a socket it cannot use.
const NOTIFY_PROBE = `
import * as std from 'std';
import('dmnative').then((dm) => {
  const out = [];
  for (const m of ['READY=1\\nSTATUS=idle', 'WATCHDOG=1']) {
    try { out.push(dm.notify(m)); } catch (e) { out.push(e.message); }
  }
  std.out.puts(JSON.stringify(out));
});
`;
for (const arch of ['host', 'aarch64', 'armhf'] as QjsArch[]) {
  const why = qjsSkipReason(arch);
  describe.skipIf(!!why)(`dmnative.notify on qjs ${arch}${why ? ` (skipped: ${why})` : ''}`, () => {
    it('sends to a path and to an abstract name; false when unset; names a bad socket', async () => {
      ensureQjs(arch);
      const dir = scratchDir(`notify-${arch}`);
      const probe = path.join(dir, 'notify-probe.js');
      writeFileSync(probe, NOTIFY_PROBE);
      for (const name of [path.join(dir, 'notify.sock'), `@dm-agent-native-${process.pid}-${arch}`]) {
        const l = await listenNotify(name);
        try {
          const r = await runQjs(arch, probe, [], { env: { ...process.env, NOTIFY_SOCKET: name } });
          expect(r.code, r.stderr).toBe(0);
          expect(JSON.parse(r.stdout)).toEqual([true, true]);
          const t0 = Date.now();
          while (l.messages.length < 2 && Date.now() - t0 < 5000) await new Promise((res) => setTimeout(res, 20));
          expect(l.messages).toEqual(['READY=1\nSTATUS=idle', 'WATCHDOG=1']);
        } finally {
          l.close();
        }
      }
      const env = { ...process.env };
      delete env.NOTIFY_SOCKET;
      expect(JSON.parse((await runQjs(arch, probe, [], { env })).stdout)).toEqual([false, false]);
      const bad = await runQjs(arch, probe, [], { env: { ...process.env, NOTIFY_SOCKET: 'relative/sock' } });
      expect(JSON.parse(bad.stdout)[0]).toBe(
        'dmnative.notify: not an absolute path or @abstract name no longer than 107 bytes: NOTIFY_SOCKET=relative/sock: Invalid argument',
      );
      const gone = await runQjs(arch, probe, [], { env: { ...process.env, NOTIFY_SOCKET: path.join(dir, 'nobody.sock') } });
      expect(JSON.parse(gone.stdout)[0]).toBe(`dmnative.notify: sendto NOTIFY_SOCKET=${path.join(dir, 'nobody.sock')}: No such file or directory`);
    }, 120_000);
  });
}
