// The UI of a device nobody looks at: every alert is answered at once from configured defaults and leaves one log
// line, so an operator can see afterwards what the server asked and what the device said. Per kind:
//   confirm: 'yes' | 'no' | 'cancel' | 'timeout' | 'default'  ('default' = the server's DR, else timeout)
//   text:    a fixed answer (checked against IT/MAXLEN; falls back like 'default' when it does not fit), absent = 'default'
//   choice:  fixed choice numbers (from 1; out-of-range ones dropped), absent = 'default'
// A timeout is reported without waiting MAXDT: nobody will answer, so holding the session open helps no one; the
// Status is the one the spec gives for it (408, docs/protocol.md §1.8).
import type { Log, UiAnswer, UiRequest, UserInterface } from '../ports/runtime.js';
import { checkTextInput } from './input.js';

export type ConfirmDefault = 'yes' | 'no' | 'cancel' | 'timeout' | 'default';

export interface HeadlessDefaults {
  confirm: ConfirmDefault;
  text?: string;
  choice?: number[];
}

export const DEFAULT_HEADLESS: HeadlessDefaults = { confirm: 'default' };

export class HeadlessUi implements UserInterface {
  constructor(
    private readonly defaults: HeadlessDefaults,
    private readonly log: Log,
  ) {}

  ask(request: UiRequest): Promise<UiAnswer> {
    const answer = this.answer(request);
    const fields: Record<string, unknown> = { kind: request.kind, text: request.text, answer: answer.kind };
    if (answer.kind === 'text') fields.value = request.kind === 'text' && request.echo === 'P' ? '***' : answer.value;
    if (answer.kind === 'chosen') fields.chosen = answer.indexes;
    this.log.log('info', 'UI alert answered headless', fields);
    return Promise.resolve(answer);
  }

  private answer(request: UiRequest): UiAnswer {
    switch (request.kind) {
      case 'display':
        return { kind: 'ok' };
      case 'confirm': {
        const d = this.defaults.confirm;
        if (d === 'yes' || d === 'no' || d === 'timeout') return { kind: d };
        if (d === 'cancel') return { kind: 'cancelled' };
        if (request.defaultYes === undefined) return { kind: 'timeout' };
        return { kind: request.defaultYes ? 'yes' : 'no' };
      }
      case 'text': {
        const fixed = this.defaults.text;
        if (fixed !== undefined) {
          const r = checkTextInput(fixed, request.inputType, request.maxLength);
          if (r.ok) return { kind: 'text', value: fixed };
          this.log.log('warn', 'configured ui.defaults.text does not fit this alert; using the server default', { reason: r.reason });
        }
        if (request.defaultText !== undefined && checkTextInput(request.defaultText, request.inputType, request.maxLength).ok)
          return { kind: 'text', value: request.defaultText };
        return { kind: 'timeout' };
      }
      case 'single':
      case 'multiple': {
        const fixed = this.defaults.choice;
        if (fixed !== undefined) {
          const ok = fixed.filter((n) => n >= 1 && n <= request.choices.length);
          if (request.kind === 'single') ok.length = Math.min(ok.length, 1);
          if (ok.length > 0) return { kind: 'chosen', indexes: ok };
          this.log.log('warn', 'configured ui.defaults.choice has no valid choice for this alert; using the server default', {
            choices: request.choices.length,
          });
        }
        if (request.defaults.length > 0) return { kind: 'chosen', indexes: request.defaults.slice() };
        return { kind: 'timeout' };
      }
    }
  }
}
