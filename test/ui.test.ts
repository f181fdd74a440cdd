// UI alerts 1100-1104 (docs/protocol.md §1.8): parameters, request building, answer → Status mapping, IT formats,
// headless defaults, bounded queue. Real alerts come from /work/shared/vectors (never copied into the repo).
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import fc from 'fast-check';
import type { Alert } from '../src/syncml/model.js';
import type { Log, LogLevel, UiAnswer, UiRequest, UserInterface } from '../src/ports/runtime.js';
import {
  BoundedUiQueue,
  answerUiAlert,
  DEFAULT_UI_LIMITS,
  HeadlessUi,
  NoUi,
  UiConfigError,
  checkTextInput,
  formatDate,
  formatIpv4,
  formatTime,
  parseUiAlert,
  parseUiConfig,
  parseUiParams,
  uiStatus,
} from '../src/ui/index.js';

const repoRoot = path.resolve(__dirname, '..');
const vectors = path.resolve(repoRoot, '../shared/vectors');
const haveVectors = fs.existsSync(vectors);
if (!haveVectors) console.warn(`ui.test: ${vectors} is absent; the real-vector tests are skipped`);

class MemLog implements Log {
  lines: { level: LogLevel; message: string; fields?: Record<string, unknown> }[] = [];
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level, message, fields });
  }
}

function alert(code: string, ...data: (string | undefined)[]): Alert {
  return { kind: 'Alert', cmdID: '2', data: code, items: data.map((d) => (d === undefined ? {} : { data: d })) };
}

/** Escapes raw `&` that do not start an entity: the Motorola vectors carry `MAXDT=15&DR=1` unescaped. */
function lenientXml(xml: string): string {
  return xml.replace(/&(?!(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)/g, '&amp;');
}

/** Every Alert in a SyncML document or fragment, as model Alerts (a test-only reader; the real one is src/syncml). */
function alertsIn(xml: string): Alert[] {
  const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true, isArray: (n) => n === 'Item' || n === 'Alert' });
  const tree = parser.parse(lenientXml(xml));
  const out: Alert[] = [];
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (k === 'Alert')
        for (const a of v as Record<string, unknown>[])
          out.push({
            kind: 'Alert',
            cmdID: String(a.CmdID),
            data: String(a.Data),
            items: ((a.Item as unknown[]) || []).map((it) =>
              it && typeof it === 'object' && 'Data' in (it as object) ? { data: String((it as { Data: unknown }).Data) } : {},
            ),
          });
      else walk(v);
    }
  };
  walk(tree);
  return out;
}

function readVector(rel: string): string {
  return fs.readFileSync(path.join(vectors, rel), 'utf8');
}

function request(a: Alert): UiRequest {
  const r = parseUiAlert(a);
  if (!('request' in r)) throw new Error(`expected a request, got ${r.status} ${r.reason}`);
  return r.request;
}

describe('UI parameters (Item 1)', () => {
  it('reads every known parameter, URL-decoded, and ignores unknown ones', () => {
    const { params, warnings } = parseUiParams('MINDT=5&MAXDT=30&DR=John+Doe%21&MAXLEN=12&IT=n&ET=P&FOO=bar');
    expect(params).toEqual({ minDisplaySeconds: 5, maxWaitSeconds: 30, defaultResponse: 'John Doe!', maxLength: 12, inputType: 'N', echoType: 'P' });
    expect(warnings).toEqual([]);
  });
  it('treats absent and empty Item 1 as no parameters', () => {
    expect(parseUiParams(undefined)).toEqual({ params: {}, warnings: [] });
    expect(parseUiParams('  ')).toEqual({ params: {}, warnings: [] });
  });
  it('repairs a missing & before a known name (MAXDT=15DR=1 in the Motorola atomic vector)', () => {
    expect(parseUiParams('MAXDT=15DR=1').params).toEqual({ maxWaitSeconds: 15, defaultResponse: '1' });
  });
  it('warns about bad values instead of failing', () => {
    const { params, warnings } = parseUiParams('MAXDT=soon&IT=X&ET=Q&MINDT=-3&DR');
    expect(params).toEqual({});
    expect(warnings.length).toBe(5);
    expect(warnings[0]).toContain('MAXDT');
  });
  it('keeps a bad %-escape literally', () => {
    expect(parseUiParams('DR=100%+sure').params.defaultResponse).toBe('100% sure');
  });
  it('never throws on arbitrary text (property)', () => {
    fc.assert(fc.property(fc.string(), (s) => Array.isArray(parseUiParams(s).warnings)));
  });
});

