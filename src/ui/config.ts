// The `ui` section of the agent configuration, checked with errors that name the key.
//
// README block:
//   "ui": {
//     "mode": "auto",              // "tty" (prompt on /dev/tty), "headless" (answer from defaults, log it),
//                                  // "auto" (tty when one is there, else headless), "none" (every UI alert → 406)
//     "maxWaitSeconds": 300,       // cap on the server's MAXDT, and the wait when it sends none
//     "queueBound": 16,            // UI alerts allowed to wait; more are answered 416 at once
//     "defaults": {                // headless answers (docs/protocol.md §1.8); "default" = the server's DR, else timeout (408)
//       "confirm": "default",      // "yes" | "no" | "cancel" | "timeout" | "default"
//       "text": "some answer",     // optional fixed text input; absent = server default or timeout
//       "choice": [1]              // optional fixed choice numbers (from 1); absent = server default or timeout
//     }
//   }
import { DEFAULT_UI_LIMITS, type UiLimits } from './alert.js';
import type { ConfirmDefault, HeadlessDefaults } from './headless.js';

export type UiMode = 'tty' | 'headless' | 'auto' | 'none';

export interface UiConfig {
  mode: UiMode;
  limits: UiLimits;
  queueBound: number;
  defaults: HeadlessDefaults;
}

export class UiConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`config: ${key}: ${message}`);
    this.name = 'UiConfigError';
  }
}

function int(o: Record<string, unknown>, key: string, dflt: number, min: number, max: number): number {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || Math.floor(v) !== v || v < min || v > max)
    throw new UiConfigError(`ui.${key}`, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return v;
}

export function parseUiConfig(section: Record<string, unknown> | undefined): UiConfig {
  const o = section || {};
  const known = ['mode', 'maxWaitSeconds', 'maxMinDisplaySeconds', 'maxTextLength', 'maxChoices', 'queueBound', 'defaults'];
  for (const k of Object.keys(o))
    if (k !== '$comment' && known.indexOf(k) < 0) throw new UiConfigError(`ui.${k}`, `is not a known key (${known.join(', ')})`);
  const mode = o.mode === undefined ? 'auto' : o.mode;
  if (mode !== 'tty' && mode !== 'headless' && mode !== 'auto' && mode !== 'none')
    throw new UiConfigError('ui.mode', `must be "tty", "headless", "auto" or "none", got ${JSON.stringify(mode)}`);
  const limits: UiLimits = {
    maxWaitSeconds: int(o, 'maxWaitSeconds', DEFAULT_UI_LIMITS.maxWaitSeconds, 1, 86400),
    maxMinDisplaySeconds: int(o, 'maxMinDisplaySeconds', DEFAULT_UI_LIMITS.maxMinDisplaySeconds, 0, 3600),
    maxTextLength: int(o, 'maxTextLength', DEFAULT_UI_LIMITS.maxTextLength, 1, 65536),
    maxPromptChars: DEFAULT_UI_LIMITS.maxPromptChars,
    maxChoices: int(o, 'maxChoices', DEFAULT_UI_LIMITS.maxChoices, 1, 1000),
  };
  const queueBound = int(o, 'queueBound', 16, 0, 10000);
  const d = o.defaults === undefined ? {} : o.defaults;
  if (typeof d !== 'object' || d === null || Array.isArray(d)) throw new UiConfigError('ui.defaults', 'must be an object');
  const dd = d as Record<string, unknown>;
  for (const k of Object.keys(dd))
    if (['confirm', 'text', 'choice'].indexOf(k) < 0) throw new UiConfigError(`ui.defaults.${k}`, 'is not a known key (confirm, text, choice)');
  const confirm = dd.confirm === undefined ? 'default' : dd.confirm;
  if (['yes', 'no', 'cancel', 'timeout', 'default'].indexOf(confirm as string) < 0)
    throw new UiConfigError('ui.defaults.confirm', `must be "yes", "no", "cancel", "timeout" or "default", got ${JSON.stringify(confirm)}`);
  const defaults: HeadlessDefaults = { confirm: confirm as ConfirmDefault };
  if (dd.text !== undefined) {
    if (typeof dd.text !== 'string') throw new UiConfigError('ui.defaults.text', `must be a string, got ${JSON.stringify(dd.text)}`);
    defaults.text = dd.text;
  }
  if (dd.choice !== undefined) {
    const c = dd.choice;
    if (!Array.isArray(c) || c.length === 0 || c.some((n) => typeof n !== 'number' || Math.floor(n) !== n || n < 1))
      throw new UiConfigError('ui.defaults.choice', `must be a non-empty list of choice numbers from 1, got ${JSON.stringify(c)}`);
    defaults.choice = c.slice() as number[];
  }
  return { mode, limits, queueBound, defaults };
}
