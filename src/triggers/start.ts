// Starts the configured triggers and funnels them into one TriggerQueue, for the daemon's loop (src/cli/daemon-serve.ts):
//   const t = await startTriggers(parseTriggersConfig(config.triggers), deps);
//   t.queue.onPush = () => bell.ring();   // the loop sleeps on its doorbell, then takes what waits:
//   const ev = t.queue.take();            // client-initiated session, ev.request 'user' | 'device'
// Runtime-free: the platform passes its ports and its button reader (platform/node/button.ts, platform/quickjs/button.ts).
import type { ButtonStarter } from '../ports/triggers.js';
export type { ButtonStarter } from '../ports/triggers.js';
import type { Clock, Log, Random, Storage } from '../ports/runtime.js';
import type { ButtonConfig, TriggersConfig } from './config.js';
import { scheduleSpec } from './config.js';
import type { TriggerEvent } from './event.js';
import { TriggerQueue } from './queue.js';
import { ScheduleRunner } from './runner.js';


export interface TriggerDeps {
  clock: Clock;
  storage: Storage;
  random: Random;
  log: Log;
  startButton?: ButtonStarter;
}

export interface RunningTriggers {
  queue: TriggerQueue;
  /** The schedule's runner, when one is configured (its `nextRunAt` is useful for `status`). */
  schedule?: ScheduleRunner;
  stop(): Promise<void>;
}

export async function startTriggers(config: TriggersConfig, deps: TriggerDeps): Promise<RunningTriggers> {
  const queue = new TriggerQueue(config.button ? config.button.minIntervalMs : 0);
  const push = (event: TriggerEvent) => {
    const r = queue.push(event);
    deps.log.log(r === 'too-soon' ? 'info' : 'debug', `trigger ${event.kind}: ${r}`, { request: event.request });
  };
  let button: { done: Promise<void>; stop(): void } | undefined;
  if (config.button) {
    if (!deps.startButton) deps.log.log('warn', 'triggers.button is configured but this platform has no button reader', {});
    else button = deps.startButton(config.button, push, deps.log);
  }
  let schedule: ScheduleRunner | undefined;
  if (config.schedule) {
    schedule = new ScheduleRunner(scheduleSpec(config.schedule), deps, push);
    await schedule.start();
  }
  const running: RunningTriggers = {
    queue,
    async stop() {
      if (button) button.stop();
      if (schedule) await schedule.stop();
    },
  };
  if (schedule) running.schedule = schedule;
  return running;
}
