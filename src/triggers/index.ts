// Triggers for client-initiated sessions: a user button (evdev / GPIO) and the device's schedule.
export { buttonTrigger, scheduleTrigger, type TriggerEvent, type TriggerKind, type RequestOrigin } from './event.js';
export { parseDuration, parseWindow, windowLengthMs, TriggerConfigError, type DailyWindow } from './duration.js';
export { randomUnit } from './random.js';
export { EV_KEY, EV_SYN, EvdevDecoder, EvdevFormatError, decodeInputEvent, encodeInputEvent, guessWordSize, inputEventSize, type InputEvent, type WordSize } from './evdev.js';
export { ButtonLogic, type ButtonAction, type ButtonOptions } from './button.js';
export { isDue, localUtcOffsetMinutes, maxLeadMs, nextRunAfter, planAfterRun, planAtBoot, readScheduleState, type BootDecision, type ScheduleSpec, type ScheduleState } from './schedule.js';
export { ScheduleRunner, SCHEDULE_STATE_FILE, type ScheduleRunnerDeps } from './runner.js';
export { TriggerQueue, type PushResult } from './queue.js';
export { parseTriggersConfig, parseButtonConfig, parseScheduleConfig, scheduleSpec, type ButtonConfig, type ScheduleConfig, type TriggersConfig } from './config.js';
export { ButtonDriver, type Timer } from './button-driver.js';
export { startTriggers, type ButtonStarter, type RunningTriggers, type TriggerDeps } from './start.js';
