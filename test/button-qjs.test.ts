// The QuickJS side of triggers and UI, run on our qjs (host, and arm64 / armhf under qemu-user-static when present):
// the evdev reader on files of 24- and 16-byte events with the word size guessed (the ELF-header tie-breaker is
// checked per arch), GPIO polling, the terminal UI over a pipe (answers, timeout), and the runtime-free UI and
// schedule code giving the same results as on Node.
import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { bundleForQjs, qjsArches, qjsCommand, repoRoot, runQjs, scratchDir } from './support/qjs.js';
import { EV_KEY, EV_SYN, encodeInputEvent, nextRunAfter, type WordSize } from '../src/triggers/index.js';
import { parseUiAlert, uiStatus } from '../src/ui/index.js';
import type { Alert } from '../src/syncml/model.js';

const dir = scratchDir('button-qjs');
const entry = path.join(dir, 'entry.ts');
const bundle = path.join(dir, 'entry.js');
const SEC = 1763800000;

// The entry is generated here (test files are the only test-side files this module owns); it imports by absolute path.
const src = (p: string) => JSON.stringify(path.join(repoRoot, p));
fs.writeFileSync(
  entry,
  `import * as std from 'std';
import * as os from 'os';
import { startQjsEvdevButton, startQjsGpioButton, qjsNativeLayout } from ${src('platform/quickjs/button.ts')};
import { QjsTtyUi } from ${src('platform/quickjs/ui-tty.ts')};
import { parseButtonConfig, nextRunAfter } from ${src('src/triggers/index.ts')};
import { parseUiAlert, uiStatus } from ${src('src/ui/index.ts')};
declare const scriptArgs: string[];
const log = { log: (level: string, msg: string) => std.err.puts(level + ' ' + msg + '\\n') };
const out = (v: unknown) => { std.out.puts('\\nRESULT ' + JSON.stringify(v) + '\\n'); std.out.flush(); };
const [, mode, a, b] = scriptArgs;
if (mode === 'layout') out(qjsNativeLayout());
if (mode === 'evdev') {
  const events: unknown[] = [];
  let seen = 0;
  const s = startQjsEvdevButton(parseButtonConfig(JSON.parse(b)), (e) => events.push(e), log, () => seen++);
  void s.done.then(() => out({ events, seen }));
}
if (mode === 'gpio') {
  const events: unknown[] = [];
  const s = startQjsGpioButton(parseButtonConfig({ gpio: a, pollMs: 5, debounceMs: 20 }), (e) => events.push(e), log);
  os.setTimeout(() => { s.stop(); out({ events }); }, Number(b));
}
if (mode === 'ui') {
  const alert = JSON.parse(a);
  const parsed = parseUiAlert(alert);
  if ('request' in parsed) {
    const ui = new QjsTtyUi({ input: 0, output: 1, tty: false });
    void ui.ask(parsed.request).then((ans) => out({ answer: ans, status: uiStatus(alert.data, parsed.request, ans) }));
  } else out(parsed);
}
if (mode === 'pure') {
  const { alert, answer, spec, from, unit } = JSON.parse(a);
  const parsed = parseUiAlert(alert);
  out({ parsed, status: 'request' in parsed ? uiStatus(alert.data, parsed.request, answer) : null, next: nextRunAfter(spec, from, unit) });
}
`,
);

beforeAll(async () => {
  await bundleForQjs(entry, bundle);
}, 60_000);

function result(stdout: string): any {
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`no RESULT line in: ${stdout}`);
  return JSON.parse(line.slice(7));
}

function keyPacket(ms: number, value: number, ws: WordSize): Buffer {
  const sec = SEC + Math.floor(ms / 1000);
  const usec = (ms % 1000) * 1000;
  return Buffer.concat([encodeInputEvent({ sec, usec, type: EV_KEY, code: 256, value }, ws), encodeInputEvent({ sec, usec, type: EV_SYN, code: 0, value: 0 }, ws)]);
}

const NATIVE: Record<string, number> = { host: process.arch === 'x64' || process.arch === 'arm64' ? 8 : 4, aarch64: 8, armhf: 4 };

