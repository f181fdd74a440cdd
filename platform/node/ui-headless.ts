// The UI of an unattended gateway (Node): the runtime-free HeadlessUi from src/ui, plus the factory that picks the
// UI from `ui.mode` and puts it behind the bounded queue (ui.queueBound; beyond it alerts get 416).
import type { Log, UserInterface } from '../../src/ports/runtime.js';
import { BoundedUiQueue } from '../../src/ui/queue.js';
import { HeadlessUi } from '../../src/ui/headless.js';
import { NoUi } from '../../src/ui/none.js';
import type { UiConfig } from '../../src/ui/config.js';
import { TtyUi, openTty, realTimer, ttyAvailable, type TtyIo, type UiTimer } from './ui-tty.js';

export { HeadlessUi } from '../../src/ui/headless.js';

export function createNodeUi(
  config: UiConfig,
  log: Log,
  deps: { openTty?: () => TtyIo | null; ttyAvailable?: () => boolean; timer?: UiTimer } = {},
): UserInterface {
  let inner: UserInterface;
  if (config.mode === 'none') inner = new NoUi();
  else if (config.mode === 'headless') inner = new HeadlessUi(config.defaults, log);
  else {
    // The terminal is only probed here; TtyUi opens it for each question.
    const io = (deps.ttyAvailable || ttyAvailable)();
    if (io) inner = new TtyUi(deps.openTty || openTty, deps.timer || realTimer, log);
    else if (config.mode === 'tty') {
      log.log('warn', 'ui.mode is "tty" but there is no terminal; UI alerts are answered 416', {});
      inner = { ask: () => Promise.resolve({ kind: 'cannotDisplay', reason: 'no terminal' }) };
    } else inner = new HeadlessUi(config.defaults, log);
    if (config.mode === 'auto') log.log('debug', `UI: ${io ? 'terminal' : 'headless (no terminal)'}`, {});
  }
  return new BoundedUiQueue(inner, config.queueBound, log);
}
