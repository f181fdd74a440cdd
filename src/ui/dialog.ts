// The conversation for one UI request on a line-oriented terminal, shared by the Node and QuickJS terminal UIs:
// they supply only a LineTerminal (write text, read one line with a prompt). Confirm takes y/n/c and DR on Enter;
// text input is checked against IT/MAXLEN and asked again with the reason (docs/protocol.md §1.8); choices are numbered from 1
// as on the wire, defaults (DR) marked `*` and taken on Enter. The overall MAXDT deadline is the terminal's job:
// it ends every pending and later read with `timeout`.
import type { LineResult, LineTerminal } from '../ports/ui.js';
export type { LineResult, LineTerminal } from '../ports/ui.js';
import type { UiAnswer, UiRequest } from '../ports/runtime.js';
import { checkTextInput } from './input.js';



function ended(r: { end: 'timeout' | 'cancel' }): UiAnswer {
  return r.end === 'timeout' ? { kind: 'timeout' } : { kind: 'cancelled' };
}

export async function runDialog(request: UiRequest, term: LineTerminal): Promise<UiAnswer> {
  term.write(`\n${request.text}\n`);
  switch (request.kind) {
    case 'display':
      // A terminal keeps the text on screen, so MINDT needs no wait here.
      return { kind: 'ok' };
    case 'confirm': {
      const hint = request.defaultYes === undefined ? '[y/n]' : request.defaultYes ? '[Y/n]' : '[y/N]';
      for (;;) {
        const r = await term.readLine(`${hint} `, false);
        if ('end' in r) return ended(r);
        const a = r.line.trim().toLowerCase();
        if (a === '' && request.defaultYes !== undefined) return { kind: request.defaultYes ? 'yes' : 'no' };
        if (a === 'y' || a === 'yes') return { kind: 'yes' };
        if (a === 'n' || a === 'no') return { kind: 'no' };
        if (a === 'c' || a === 'cancel') return { kind: 'cancelled' };
        term.write('Please answer y (yes), n (no) or c (cancel).\n');
      }
    }
    case 'text': {
      const masked = request.echo === 'P';
      const shown = request.defaultText !== undefined && !masked ? `[${request.defaultText}] ` : '';
      for (;;) {
        const r = await term.readLine(`> ${shown}`, masked);
        if ('end' in r) return ended(r);
        const typed = r.line === '' && request.defaultText !== undefined ? request.defaultText : r.line;
        const c = checkTextInput(typed, request.inputType, request.maxLength);
        if (c.ok) return { kind: 'text', value: c.value };
        term.write(`Not accepted: ${c.reason}.\n`);
      }
    }
    case 'single':
    case 'multiple': {
      request.choices.forEach((c, i) => term.write(`${request.defaults.indexOf(i + 1) >= 0 ? '*' : ' '} ${i + 1}) ${c}\n`));
      const n = request.choices.length;
      const how = request.kind === 'single' ? `one number 1-${n}` : `numbers 1-${n}, separated by spaces or commas`;
      const dflt = request.defaults.length > 0 ? ` [${request.defaults.join(',')}]` : '';
      for (;;) {
        const r = await term.readLine(`Choose ${how}${dflt}: `, false);
        if ('end' in r) return ended(r);
        const text = r.line.trim();
        if (text === '' && request.defaults.length > 0) return { kind: 'chosen', indexes: request.defaults.slice() };
        const picked = text
          .split(/[\s,]+/)
          .filter((p) => p !== '')
          .map((p) => (/^[0-9]+$/.test(p) ? parseInt(p, 10) : NaN));
        const bad = picked.some((p) => !(p >= 1 && p <= n));
        if (!bad && picked.length > 0 && (request.kind === 'multiple' || picked.length === 1)) {
          return { kind: 'chosen', indexes: picked.filter((p, i) => picked.indexOf(p) === i).sort((a, b) => a - b) };
        }
        term.write(`Please type ${how}.\n`);
      }
    }
  }
}
