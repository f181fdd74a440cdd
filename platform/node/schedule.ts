// Node wiring of the triggers (button + schedule → one queue) for `dm-agent daemon`; the logic is src/triggers.
import type { Log, Storage } from '../../src/ports/runtime.js';
import { parseTriggersConfig } from '../../src/triggers/config.js';
import { startTriggers, type RunningTriggers } from '../../src/triggers/start.js';
import { nodeClock, nodeRandom } from './basics.js';
import { startButton } from './button.js';

export function startNodeTriggers(section: Record<string, unknown> | undefined, storage: Storage, log: Log): Promise<RunningTriggers> {
  return startTriggers(parseTriggersConfig(section), { clock: nodeClock, random: nodeRandom, storage, log, startButton });
}