describe('parseUiAlert', () => {
  it('builds each request kind', () => {
    expect(request(alert('1100', 'MINDT=10', 'Management in progress'))).toEqual({
      kind: 'display',
      text: 'Management in progress',
      minDisplaySeconds: 10,
      maxWaitSeconds: DEFAULT_UI_LIMITS.maxWaitSeconds,
    });
    expect(request(alert('1101', 'MAXDT=15&DR=1', 'Update now?'))).toEqual({ kind: 'confirm', text: 'Update now?', defaultYes: true, maxWaitSeconds: 15 });
    expect(request(alert('1101', 'DR=0', 'Update now?'))).toMatchObject({ defaultYes: false });
    expect(request(alert('1102', 'DR=John+Doe&IT=A', 'Name?'))).toEqual({
      kind: 'text',
      text: 'Name?',
      inputType: 'A',
      echo: 'T',
      maxLength: DEFAULT_UI_LIMITS.maxTextLength,
      defaultText: 'John Doe',
      maxWaitSeconds: DEFAULT_UI_LIMITS.maxWaitSeconds,
    });
    expect(request(alert('1103', 'DR=3', 'Pick', 'a', 'b', 'c'))).toMatchObject({ kind: 'single', choices: ['a', 'b', 'c'], defaults: [3] });
    expect(request(alert('1104', 'DR=2-3', 'Pick', 'a', 'b', 'c'))).toMatchObject({ kind: 'multiple', defaults: [2, 3] });
  });
  it('clamps MAXDT, MINDT and MAXLEN to the limits and logs each clamp', () => {
    const log = new MemLog();
    const limits = { ...DEFAULT_UI_LIMITS, maxWaitSeconds: 60, maxTextLength: 8 };
    const r = parseUiAlert(alert('1102', 'MAXDT=999999&MAXLEN=500&DR=far+too+long+default', 'x'), limits, log);
    expect('request' in r && r.request).toMatchObject({ maxWaitSeconds: 60, maxLength: 8, defaultText: 'far too ' });
    expect(log.lines.map((l) => l.message).join('\n')).toMatch(/MAXDT=999999.*60[\s\S]*MAXLEN=500/);
    const d = parseUiAlert(alert('1100', 'MINDT=100000', 'x'));
    expect('request' in d && d.request).toMatchObject({ minDisplaySeconds: DEFAULT_UI_LIMITS.maxMinDisplaySeconds });
  });
  it('drops out-of-range and malformed choice defaults', () => {
    const r = parseUiAlert(alert('1104', 'DR=0-2-9-x-2', 't', 'a', 'b'));
    expect('request' in r && r.request).toMatchObject({ defaults: [2] });
    expect('request' in r && r.warnings.length).toBe(3);
    const s = parseUiAlert(alert('1103', 'DR=1-2', 't', 'a', 'b'));
    expect('request' in s && s.request).toMatchObject({ defaults: [1] });
  });
  it('refuses what cannot be shown with the right Status', () => {
    expect(parseUiAlert(alert('1201', '', 'x'))).toMatchObject({ status: 406 });
    expect(parseUiAlert(alert('1105', '', 'x'))).toMatchObject({ status: 406 });
    expect(parseUiAlert(alert('1101', 'DR=1'))).toMatchObject({ status: 412 });
    expect(parseUiAlert(alert('1103', '', 'title'))).toMatchObject({ status: 412 });
    const many = alert('1103', '', 'title', ...Array.from({ length: 65 }, (_, i) => `c${i}`));
    expect(parseUiAlert(many)).toMatchObject({ status: 416 });
    const bin: Alert = { kind: 'Alert', cmdID: '1', data: '1100', items: [{}, { data: Uint8Array.of(0xff, 0xfe) }] };
    expect(parseUiAlert(bin)).toMatchObject({ status: 415 });
  });
  it('accepts UTF-8 bytes (OPAQUE data from WBXML) as text', () => {
    const a: Alert = { kind: 'Alert', cmdID: '1', data: '1100', items: [{ data: new Uint8Array(0) }, { data: Uint8Array.of(0x48, 0xc3, 0xa9) }] };
    expect(request(a)).toMatchObject({ text: 'Hé' });
  });
});

