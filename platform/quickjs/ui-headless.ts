// UI selection on QuickJS, as platform/node/ui-headless.ts on Node: `ui.mode` picks the terminal, headless defaults
// or "none", always behind the bounded queue (ui.queueBound; beyond it alerts get 416).
import type { Log, UserInterface } from '../../src/ports/runtime.js';
import { BoundedUiQueue } from '../../src/ui/queue.js';
import { HeadlessUi } from '../../src/ui/headless.js';
import { NoUi } from '../../src/ui/none.js';
import type { UiConfig } from '../../src/ui/config.js';
import { QjsTtyUi, openQjsTty, type QjsTtyFds } from './ui-tty.js';

export { HeadlessUi } from '../../src/ui/headless.js';

export function createQjsUi(config: UiConfig, log: Log, deps: { openTty?: () => QjsTtyFds | null } = {}): UserInterface {
  let inner: UserInterface;
  if (config.mode === 'none') inner = new NoUi();
  else if (config.mode === 'headless') inner = new HeadlessUi(config.defaults, log);
  else {
    const fds = (deps.openTty || openQjsTty)();
    if (fds) inner = new QjsTtyUi(fds, undefined, log);
    else if (config.mode === 'tty') {
      log.log('warn', 'ui.mode is "tty" but there is no terminal; UI alerts are answered 416', {});
      inner = { ask: () => Promise.resolve({ kind: 'cannotDisplay', reason: 'no terminal' }) };
    } else inner = new HeadlessUi(config.defaults, log);
  }
  return new BoundedUiQueue(inner, config.queueBound, log);
}
