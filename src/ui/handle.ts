// One server UI alert from start to Status: parse (refusing what cannot be shown), ask the person through the UI
// port, map the answer (docs/protocol.md §1.8). The session's command executor needs exactly this.
import type { Alert } from '../syncml/model.js';
import type { Log, UserInterface } from '../ports/runtime.js';
import { DEFAULT_UI_LIMITS, UI_ALERT, parseUiAlert, type UiLimits } from './alert.js';
import { uiStatus, type UiStatus } from './status.js';

export async function answerUiAlert(alert: Alert, ui: UserInterface, limits: UiLimits = DEFAULT_UI_LIMITS, log?: Log): Promise<UiStatus> {
  const parsed = parseUiAlert(alert, limits, log);
  if ('status' in parsed) {
    // Not shown at all: like an unanswered question, except for a plain display (same rule as uiStatus).
    return { code: parsed.status, items: [], skipRest: String(alert.data).trim() !== String(UI_ALERT.DISPLAY), reason: parsed.reason };
  }
  let r: UiStatus;
  try {
    r = uiStatus(alert.data || '', parsed.request, await ui.ask(parsed.request));
  } catch (e) {
    r = uiStatus(alert.data || '', parsed.request, { kind: 'cannotDisplay', reason: `UI failed: ${String(e)}` });
  }
  if (log) log.log(r.code === 200 ? 'info' : 'warn', `UI alert ${alert.data} answered ${r.code}`, r.reason ? { reason: r.reason } : undefined);
  return r;
}