for (const { arch, skip } of qjsArches()) {
  describe.skipIf(!!skip)(`QuickJS ${arch}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    it('knows its own word size and byte order from the ELF header', async () => {
      const r = await runQjs(arch, bundle, ['layout']);
      expect(r.code, r.stderr).toBe(0);
      expect(result(r.stdout)).toEqual({ wordSize: NATIVE[arch], littleEndian: true });
    });

    it.each([8, 4] as WordSize[])('reads a file of %i-byte-word events with debounce and long press', async (ws) => {
      const file = path.join(dir, `ev-${arch}-${ws}.bin`);
      fs.writeFileSync(file, Buffer.concat([keyPacket(0, 1, ws), keyPacket(3, 0, ws), keyPacket(6, 1, ws), keyPacket(500, 0, ws), keyPacket(1000, 1, ws), keyPacket(1200, 2, ws), keyPacket(4500, 0, ws)]));
      const r = await runQjs(arch, bundle, ['evdev', file, JSON.stringify({ device: file, keyCode: 256, debounceMs: 20, longPressMs: 2000 })]);
      expect(r.code, r.stderr).toBe(0);
      // 0 ms press (bounces) released at 500: too short; 1000 ms press held to 4500: triggers at 3000.
      expect(result(r.stdout)).toEqual({ events: [{ kind: 'button', request: 'user', at: SEC * 1000 + 3000 }], seen: 14 });
    });

    it('terminal UI over a pipe: re-asks bad input, formats per IT, and maps to the Status', async () => {
      const alert: Alert = { kind: 'Alert', cmdID: '3', data: '1102', items: [{ data: 'IT=D&MAXDT=30' }, { data: 'Install date?' }] };
      const r = await runQjs(arch, bundle, ['ui', JSON.stringify(alert)], { input: '30.02.2027\n2027-03-01\n' });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('Not accepted: day 30 does not exist');
      expect(result(r.stdout).status).toEqual({ code: 200, items: [{ data: '01032027' }], skipRest: false });
      const c: Alert = { kind: 'Alert', cmdID: '4', data: '1101', items: [{}, { data: 'Reboot now?' }] };
      const no = await runQjs(arch, bundle, ['ui', JSON.stringify(c)], { input: 'n\n' });
      expect(result(no.stdout).status).toMatchObject({ code: 304, skipRest: true });
      const eof = await runQjs(arch, bundle, ['ui', JSON.stringify(c)], { input: '' });
      expect(result(eof.stdout).status).toMatchObject({ code: 214, skipRest: true });
    });

    it('terminal UI times out after MAXDT (408) while the input stays open', async () => {
      const alert: Alert = { kind: 'Alert', cmdID: '5', data: '1103', items: [{ data: 'MAXDT=1' }, { data: 'Channel?' }, { data: 'stable' }, { data: 'beta' }] };
      const [cmd, ...pre] = qjsCommand(arch);
      const started = Date.now();
      const stdout = await new Promise<string>((resolve) => {
        const child = spawn(cmd, [...pre, '-m', bundle, 'ui', JSON.stringify(alert)]);
        let o = '';
        child.stdout.on('data', (d) => (o += d));
        child.on('close', () => resolve(o));
        setTimeout(() => child.stdin.end(), 8000); // stdin open well past MAXDT
      });
      expect(result(stdout).status).toMatchObject({ code: 408, skipRest: true });
      expect(Date.now() - started).toBeLessThan(7000);
    }, 20_000);

    it('the runtime-free UI and schedule code gives the same answers as on Node', async () => {
      const cases = [
        { alert: { kind: 'Alert', cmdID: '1', data: '1104', items: [{ data: 'MAXDT=20&DR=1-3,6' }, { data: 't' }, ...[1, 2, 3, 4, 5, 6].map((n) => ({ data: `c${n}` }))] }, answer: { kind: 'chosen', indexes: [6, 2] } },
        { alert: { kind: 'Alert', cmdID: '2', data: '1102', items: [{ data: 'IT=I&DR=hello+andy!&ET=P' }, { data: 'ip' }] }, answer: { kind: 'text', value: '010.1.2.003' } },
        { alert: { kind: 'Alert', cmdID: '3', data: '1101', items: [{ data: 'MAXDT=999999' }] }, answer: { kind: 'yes' } },
      ];
      const spec = { everyMs: 86400000, jitterMs: 0, missed: 'soon', spreadMs: 0, utcOffsetMinutes: 330, window: { startMin: 1380, endMin: 90 } };
      for (const c of cases) {
        const input = { ...c, spec, from: Date.UTC(2026, 10, 22, 3, 7), unit: 0.37 };
        const r = await runQjs(arch, bundle, ['pure', JSON.stringify(input)]);
        expect(r.code, r.stderr).toBe(0);
        const parsed = parseUiAlert(c.alert as Alert);
        const node = {
          parsed,
          status: 'request' in parsed ? uiStatus(c.alert.data, parsed.request, c.answer as never) : null,
          next: nextRunAfter(spec as never, input.from, input.unit),
        };
        expect(result(r.stdout)).toEqual(JSON.parse(JSON.stringify(node)));
      }
    });

    it.skipIf(arch !== 'host')(`polls a GPIO value file${arch !== 'host' ? ' (skipped: timing-based, host only)' : ''}`, async () => {
      const value = path.join(dir, 'gpio');
      fs.writeFileSync(value, '1');
      const [cmd, ...pre] = qjsCommand(arch);
      const stdout = await new Promise<string>((resolve) => {
        const child = spawn(cmd, [...pre, '-m', bundle, 'gpio', value, '600']);
        let o = '';
        child.stdout.on('data', (d) => (o += d));
        child.on('close', () => resolve(o));
        setTimeout(() => fs.writeFileSync(value, '0'), 150);
        setTimeout(() => fs.writeFileSync(value, '1'), 300);
      });
      expect(result(stdout).events).toHaveLength(1);
      expect(result(stdout).events[0]).toMatchObject({ kind: 'button', request: 'user' });
    }, 20_000);
  });
}