describe.skipIf(!haveVectors)('real UI alert vectors', () => {
  const android = (f: string) => alertsIn(readVector(`android-omadm/dm11/${f}`));
  it('Motorola display (well-formed)', () => {
    const [a] = android('testalertdisplay.xml');
    expect(request(a)).toMatchObject({ kind: 'display', text: 'Testing Display Alert', minDisplaySeconds: 15 });
  });
  it('Motorola confirm with raw & (not well-formed, read leniently)', () => {
    const [a] = android('testalertconfirm.xml');
    expect(request(a)).toMatchObject({ kind: 'confirm', text: 'Testing Confirmation Alert', defaultYes: true, maxWaitSeconds: 15 });
  });
  it('Motorola confirm inside Atomic with the missing &', () => {
    const [a] = android('testalertconfirmatomic.xml');
    expect(request(a)).toMatchObject({ kind: 'confirm', defaultYes: true, maxWaitSeconds: 15 });
  });
  it('Motorola text input: DR with +, IT=I, ET=P, MAXLEN', () => {
    const [a] = android('testalerttextinput.xml');
    expect(request(a)).toMatchObject({ kind: 'text', defaultText: 'hello andy!', inputType: 'I', echo: 'P', maxLength: 30, maxWaitSeconds: 20 });
  });
  it('Motorola single and multiple choice', () => {
    const [s] = android('testalertsinglechoice.xml');
    expect(request(s)).toMatchObject({ kind: 'single', defaults: [2], maxWaitSeconds: 20 });
    expect((request(s) as { choices: string[] }).choices).toEqual(['choice one', 'choice two', 'choice three', 'choice four', 'choice five', 'choice six']);
    const [m] = android('testalertmultiplechoice.xml');
    // DR=1-3,6: the engine itself answered Items "1" and "3,6"; we read 1, 3 and 6.
    expect(request(m)).toMatchObject({ kind: 'multiple', defaults: [1, 3, 6] });
  });
  it('Motorola timeouts answer 408 (as in extracted/*.response.xml)', () => {
    for (const f of ['testalertconfirm', 'testalertsinglechoice', 'testalertmultiplechoice', 'testalerttextinput']) {
      const [a] = android(`${f}.xml`);
      const resp = readVector(`android-omadm/extracted/dm11.${f}.response.xml`);
      const wire = /<Cmd>Alert<\/Cmd>(?:<TargetRef><\/TargetRef>)?<Data>([0-9]+)<\/Data>/.exec(resp);
      expect(wire && wire[1]).toBe('408');
      expect(uiStatus(a.data!, request(a), { kind: 'timeout' })).toMatchObject({ code: 408, items: [], skipRest: true });
    }
  });
  it('OMA spec examples (25_user_interaction_*): alerts and the Status the spec shows for them', () => {
    const block = (n: number) => readVector(`oma-dm-spec-examples/25_user_interaction_commands_yong_hu_jia.block${n < 10 ? '0' + n : n}.xml`);
    const statusOf = (xml: string) => {
      const t = new XMLParser({ parseTagValue: false, isArray: (n) => n === 'Item' }).parse(xml).Status;
      return { code: Number(t.Data), items: ((t.Item as { Data: string }[]) || []).map((i) => ({ data: String(i.Data) })) };
    };
    const display = alertsIn(block(1))[0];
    expect(uiStatus(display.data!, request(display), { kind: 'ok' }).code).toBe(200);
    const confirm = alertsIn(block(2))[0];
    expect(request(confirm)).toMatchObject({ kind: 'confirm', text: 'Do you want to add the CNN access point?' });
    const no = uiStatus(confirm.data!, request(confirm), { kind: 'no' });
    expect({ code: no.code, items: no.items }).toEqual(statusOf(block(3)));
    const text = alertsIn(block(4))[0];
    const typed = uiStatus(text.data!, request(text), { kind: 'text', value: 'CNN' });
    expect({ code: typed.code, items: typed.items }).toEqual(statusOf(block(5)));
    const single = alertsIn(block(6))[0];
    expect(request(single)).toMatchObject({ kind: 'single', choices: ['CNN', 'Mobilbank', 'Game Channel'] });
    const one = uiStatus(single.data!, request(single), { kind: 'chosen', indexes: [2] });
    expect({ code: one.code, items: one.items }).toEqual(statusOf(block(7)));
    const multi = alertsIn(block(8))[0];
    const two = uiStatus(multi.data!, request(multi), { kind: 'chosen', indexes: [3, 2] });
    // The spec lists 3 then 2; the order of choices carries no meaning, we send them ascending.
    expect(two.code).toBe(statusOf(block(9)).code);
    expect(two.items.map((i) => i.data).sort()).toEqual(statusOf(block(9)).items.map((i) => i.data).sort());
    // Parameter fragments 11..18, 20
    const param = (n: number) => parseUiParams(String(new XMLParser({ parseTagValue: false }).parse(block(n)).Item.Data)).params;
    expect(param(11)).toEqual({ minDisplaySeconds: 10 });
    expect(param(12)).toEqual({ maxWaitSeconds: 20 });
    expect(param(13)).toEqual({ defaultResponse: '1' });
    expect(param(14)).toEqual({ defaultResponse: 'John Doe' });
    expect(param(15)).toEqual({ defaultResponse: '3' });
    expect(param(16)).toEqual({ defaultResponse: '2-3' });
    expect(param(17)).toEqual({ maxLength: 30 });
    expect(param(18)).toEqual({ inputType: 'N' });
    expect(param(20)).toEqual({ echoType: 'T' });
    // Block 19: numeric input -1.23 is sent as typed.
    const numeric = request(alert('1102', 'IT=N', 'Number?'));
    const n = uiStatus(1102, numeric, { kind: 'text', value: '-1.23' });
    expect({ code: n.code, items: n.items }).toEqual(statusOf(block(19)));
  });
});

