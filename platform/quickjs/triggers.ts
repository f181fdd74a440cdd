// QuickJS wiring of the triggers (button + schedule → one queue) for `dm-agent daemon`; the logic is src/triggers.
import type { Log, Random, Storage } from '../../src/ports/runtime.js';
import { parseTriggersConfig } from '../../src/triggers/config.js';
import { startTriggers, type RunningTriggers } from '../../src/triggers/start.js';
import { QjsClock } from './clock.js';
import { startQjsButton } from './button.js';

export function startQjsTriggers(section: Record<string, unknown> | undefined, storage: Storage, random: Random, log: Log): Promise<RunningTriggers> {
  return startTriggers(parseTriggersConfig(section), { clock: new QjsClock(), random, storage, log, startButton: startQjsButton });
}
