// The device's own update check: every `every` (e.g. 24h) plus a random jitter, or once a day at a random moment
// inside a time window (e.g. 02:00-04:00 local time). Pure computation; the runner (runner.ts) owns the timer.
//
// Why the persisted next run: a gateway that reboots (power cut, watchdog, update) must neither check at every
// boot — a fleet coming back from a power cut would hit the server at the same second — nor push the check back
// at every boot so that a device rebooting daily never checks at all. So the next run is stored; at boot a stored
// time in the future is kept, a missed one is run soon (random spread) or skipped per policy, and a stored time
// absurdly far ahead (clock was wrong when it was computed) is recomputed. The new next run is stored *before* a run
// starts, so a crash during the run does not cause a second run at the next boot. (docs/flows.md E: every retry capped,
// backed off with jitter.)
import type { DailyWindow } from './duration.js';
import { windowLengthMs } from './duration.js';

const DAY = 86400000;

export interface ScheduleSpec {
  /** Interval between runs, ms (with a window: rounded up to whole days, default one day). */
  everyMs: number;
  /** Daily window in local time; runs fall at a uniformly random point inside it. */
  window?: DailyWindow;
  /** Interval mode only: a uniform random delay in [0, jitterMs) added to each run. */
  jitterMs: number;
  /** What to do with a run missed while the device was off: run it soon, or wait for the next regular one. */
  missed: 'soon' | 'skip';
  /** "Soon" means a uniform random delay in [0, spreadMs) after boot (interval mode). */
  spreadMs: number;
  /**
   * Local time = UTC + this many minutes (0 = UTC), or a function giving the offset in force at an instant, so a
   * window stays at 02:00 local across daylight-saving changes (`localUtcOffsetMinutes`).
   */
  utcOffsetMinutes: number | ((atMs: number) => number);
}

/** The offset of the runtime's local time zone at an instant (ES Date, same on Node and QuickJS). */
export function localUtcOffsetMinutes(atMs: number): number {
  return -new Date(atMs).getTimezoneOffset();
}

function offsetMs(spec: ScheduleSpec, t: number): number {
  const o = spec.utcOffsetMinutes;
  return (typeof o === 'function' ? o(t) : o) * 60000;
}

/** What is kept in storage between boots. */
export interface ScheduleState {
  nextRunAt: number;
  lastRunAt?: number;
}

export type BootDecision = 'first' | 'kept' | 'missed-soon' | 'missed-skip' | 'too-far-ahead';

function everyDays(spec: ScheduleSpec): number {
  return Math.max(1, Math.ceil(spec.everyMs / DAY));
}

/** Start of the window occurrence on the local day that contains `t`. */
function windowStartOnDayOf(t: number, spec: ScheduleSpec, w: DailyWindow): number {
  const off = offsetMs(spec, t);
  const localMidnight = Math.floor((t + off) / DAY) * DAY - off;
  return localMidnight + w.startMin * 60000;
}

/** The first window occurrence [start, end) that ends after `t` (it may contain `t`). */
function windowAround(t: number, spec: ScheduleSpec, w: DailyWindow): { start: number; end: number } {
  const len = windowLengthMs(w);
  let start = windowStartOnDayOf(t, spec, w) - DAY; // yesterday's may run past midnight into today
  while (start + len <= t) start += DAY;
  return { start, end: start + len };
}

/** Largest lead a freshly computed next run can have; anything beyond it was computed with a wrong clock. */
export function maxLeadMs(spec: ScheduleSpec): number {
  if (spec.window) return everyDays(spec) * DAY + DAY;
  return spec.everyMs + spec.jitterMs + spec.spreadMs;
}

/** The regular next run after a run (or a skipped run) at `from`. `unit` is a uniform random number in [0, 1). */
export function nextRunAfter(spec: ScheduleSpec, from: number, unit: number): number {
  const w = spec.window;
  if (!w) return from + spec.everyMs + Math.floor(unit * spec.jitterMs);
  // Window mode: the first occurrence that starts after `from` (so a run inside a window moves on to the next one:
  // one run per window however runs are placed inside it) and no earlier than (every - 1 day) after it, so that
  // `every: 7d` skips six windows.
  const earliest = from + (everyDays(spec) - 1) * DAY;
  let occ = windowAround(earliest, spec, w);
  while (occ.start < earliest || occ.start <= from) occ = { start: occ.start + DAY, end: occ.end + DAY };
  return occ.start + Math.floor(unit * (occ.end - occ.start));
}

/** A run missed while off, or the very first run: soon in interval mode, in the current or next window otherwise. */
function soonAfterBoot(spec: ScheduleSpec, now: number, unit: number): number {
  const w = spec.window;
  if (!w) return now + Math.floor(unit * spec.spreadMs);
  const occ = windowAround(now, spec, w);
  const from = Math.max(occ.start, now);
  return from + Math.floor(unit * (occ.end - from));
}

/** What to do at start-up with the stored state (null when there is none or it could not be read). */
export function planAtBoot(spec: ScheduleSpec, stored: ScheduleState | null, now: number, unit: number): { state: ScheduleState; decision: BootDecision } {
  const keepLast = (s: ScheduleState): ScheduleState => (stored && stored.lastRunAt !== undefined && stored.lastRunAt <= now ? { ...s, lastRunAt: stored.lastRunAt } : s);
  if (!stored || typeof stored.nextRunAt !== 'number' || !isFinite(stored.nextRunAt))
    return { state: { nextRunAt: soonAfterBoot(spec, now, unit) }, decision: 'first' };
  if (stored.nextRunAt > now + maxLeadMs(spec)) return { state: keepLast({ nextRunAt: nextRunAfter(spec, now, unit) }), decision: 'too-far-ahead' };
  if (stored.nextRunAt >= now) return { state: keepLast({ nextRunAt: stored.nextRunAt }), decision: 'kept' };
  if (spec.missed === 'skip') return { state: keepLast({ nextRunAt: nextRunAfter(spec, now, unit) }), decision: 'missed-skip' };
  return { state: keepLast({ nextRunAt: soonAfterBoot(spec, now, unit) }), decision: 'missed-soon' };
}

/** The state to store just before a run that starts at `now`. */
export function planAfterRun(spec: ScheduleSpec, now: number, unit: number): ScheduleState {
  return { nextRunAt: nextRunAfter(spec, now, unit), lastRunAt: now };
}

export function isDue(state: ScheduleState, now: number): boolean {
  return now >= state.nextRunAt;
}

/** Reads a stored state leniently: anything malformed is null (treated as a first boot, never as "run now" burst). */
export function readScheduleState(text: string | null): ScheduleState | null {
  if (text === null) return null;
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (!o || typeof o.nextRunAt !== 'number' || !isFinite(o.nextRunAt)) return null;
    const s: ScheduleState = { nextRunAt: o.nextRunAt };
    if (typeof o.lastRunAt === 'number' && isFinite(o.lastRunAt)) s.lastRunAt = o.lastRunAt;
    return s;
  } catch (_e) {
    return null;
  }
}
