// The triggers a device offers the daemon: a button the core's logic debounces (src/triggers/button-driver.ts, with
// the Timer below), read from Linux evdev or sysfs GPIO by the platform, and the core's schedule. A porter supplies
// startButton; the event and configuration types it speaks are declared here with it.

import type { Log } from './runtime.js';

/** One-shot timers for the button logic; the returned function cancels a timer that has not fired. */
export interface Timer {
  /** Calls `fn` once after `ms`; returns a function that cancels it. */
  after(ms: number, fn: () => void): () => void;
}

/** Width in bytes of the time fields of a Linux `struct input_event` (8 on 64-bit, 4 on 32-bit ARM). */
export type WordSize = 4 | 8;

/** The `triggers.button` section as parsed (README.md, Configuration): which input, and how to debounce it. */
export interface ButtonConfig {
  device?: string;
  gpio?: string;
  keyCode?: number;
  wordSize: WordSize | 'auto';
  bigEndian: boolean;
  activeLow: boolean;
  pollMs: number;
  debounceMs: number;
  longPressMs?: number;
  minIntervalMs: number;
}

/** What fired; a button is the user asking, the schedule the device. */
export type TriggerKind = 'button' | 'schedule';
export type RequestOrigin = 'user' | 'device';

/** "Start a client-initiated session now", as the core's button logic or schedule hands it to the daemon. */
export interface TriggerEvent {
  kind: TriggerKind;
  request: RequestOrigin;
  /** Milliseconds since the Unix epoch when the trigger fired. */
  at: number;
}

/**
 * Starts reading the configured button (evdev device or GPIO value file) and calls `emit` for each press the core's
 * ButtonDriver recognises; `stop()` ends reading, `done` settles when it has. Read errors are logged, never thrown.
 */
export interface ButtonStarter {
  (cfg: ButtonConfig, emit: (event: TriggerEvent) => void, log: Log): { done: Promise<void>; stop(): void };
}