describe('uiStatus: every alert code and answer', () => {
  const display = request(alert('1100', '', 'hi'));
  const confirm = request(alert('1101', '', 'ok?'));
  const text = request(alert('1102', 'MAXLEN=5', 'name?'));
  const single = request(alert('1103', '', 'pick', 'a', 'b', 'c'));
  const multiple = request(alert('1104', '', 'pick', 'a', 'b', 'c'));
  const cases: [number, UiRequest, UiAnswer, number, string[], boolean][] = [
    [1100, display, { kind: 'ok' }, 200, [], false],
    [1100, display, { kind: 'timeout' }, 200, [], false],
    [1100, display, { kind: 'cannotDisplay', reason: 'x' }, 416, [], false],
    [1100, display, { kind: 'unsupported' }, 406, [], false],
    [1101, confirm, { kind: 'yes' }, 200, [], false],
    [1101, confirm, { kind: 'no' }, 304, [], true],
    [1101, confirm, { kind: 'cancelled' }, 214, [], true],
    [1101, confirm, { kind: 'timeout' }, 408, [], true],
    [1101, confirm, { kind: 'cannotDisplay', reason: 'queue full' }, 416, [], true],
    [1101, confirm, { kind: 'unsupported' }, 406, [], true],
    [1101, confirm, { kind: 'ok' }, 500, [], true],
    [1102, text, { kind: 'text', value: 'CNN' }, 200, ['CNN'], false],
    [1102, text, { kind: 'text', value: 'toolong' }, 500, [], true],
    [1102, text, { kind: 'timeout' }, 408, [], true],
    [1102, text, { kind: 'cancelled' }, 214, [], true],
    [1103, single, { kind: 'chosen', indexes: [2] }, 200, ['2'], false],
    [1103, single, { kind: 'chosen', indexes: [1, 2] }, 500, [], true],
    [1103, single, { kind: 'chosen', indexes: [4] }, 500, [], true],
    [1103, single, { kind: 'timeout' }, 408, [], true],
    [1104, multiple, { kind: 'chosen', indexes: [3, 1, 3] }, 200, ['1', '3'], false],
    [1104, multiple, { kind: 'chosen', indexes: [] }, 200, [], false],
    [1104, multiple, { kind: 'chosen', indexes: [0] }, 500, [], true],
    [1104, multiple, { kind: 'yes' }, 500, [], true],
    [1104, single, { kind: 'chosen', indexes: [1] }, 500, [], true],
    [1226, display, { kind: 'ok' }, 406, [], true],
  ];
  it.each(cases)('alert %i + %j answered %j → %i', (code, req, ans, status, items, skip) => {
    const r = uiStatus(code, req, ans);
    expect(r.code).toBe(status);
    expect(r.items.map((i) => i.data)).toEqual(items);
    expect(r.skipRest).toBe(skip);
    if (status !== 200) expect(r.reason).toBeTruthy();
  });
  it('accepts the alert code as the wire string', () => {
    expect(uiStatus('1101', confirm, { kind: 'no' }).code).toBe(304);
  });
});

