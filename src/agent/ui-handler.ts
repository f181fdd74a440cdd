// Server UI alerts (1100-1104, docs/protocol.md §1.8) answered through the device's UserInterface port, with the limits of the
// `ui` config section (MAXDT cap, text length, number of choices).
import type { Log, UserInterface } from '../ports/runtime.js';
import type { UiAlertHandler } from '../dm/executor.js';
import { answerUiAlert, DEFAULT_UI_LIMITS, type UiLimits } from '../ui/index.js';

export function createUiAlertHandler(ui: UserInterface, log: Log, limits: UiLimits = DEFAULT_UI_LIMITS): UiAlertHandler {
  return {
    async handle(alert) {
      const r = await answerUiAlert(alert, ui, limits, log);
      log.log('info', `UI alert ${alert.data} answered ${r.code}${r.reason ? ' (' + r.reason + ')' : ''}`);
      return { code: r.code, items: r.items, skipRest: r.skipRest };
    },
  };
}
