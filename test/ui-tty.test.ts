// The terminal UI driven through in-memory streams and a fake timer (MAXDT without waiting), and the Node UI factory.
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Log, UiAnswer, UiRequest } from '../src/ports/runtime.js';
import { parseUiAlert, parseUiConfig, uiStatus } from '../src/ui/index.js';
import type { Alert } from '../src/syncml/model.js';
import { TtyUi, type TtyIo, type UiTimer } from '../platform/node/ui-tty.js';
import { createNodeUi } from '../platform/node/ui-headless.js';

class FakeTimer implements UiTimer {
  pending: { at: number; fn: () => void; live: boolean }[] = [];
  now = 0;
  after(ms: number, fn: () => void) {
    const t = { at: this.now + ms, fn, live: true };
    this.pending.push(t);
    return () => {
      t.live = false;
    };
  }
  advance(ms: number) {
    this.now += ms;
    for (const t of this.pending) if (t.live && t.at <= this.now) {
      t.live = false;
      t.fn();
    }
  }
  get armed() {
    return this.pending.filter((t) => t.live).map((t) => t.at);
  }
}

function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let screen = '';
  output.on('data', (d) => (screen += d.toString()));
  const raw: boolean[] = [];
  const io: TtyIo = { input: Object.assign(input, { setRawMode: (on: boolean) => raw.push(on) }), output };
  return { io, type: (s: string) => input.write(s), screen: () => screen, raw };
}

const tick = () => new Promise((r) => setImmediate(r));

function req(code: string, params: string, text: string, ...choices: string[]): UiRequest {
  const a: Alert = { kind: 'Alert', cmdID: '1', data: code, items: [{ data: params }, { data: text }, ...choices.map((c) => ({ data: c }))] };
  const r = parseUiAlert(a);
  if (!('request' in r)) throw new Error(r.reason);
  return r.request;
}

async function run(request: UiRequest, keys: string[], timer = new FakeTimer()) {
  const t = terminal();
  const ui = new TtyUi(t.io, timer);
  const answer = ui.ask(request);
  for (const k of keys) {
    await tick();
    t.type(k);
  }
  return { answer: await answer, screen: t.screen(), raw: t.raw };
}

describe('terminal UI', () => {
  it('display prints the text and answers ok', async () => {
    const r = await run(req('1100', 'MINDT=5', 'Update found: 2.4.1'), []);
    expect(r.answer).toEqual({ kind: 'ok' });
    expect(r.screen).toContain('Update found: 2.4.1');
  });
  it('confirm: y / n / default on Enter / c and Ctrl-C cancel; raw mode is restored', async () => {
    expect((await run(req('1101', '', 'Install?'), ['y\r'])).answer).toEqual({ kind: 'yes' });
    expect((await run(req('1101', '', 'Install?'), ['no\r'])).answer).toEqual({ kind: 'no' });
    const d = await run(req('1101', 'DR=1', 'Install?'), ['\r']);
    expect(d.answer).toEqual({ kind: 'yes' });
    expect(d.screen).toContain('[Y/n]');
    expect(d.raw).toEqual([true, false]);
    expect((await run(req('1101', '', 'Install?'), ['\r', 'maybe\r', 'c\r'])).answer).toEqual({ kind: 'cancelled' });
    expect((await run(req('1101', '', 'Install?'), ['\x03'])).answer).toEqual({ kind: 'cancelled' });
    expect((await run(req('1101', '', 'Install?'), ['\x1b'])).answer).toEqual({ kind: 'cancelled' });
  });
  it('times out after MAXDT with a fake clock (→ 408) and not before', async () => {
    const timer = new FakeTimer();
    const t = terminal();
    const request = req('1101', 'MAXDT=15', 'Install?');
    const answer = new TtyUi(t.io, timer).ask(request);
    await tick();
    expect(timer.armed).toEqual([15000]);
    timer.advance(14999);
    t.type('x');
    await tick();
    let settled: UiAnswer | undefined;
    void answer.then((a) => (settled = a));
    await tick();
    expect(settled).toBeUndefined();
    timer.advance(1);
    expect(await answer).toEqual({ kind: 'timeout' });
    expect(uiStatus(1101, request, await answer)).toMatchObject({ code: 408, skipRest: true });
    expect(timer.armed).toEqual([]);
  });
  it('text input: default on Enter, IT checked and re-asked, formatted per IT, backspace edits', async () => {
    expect((await run(req('1102', 'DR=John+Doe', 'Name?'), ['\r'])).answer).toEqual({ kind: 'text', value: 'John Doe' });
    const d = await run(req('1102', 'IT=D', 'Date?'), ['31.02.2026\r', '2026-1x\x7f2-24\r']);
    expect(d.answer).toEqual({ kind: 'text', value: '24122026' });
    expect(d.screen).toContain('Not accepted: day 31 does not exist');
    expect((await run(req('1102', 'IT=I', 'IP?'), ['10.0.0.300\r', '10.0.0.30\r'])).answer).toEqual({ kind: 'text', value: '10.0.0.30' });
    expect((await run(req('1102', 'IT=T', 'Time?'), ['7:30\r'])).answer).toEqual({ kind: 'text', value: '073000' });
    expect((await run(req('1102', 'MAXLEN=3', 'Code?'), ['abcd\r', 'abc\r'])).answer).toEqual({ kind: 'text', value: 'abc' });
  });
  it('ET=P masks the echo and never shows the default', async () => {
    const r = await run(req('1102', 'ET=P&DR=hunter2', 'PIN?'), ['s3cret\r']);
    expect(r.answer).toEqual({ kind: 'text', value: 's3cret' });
    expect(r.screen).not.toContain('s3cret');
    expect(r.screen).not.toContain('hunter2');
    expect(r.screen).toContain('******');
  });
  it('single and multiple choice: numbered list, defaults marked, validation', async () => {
    const s = await run(req('1103', 'DR=2', 'Pick', 'stable', 'beta', 'nightly'), ['5\r', '1 2\r', '3\r']);
    expect(s.answer).toEqual({ kind: 'chosen', indexes: [3] });
    expect(s.screen).toContain('* 2) beta');
    expect(s.screen).toContain('  1) stable');
    expect((await run(req('1103', 'DR=2', 'Pick', 'a', 'b'), ['\r'])).answer).toEqual({ kind: 'chosen', indexes: [2] });
    expect((await run(req('1104', '', 'Pick', 'a', 'b', 'c'), ['3, 1 3\r'])).answer).toEqual({ kind: 'chosen', indexes: [1, 3] });
    expect((await run(req('1104', '', 'Pick', 'a', 'b', 'c'), ['\r', '\x03'])).answer).toEqual({ kind: 'cancelled' });
  });
});