describe('input types (IT)', () => {
  it('D → DDMMYYYY from several spellings, with calendar checks', () => {
    expect(formatDate('24.12.2026')).toEqual({ ok: true, value: '24122026' });
    expect(formatDate('2026-12-24')).toEqual({ ok: true, value: '24122026' });
    expect(formatDate('1/2/2024')).toEqual({ ok: true, value: '01022024' });
    expect(formatDate('29022024')).toEqual({ ok: true, value: '29022024' });
    expect(formatDate('29.02.2023').ok).toBe(false);
    expect(formatDate('31.04.2026').ok).toBe(false);
    expect(formatDate('12.13.2026').ok).toBe(false);
    expect(formatDate('tomorrow').ok).toBe(false);
  });
  it('T → hhmmss', () => {
    expect(formatTime('7:05')).toEqual({ ok: true, value: '070500' });
    expect(formatTime('23:59:58')).toEqual({ ok: true, value: '235958' });
    expect(formatTime('1230')).toEqual({ ok: true, value: '123000' });
    expect(formatTime('24:00').ok).toBe(false);
    expect(formatTime('12:60').ok).toBe(false);
  });
  it('I → dotted quad', () => {
    expect(formatIpv4(' 192.168.001.010 ')).toEqual({ ok: true, value: '192.168.1.10' });
    expect(formatIpv4('256.1.1.1').ok).toBe(false);
    expect(formatIpv4('1.2.3').ok).toBe(false);
  });
  it('N, P, A and MAXLEN', () => {
    expect(checkTextInput('-1.23', 'N')).toEqual({ ok: true, value: '-1.23' });
    expect(checkTextInput('1.2.3', 'N').ok).toBe(false);
    expect(checkTextInput('+4930p12w3', 'P').ok).toBe(true);
    expect(checkTextInput('49+30', 'P').ok).toBe(false);
    expect(checkTextInput('anything at all', 'A').ok).toBe(true);
    expect(checkTextInput('abcdef', 'A', 5)).toEqual({ ok: false, reason: expect.stringContaining('at most 5') });
  });
  it('every valid date round-trips to DDMMYYYY (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true }), (d) => {
        const iso = d.toISOString().slice(0, 10);
        const r = formatDate(iso);
        return r.ok && r.value === iso.slice(8, 10) + iso.slice(5, 7) + iso.slice(0, 4);
      }),
    );
  });
  it('text answers are sent in the formatted form', () => {
    const req = request(alert('1102', 'IT=D', 'When?'));
    expect(uiStatus(1102, req, { kind: 'text', value: '2026-11-22' }).items).toEqual([{ data: '22112026' }]);
  });
});

