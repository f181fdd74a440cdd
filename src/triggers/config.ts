// The `triggers` section of the agent configuration, checked with errors that name the key.
//
// README block:
//   "triggers": {
//     "button": {                      // a user button: press → client-initiated session, *user* request
//       "device": "/dev/input/event0", // evdev device (gpio-keys, USB keyboard...), or instead:
//       "gpio": 17,                    // sysfs GPIO number (/sys/class/gpio/gpio17/value) or a path to a value file
//       "keyCode": 256,                // evdev key code (BTN_0 = 256, KEY_RESTART = 408, KEY_WPS_BUTTON = 529); absent = any key
//       "wordSize": "auto",            // evdev event size: 8 (24-byte events, 64-bit) / 4 (16-byte, 32-bit ARM) / "auto"
//       "bigEndian": false,            // evdev byte order (true on big-endian MIPS)
//       "activeLow": true,             // GPIO: value 0 means pressed
//       "pollMs": 50,                  // GPIO polling period
//       "debounceMs": 50,              // edges closer than this are contact bounce
//       "longPressMs": 3000,           // optional: only a press held this long triggers
//       "minIntervalMs": 60000         // presses closer than this to an accepted one are ignored
//     },
//     "schedule": {                    // the device's own check: → client-initiated session, *device* request
//       "every": "24h",                // interval (units ms s m h d); with a window: whole days, default 1d
//       "window": "02:00-04:00",       // optional daily window (local time, may pass midnight): a random moment in it
//       "jitter": "1h",                // interval mode: random extra delay in [0, jitter)
//       "missed": "soon",              // a run missed while off: "soon" (random delay in [0, spread)) or "skip"
//       "spread": "10m",
//       "timezone": "local"            // "local" or "utc", for the window
//     }
//   }
import type { ButtonConfig } from '../ports/triggers.js';
export type { ButtonConfig } from '../ports/triggers.js';
import { TriggerConfigError, parseDuration, parseWindow, type DailyWindow } from './duration.js';
import type { WordSize } from './evdev.js';
import { localUtcOffsetMinutes, type ScheduleSpec } from './schedule.js';


export interface ScheduleConfig {
  every: number;
  window?: DailyWindow;
  jitter: number;
  missed: 'soon' | 'skip';
  spread: number;
  timezone: 'local' | 'utc';
}

export interface TriggersConfig {
  button?: ButtonConfig;
  schedule?: ScheduleConfig;
}

type Obj = Record<string, unknown>;

function obj(v: unknown, key: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TriggerConfigError(key, `must be an object, got ${JSON.stringify(v)}`);
  return v as Obj;
}

function onlyKeys(o: Obj, keys: string[], path: string): void {
  for (const k of Object.keys(o)) if (keys.indexOf(k) < 0 && k !== '$comment') throw new TriggerConfigError(`${path}.${k}`, `is not a known key (${keys.join(', ')})`);
}

function int(o: Obj, k: string, path: string, dflt: number | undefined, min: number, max: number): number | undefined {
  const v = o[k];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || Math.floor(v) !== v || v < min || v > max)
    throw new TriggerConfigError(`${path}.${k}`, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return v;
}

