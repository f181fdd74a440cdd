// Drives a schedule with the ports only (Clock, Storage, Random, Log), so Node and QuickJS share it. It sleeps in
// slices of at most `maxSleepMs` and re-reads the wall clock after each, so a clock set forwards (NTP after boot)
// fires at most one run and a clock set backwards is noticed as a next run "too far ahead".
import { utf8Decode, utf8Encode } from '../bytes.js';
import type { Clock, Log, Random, Storage } from '../ports/runtime.js';
import { scheduleTrigger, type TriggerEvent } from './event.js';
import { randomUnit } from './random.js';
import { isDue, maxLeadMs, nextRunAfter, planAfterRun, planAtBoot, readScheduleState, type ScheduleSpec, type ScheduleState } from './schedule.js';

export interface ScheduleRunnerDeps {
  clock: Clock;
  storage: Storage;
  random: Random;
  log: Log;
}

export const SCHEDULE_STATE_FILE = 'schedule.json';

export class ScheduleRunner {
  private state: ScheduleState | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  /** Cuts the current sleep slice (set while the loop sleeps). */
  private cutSleep: (() => void) | undefined;

  constructor(
    private readonly spec: ScheduleSpec,
    private readonly deps: ScheduleRunnerDeps,
    private readonly onTrigger: (event: TriggerEvent) => void,
    private readonly maxSleepMs = 60000,
    private readonly stateFile = SCHEDULE_STATE_FILE,
  ) {}

  /** The next run as currently planned (after `start`). */
  get nextRunAt(): number | undefined {
    return this.state ? this.state.nextRunAt : undefined;
  }

  /** Reads the stored plan, decides what a boot means, stores the result, then runs the loop in the background. */
  async start(): Promise<void> {
    const { clock, log } = this.deps;
    let stored: ScheduleState | null = null;
    try {
      const bytes = await this.deps.storage.read(this.stateFile);
      stored = readScheduleState(bytes === null ? null : utf8Decode(bytes));
    } catch (e) {
      log.log('warn', 'schedule state unreadable; planning as a first boot', { error: String(e) });
    }
    const now = clock.now();
    const plan = planAtBoot(this.spec, stored, now, randomUnit(this.deps.random));
    this.state = plan.state;
    log.log('info', 'schedule planned at start', { decision: plan.decision, nextRunAt: new Date(plan.state.nextRunAt).toISOString() });
    await this.save();
    this.loop = this.run();
  }

  /** Stops the loop at once: the current sleep slice is cut and its timer cleared (Clock.sleep's `cut`). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.cutSleep) this.cutSleep();
    if (this.loop) await this.loop;
  }

  private async save(): Promise<void> {
    try {
      await this.deps.storage.writeAtomic(this.stateFile, utf8Encode(JSON.stringify(this.state)));
    } catch (e) {
      this.deps.log.log('error', 'schedule state not saved; a reboot may repeat or delay one run', { error: String(e) });
    }
  }

  private async run(): Promise<void> {
    const { clock, log } = this.deps;
    while (!this.stopped) {
      const now = clock.now();
      const state = this.state as ScheduleState;
      if (state.nextRunAt > now + maxLeadMs(this.spec)) {
        this.state = { ...state, nextRunAt: nextRunAfter(this.spec, now, randomUnit(this.deps.random)) };
        log.log('warn', 'clock went backwards; schedule recomputed', { nextRunAt: new Date(this.state.nextRunAt).toISOString() });
        await this.save();
        continue;
      }
      if (isDue(state, now)) {
        // Store the following run first: a crash during this run must not make the next boot run again at once.
        this.state = planAfterRun(this.spec, now, randomUnit(this.deps.random));
        await this.save();
        log.log('info', 'scheduled update check', { nextRunAt: new Date(this.state.nextRunAt).toISOString() });
        try {
          this.onTrigger(scheduleTrigger(now));
        } catch (e) {
          log.log('error', 'schedule trigger handler failed', { error: String(e) });
        }
        continue;
      }
      // One cut per slice, not one promise for the daemon's life: a long-lived promise would collect a reaction per
      // slice (1440 a day) until the stop. The race also wakes the loop on a clock that ignores `cut` (a test's).
      const cut = new Promise<void>((r) => (this.cutSleep = r));
      await Promise.race([clock.sleep(Math.max(1, Math.min(state.nextRunAt - now, this.maxSleepMs)), cut), cut]);
      this.cutSleep = undefined;
    }
  }
}
