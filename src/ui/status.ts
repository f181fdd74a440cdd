// From the person's answer to the Status the client sends for a UI alert (docs/protocol.md §1.8, codes from §1.6):
//   1100 display          → 200
//   1101 confirm          → 200 yes, 304 no, 214 cancelled
//   1102 text input       → 200 + Item{Data text} (formatted per IT: D → DDMMYYYY, T → hhmmss, I → dotted quad)
//   1103/1104 choice      → 200 + one Item{Data n} per chosen choice (numbered from 1)
//   any                   → 408 timeout, 416 cannot display, 406 UI not supported, 214 cancelled
// and whether the rest of the package must be answered 215 "not executed" instead of being run.
import type { Item } from '../syncml/model.js';
import type { UiAnswer, UiRequest } from '../ports/runtime.js';
import { checkTextInput } from './input.js';
import { UI_ALERT } from './alert.js';

export interface UiStatus {
  /** The Status code for the Alert. */
  code: number;
  /** Items of that Status (text input or chosen choices), empty otherwise. */
  items: Item[];
  /**
   * True when the remaining commands of the package must not run and get Status 215 (docs/protocol.md §1.8: "if the user
   * cancels or declines, remaining commands are not executed"; inside Atomic the Atomic fails, inside Sequence the
   * rest is skipped). Rule: every UI alert except a plain display that did not end in 200. A confirmation that timed
   * out is not a yes (the Motorola engine answers its Atomic confirm timeout with 408 and 215 for the Replace), and
   * a question the user did not answer leaves the server's next commands without the input they depend on.
   */
  skipRest: boolean;
  /** Why the code is not 200, for the log. */
  reason?: string;
}

function done(alertCode: number, code: number, items: Item[], reason?: string): UiStatus {
  const r: UiStatus = { code, items, skipRest: code !== 200 && alertCode !== UI_ALERT.DISPLAY };
  if (reason !== undefined) r.reason = reason;
  return r;
}

const EXPECTED: Record<number, UiRequest['kind'][]> = {
  1100: ['display'],
  1101: ['confirm'],
  1102: ['text'],
  1103: ['single'],
  1104: ['multiple'],
};

/** Maps an answer to the Status code and Items. A mismatch between code, request and answer gives 500 with a reason. */
export function uiStatus(alertCode: number | string, request: UiRequest, answer: UiAnswer): UiStatus {
  const code = typeof alertCode === 'number' ? alertCode : parseInt(alertCode, 10);
  const expected = EXPECTED[code];
  if (!expected) return done(code, 406, [], `alert code ${alertCode} is not a UI alert`);
  if (expected.indexOf(request.kind) < 0) return done(code, 500, [], `alert ${code} cannot be answered by a ${request.kind} request`);

  switch (answer.kind) {
    case 'timeout':
      // A display has nothing to wait for: it was shown, so it succeeded.
      return code === UI_ALERT.DISPLAY ? done(code, 200, []) : done(code, 408, [], 'no answer before MAXDT');
    case 'cancelled':
      return done(code, 214, [], 'cancelled by the user');
    case 'cannotDisplay':
      return done(code, 416, [], answer.reason);
    case 'unsupported':
      return done(code, 406, [], 'user interaction is not supported on this device');
  }

  switch (request.kind) {
    case 'display':
      return done(code, 200, []);
    case 'confirm':
      if (answer.kind === 'yes') return done(code, 200, []);
      if (answer.kind === 'no') return done(code, 304, [], 'declined by the user');
      break;
    case 'text':
      if (answer.kind === 'text') {
        const r = checkTextInput(answer.value, request.inputType, request.maxLength);
        if (!r.ok) return done(code, 500, [], `text input rejected: ${r.reason}`);
        return done(code, 200, [{ data: r.value }]);
      }
      break;
    case 'single':
    case 'multiple':
      if (answer.kind === 'chosen') {
        const picked: number[] = [];
        for (const n of answer.indexes) {
          if (Math.floor(n) !== n || n < 1 || n > request.choices.length)
            return done(code, 500, [], `choice ${n} is outside 1..${request.choices.length}`);
          if (picked.indexOf(n) < 0) picked.push(n);
        }
        if (request.kind === 'single' && picked.length !== 1)
          return done(code, 500, [], `a single choice needs exactly one choice, got ${picked.length}`);
        picked.sort((a, b) => a - b);
        return done(code, 200, picked.map((n) => ({ data: String(n) })));
      }
      break;
  }
  return done(code, 500, [], `answer ${answer.kind} does not fit a ${request.kind} request`);
}
