// Picks the UserInterface for the `ui` config section on Node: a TTY prompt when a person is there, else headless.
import type { Log, UserInterface } from '../../src/ports.js';
import { HeadlessUi, NoUi, parseUiConfig } from '../../src/ui/index.js';

export function createNodeUi(section: Record<string, unknown>, log: Log): UserInterface {
  const c = parseUiConfig(section);
  if (c.mode === 'none') return new NoUi();
  return new HeadlessUi(c.defaults, log);
}