describe('headless UI', () => {
  const ask = async (ui: UserInterface, a: Alert) => ui.ask(request(a));
  it('answers from configured defaults and logs one line per alert', async () => {
    const log = new MemLog();
    const ui = new HeadlessUi({ confirm: 'yes', text: 'hello', choice: [2] }, log);
    expect(await ask(ui, alert('1100', '', 'x'))).toEqual({ kind: 'ok' });
    expect(await ask(ui, alert('1101', 'DR=0', 'x'))).toEqual({ kind: 'yes' });
    expect(await ask(ui, alert('1102', '', 'x'))).toEqual({ kind: 'text', value: 'hello' });
    expect(await ask(ui, alert('1103', '', 'x', 'a', 'b'))).toEqual({ kind: 'chosen', indexes: [2] });
    expect(await ask(ui, alert('1104', '', 'x', 'a', 'b'))).toEqual({ kind: 'chosen', indexes: [2] });
    expect(log.lines.filter((l) => l.message === 'UI alert answered headless')).toHaveLength(5);
  });
  it("'default' follows the server's DR, and times out without one (→ 408)", async () => {
    const ui = new HeadlessUi({ confirm: 'default' }, new MemLog());
    expect(await ask(ui, alert('1101', 'DR=1', 'x'))).toEqual({ kind: 'yes' });
    expect(await ask(ui, alert('1101', 'DR=0', 'x'))).toEqual({ kind: 'no' });
    const t = alert('1101', '', 'x');
    const answer = await ask(ui, t);
    expect(answer).toEqual({ kind: 'timeout' });
    expect(uiStatus(1101, request(t), answer).code).toBe(408);
    expect(await ask(ui, alert('1102', 'DR=abc', 'x'))).toEqual({ kind: 'text', value: 'abc' });
    expect(await ask(ui, alert('1102', '', 'x'))).toEqual({ kind: 'timeout' });
    expect(await ask(ui, alert('1104', 'DR=1-2', 'x', 'a', 'b'))).toEqual({ kind: 'chosen', indexes: [1, 2] });
    expect(await ask(ui, alert('1103', '', 'x', 'a'))).toEqual({ kind: 'timeout' });
  });
  it('no, cancel and timeout map to 304, 214 and 408', async () => {
    for (const [d, code] of [['no', 304], ['cancel', 214], ['timeout', 408]] as const) {
      const ui = new HeadlessUi({ confirm: d }, new MemLog());
      const a = alert('1101', 'DR=1', 'x');
      expect(uiStatus(1101, request(a), await ask(ui, a)).code).toBe(code);
    }
  });
  it('a configured text that does not fit IT falls back, and a password is not logged', async () => {
    const log = new MemLog();
    const ui = new HeadlessUi({ confirm: 'default', text: 'secret' }, log);
    expect(await ask(ui, alert('1102', 'IT=D&DR=01012026', 'x'))).toEqual({ kind: 'text', value: '01012026' });
    await ask(ui, alert('1102', 'ET=P', 'x'));
    expect(JSON.stringify(log.lines)).not.toContain('"secret"');
    const ui2 = new HeadlessUi({ confirm: 'default', choice: [7] }, log);
    expect(await ask(ui2, alert('1103', 'DR=1', 'x', 'a'))).toEqual({ kind: 'chosen', indexes: [1] });
  });
  it('mode none answers 406', async () => {
    const a = alert('1101', '', 'x');
    expect(uiStatus(1101, request(a), await new NoUi().ask(request(a))).code).toBe(406);
  });
});

