// The triggers a device offers the daemon: a button the core's logic debounces (src/triggers/button-driver.ts, with
// the Timer below), read from Linux evdev or sysfs GPIO by the platform, and the core's schedule. A porter supplies
// startButton; the event and configuration types it speaks are declared here with it.

import type { Log } from './runtime.js';

export interface Timer {
  /** Calls `fn` once after `ms`; returns a function that cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export type WordSize = 4 | 8;

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

export type TriggerKind = 'button' | 'schedule';
export type RequestOrigin = 'user' | 'device';

export interface TriggerEvent {
  kind: TriggerKind;
  request: RequestOrigin;
  /** Milliseconds since the Unix epoch when the trigger fired. */
  at: number;
}

export interface ButtonStarter {
  (cfg: ButtonConfig, emit: (event: TriggerEvent) => void, log: Log): { done: Promise<void>; stop(): void };
}