describe('Node UI factory', () => {
  const log: Log = { log() {} };
  it('auto without a terminal is headless; tty without one answers 416; none answers 406', async () => {
    const r = req('1101', 'DR=1', 'Install?');
    const auto = createNodeUi(parseUiConfig({ mode: 'auto' }), log, { ttyAvailable: () => false, openTty: () => null });
    expect(await auto.ask(r)).toEqual({ kind: 'yes' });
    const tty = createNodeUi(parseUiConfig({ mode: 'tty' }), log, { ttyAvailable: () => false, openTty: () => null });
    expect(uiStatus(1101, r, await tty.ask(r)).code).toBe(416);
    const none = createNodeUi(parseUiConfig({ mode: 'none' }), log);
    expect(uiStatus(1101, r, await none.ask(r)).code).toBe(406);
  });
  it('auto with a terminal asks there', async () => {
    const t = terminal();
    let opened = 0;
    let closed = 0;
    const ui = createNodeUi(parseUiConfig({ mode: 'auto' }), log, {
      ttyAvailable: () => true,
      openTty: () => (opened++, { ...t.io, close: () => closed++ }),
      timer: new FakeTimer(),
    });
    expect(opened).toBe(0); // opened per question, not at start-up
    const answer = ui.ask(req('1101', '', 'Install?'));
    await tick();
    await tick();
    t.type('n\r');
    expect(await answer).toEqual({ kind: 'no' });
    expect([opened, closed]).toEqual([1, 1]);
  });
});

describe('terminal UI on a real pseudo-terminal', () => {
  const hasScript = (() => {
    try {
      execFileSync('script', ['--version'], { stdio: 'ignore' });
      return true;
    } catch (_e) {
      return false;
    }
  })();
  if (!hasScript) console.warn('ui-tty.test: `script` (util-linux) not found; the pseudo-terminal test is skipped');

  it.skipIf(!hasScript)('opens /dev/tty in raw mode: masked echo, backspace, then exits', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dm-tty-'));
    const entry = path.join(dir, 'entry.ts');
    const root = path.resolve(__dirname, '..');
    fs.writeFileSync(
      entry,
      `import { TtyUi } from ${JSON.stringify(path.join(root, 'platform/node/ui-tty.ts'))};
import { parseUiAlert, uiStatus } from ${JSON.stringify(path.join(root, 'src/ui/index.ts'))};
const alert = { kind: 'Alert' as const, cmdID: '1', data: '1102', items: [{ data: 'ET=P&MAXDT=20' }, { data: 'PIN?' }] };
const p = parseUiAlert(alert);
if ('request' in p) new TtyUi().ask(p.request).then((a) => console.log('RESULT ' + JSON.stringify(uiStatus(1102, p.request, a))));
`,
    );
    const child = spawn('script', ['-q', '-c', `${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(entry)}`, '/dev/null'], { cwd: root });
    let screen = '';
    let typed = false;
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d) => {
        screen += d.toString();
        if (!typed && screen.includes('> ')) {
          typed = true;
          child.stdin.write('ab\x7fcd\r');
        }
      });
      child.on('close', resolve);
      setTimeout(() => child.kill('SIGKILL'), 15000);
    });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
    expect(screen).toContain('PIN?');
    expect(screen).not.toMatch(/ab|acd\r?\n.*>/); // typed characters never echoed in clear
    expect(screen).toContain('**\b \b**');
    expect(screen).toMatch(/RESULT \{"code":200,"items":\[\{"data":"acd"\}\],"skipRest":false\}/);
  }, 20_000);
});