function flag(o: Obj, k: string, path: string, dflt: boolean): boolean {
  const v = o[k];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new TriggerConfigError(`${path}.${k}`, `must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

export function parseButtonConfig(v: unknown, path = 'triggers.button'): ButtonConfig {
  const o = obj(v, path);
  onlyKeys(o, ['device', 'gpio', 'keyCode', 'wordSize', 'bigEndian', 'activeLow', 'pollMs', 'debounceMs', 'longPressMs', 'minIntervalMs'], path);
  const hasDevice = o.device !== undefined;
  const hasGpio = o.gpio !== undefined;
  if (hasDevice === hasGpio) throw new TriggerConfigError(path, 'needs exactly one of "device" (evdev) or "gpio"');
  const c: ButtonConfig = {
    wordSize: 'auto',
    bigEndian: flag(o, 'bigEndian', path, false),
    activeLow: flag(o, 'activeLow', path, true),
    pollMs: int(o, 'pollMs', path, 50, 5, 10000) as number,
    debounceMs: int(o, 'debounceMs', path, 50, 0, 10000) as number,
    minIntervalMs: int(o, 'minIntervalMs', path, 60000, 0, 86400000) as number,
  };
  if (hasDevice) {
    if (typeof o.device !== 'string' || o.device === '') throw new TriggerConfigError(`${path}.device`, `must be a device path, got ${JSON.stringify(o.device)}`);
    c.device = o.device;
  } else {
    if (typeof o.gpio === 'number' && Math.floor(o.gpio) === o.gpio && o.gpio >= 0) c.gpio = `/sys/class/gpio/gpio${o.gpio}/value`;
    else if (typeof o.gpio === 'string' && o.gpio !== '') c.gpio = o.gpio;
    else throw new TriggerConfigError(`${path}.gpio`, `must be a GPIO number or a path to a value file, got ${JSON.stringify(o.gpio)}`);
  }
  const key = int(o, 'keyCode', path, undefined, 0, 0x2ff);
  if (key !== undefined) c.keyCode = key;
  const long = int(o, 'longPressMs', path, undefined, 1, 600000);
  if (long !== undefined) c.longPressMs = long;
  if (o.wordSize !== undefined) {
    if (o.wordSize !== 4 && o.wordSize !== 8 && o.wordSize !== 'auto')
      throw new TriggerConfigError(`${path}.wordSize`, `must be 4, 8 or "auto", got ${JSON.stringify(o.wordSize)}`);
    c.wordSize = o.wordSize;
  }
  return c;
}

export function parseScheduleConfig(v: unknown, path = 'triggers.schedule'): ScheduleConfig {
  const o = obj(v, path);
  onlyKeys(o, ['every', 'window', 'jitter', 'missed', 'spread', 'timezone'], path);
  const c: ScheduleConfig = {
    every: parseDuration(o.every === undefined ? '24h' : o.every, `${path}.every`),
    jitter: parseDuration(o.jitter === undefined ? (o.window === undefined ? '1h' : 0) : o.jitter, `${path}.jitter`),
    missed: 'soon',
    spread: parseDuration(o.spread === undefined ? '10m' : o.spread, `${path}.spread`),
    timezone: 'local',
  };
  if (c.every < 60000) throw new TriggerConfigError(`${path}.every`, `must be at least one minute, got ${c.every} ms`);
  if (o.window !== undefined) c.window = parseWindow(o.window, `${path}.window`);
  if (o.missed !== undefined) {
    if (o.missed !== 'soon' && o.missed !== 'skip') throw new TriggerConfigError(`${path}.missed`, `must be "soon" or "skip", got ${JSON.stringify(o.missed)}`);
    c.missed = o.missed;
  }
  if (o.timezone !== undefined) {
    if (o.timezone !== 'local' && o.timezone !== 'utc') throw new TriggerConfigError(`${path}.timezone`, `must be "local" or "utc", got ${JSON.stringify(o.timezone)}`);
    c.timezone = o.timezone;
  }
  return c;
}

export function parseTriggersConfig(section: Obj | undefined): TriggersConfig {
  const o = section || {};
  onlyKeys(o, ['button', 'schedule'], 'triggers');
  const c: TriggersConfig = {};
  if (o.button !== undefined) c.button = parseButtonConfig(o.button);
  if (o.schedule !== undefined) c.schedule = parseScheduleConfig(o.schedule);
  return c;
}

/** The pure schedule spec for a config; with timezone "local" the offset is the runtime's zone (or the one given). */
export function scheduleSpec(c: ScheduleConfig, utcOffsetMinutes: ScheduleSpec['utcOffsetMinutes'] = localUtcOffsetMinutes): ScheduleSpec {
  const spec: ScheduleSpec = {
    everyMs: c.every,
    jitterMs: c.jitter,
    missed: c.missed,
    spreadMs: c.spread,
    utcOffsetMinutes: c.timezone === 'utc' ? 0 : utcOffsetMinutes,
  };
  if (c.window) spec.window = c.window;
  return spec;
}