describe('bounded UI queue', () => {
  it('keeps at most `bound` alerts waiting out of 1,000, answers the rest 416 at once, and logs it', async () => {
    const shown: UiRequest[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const slow: UserInterface = {
      ask: async (r) => {
        shown.push(r);
        await gate;
        return { kind: 'ok' };
      },
    };
    const log = new MemLog();
    const q = new BoundedUiQueue(slow, 10, log);
    const answers: Promise<UiAnswer>[] = [];
    let maxPending = 0;
    for (let i = 0; i < 1000; i++) {
      answers.push(q.ask({ kind: 'display', text: `alert ${i}` }));
      maxPending = Math.max(maxPending, q.pending);
    }
    expect(maxPending).toBeLessThanOrEqual(10);
    expect(q.droppedCount).toBe(989);
    release();
    const all = await Promise.all(answers);
    expect(all.filter((a) => a.kind === 'ok')).toHaveLength(11);
    expect(all.filter((a) => a.kind === 'cannotDisplay')).toHaveLength(989);
    expect(shown.map((r) => r.text)).toEqual(Array.from({ length: 11 }, (_, i) => `alert ${i}`));
    expect(log.lines.filter((l) => l.message.includes('UI queue full'))).toHaveLength(989);
    expect(uiStatus(1100, { kind: 'display', text: '' }, all[999]).code).toBe(416);
  });
  it('shows one request at a time, in order, and survives a failing UI', async () => {
    const order: string[] = [];
    let active = 0;
    const ui: UserInterface = {
      ask: async (r) => {
        active++;
        expect(active).toBe(1);
        order.push(r.text);
        await new Promise((res) => setTimeout(res, 1));
        active--;
        if (r.text === 'b') throw new Error('tty gone');
        return { kind: 'ok' };
      },
    };
    const q = new BoundedUiQueue(ui, 5, new MemLog());
    const r = await Promise.all(['a', 'b', 'c'].map((t) => q.ask({ kind: 'display', text: t })));
    expect(order).toEqual(['a', 'b', 'c']);
    expect(r.map((x) => x.kind)).toEqual(['ok', 'cannotDisplay', 'ok']);
  });
  it('rejects a bad bound with a clear error', () => {
    expect(() => new BoundedUiQueue(new NoUi(), -1)).toThrow(/bound/);
  });
});

describe('ui config', () => {
  it('has defaults and reads every key', () => {
    expect(parseUiConfig(undefined)).toMatchObject({ mode: 'auto', queueBound: 16, defaults: { confirm: 'default' } });
    const c = parseUiConfig({ mode: 'headless', maxWaitSeconds: 30, defaults: { confirm: 'no', text: 't', choice: [1, 2] } });
    expect(c).toMatchObject({ mode: 'headless', limits: { maxWaitSeconds: 30 }, defaults: { confirm: 'no', text: 't', choice: [1, 2] } });
  });
  it('names the bad key', () => {
    expect(() => parseUiConfig({ mode: 'gui' })).toThrow(/ui\.mode/);
    expect(() => parseUiConfig({ maxWaitSeconds: 0 })).toThrow(/ui\.maxWaitSeconds/);
    expect(() => parseUiConfig({ defaults: { confirm: 'maybe' } })).toThrow(/ui\.defaults\.confirm/);
    expect(() => parseUiConfig({ defaults: { choice: [0] } })).toThrow(/ui\.defaults\.choice/);
    expect(() => parseUiConfig({ colour: 1 })).toThrow(UiConfigError);
  });
});

describe('answerUiAlert', () => {
  it('parses, asks and maps; refusals never reach the UI', async () => {
    const asked: UiRequest[] = [];
    const ui: UserInterface = { ask: async (r) => (asked.push(r), { kind: 'chosen', indexes: [2] }) };
    expect(await answerUiAlert(alert('1103', 'DR=1', 'Pick', 'a', 'b'), ui)).toEqual({ code: 200, items: [{ data: '2' }], skipRest: false });
    expect(await answerUiAlert(alert('1103', '', 'Pick'), ui)).toMatchObject({ code: 412, skipRest: true });
    expect(await answerUiAlert(alert('1100'), ui)).toMatchObject({ code: 412, skipRest: false });
    expect(asked).toHaveLength(1);
  });
  it('uses the configured limits and survives a throwing UI', async () => {
    const seen: UiRequest[] = [];
    const broken: UserInterface = { ask: (r) => { seen.push(r); throw new Error('no tty'); } };
    const limits = parseUiConfig({ maxWaitSeconds: 10 }).limits;
    const r = await answerUiAlert(alert('1101', 'MAXDT=600', 'ok?'), broken, limits, new MemLog());
    expect(seen[0].maxWaitSeconds).toBe(10);
    expect(r).toMatchObject({ code: 416, skipRest: true });
  });
});
