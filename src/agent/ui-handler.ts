// Server UI alerts (1100-1104, digest §1.8) answered through the device's UserInterface port.
import type { Alert } from '../syncml/model.js';
import type { Log, UserInterface } from '../ports.js';
import type { UiAlertHandler } from '../dm/executor.js';
import { parseUiAlert, uiStatus, DEFAULT_UI_LIMITS, type UiLimits } from '../ui/index.js';

export function createUiAlertHandler(ui: UserInterface, log: Log, limits: UiLimits = DEFAULT_UI_LIMITS): UiAlertHandler {
  return {
    async handle(alert: Alert) {
      const parsed = parseUiAlert(alert, limits, log);
      if ('status' in parsed) {
        log.log('warn', `UI alert ${alert.data} refused: ${parsed.reason}`);
        return { code: parsed.status, items: [], skipRest: parsed.status !== 200 && alert.data !== '1100' };
      }
      const answer = await ui.ask(parsed.request);
      const r = uiStatus(alert.data || '', parsed.request, answer);
      log.log('info', `UI alert ${alert.data} answered ${r.code}${r.reason ? ' (' + r.reason + ')' : ''}`);
      return { code: r.code, items: r.items, skipRest: r.skipRest };
    },
  };
}
