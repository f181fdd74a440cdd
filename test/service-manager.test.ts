// The service manager's protocol pieces on both runtimes (README.md "Service integration"; man sd_notify): the
// messages and their order, the watchdog interval (half of $WATCHDOG_USEC, only for the PID it names), and the
// journald line format (syslog priority "<N>" first, no timestamp of our own) of each runtime's log port.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleForQjs, ensureQjs, qjsSkipReason, runQjs, scratchDir } from './support/qjs.js';
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
