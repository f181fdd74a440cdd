// Triggers, runtime-free part: evdev decoding, button debounce / long press, schedule with jitter and boot plan,
// the schedule runner over fake ports, the trigger queue, and the config section.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Clock, Log, Random, Storage } from '../src/ports/runtime.js';
import {
  ButtonLogic,
  EV_KEY,
  EV_SYN,
  EvdevDecoder,
  ScheduleRunner,
  TriggerConfigError,
  TriggerQueue,
  buttonTrigger,
  decodeInputEvent,
  encodeInputEvent,
  guessWordSize,
  localUtcOffsetMinutes,
  nextRunAfter,
  parseDuration,
  parseTriggersConfig,
  parseWindow,
  planAfterRun,
  planAtBoot,
  randomUnit,
  readScheduleState,
  scheduleSpec,
  scheduleTrigger,
  startTriggers,
  type ScheduleSpec,
  type ScheduleState,
  type TriggerEvent,
  type WordSize,
} from '../src/triggers/index.js';

const H = 3600000;
const M = 60000;
const DAY = 24 * H;

function packet(sec: number, usec: number, code: number, value: number, ws: WordSize, le = true): Uint8Array {
  const a = encodeInputEvent({ sec, usec, type: EV_KEY, code, value }, ws, le);
  const b = encodeInputEvent({ sec, usec, type: EV_SYN, code: 0, value: 0 }, ws, le);
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

describe('evdev input_event', () => {
  it('is 24 bytes with 8-byte words and 16 with 4-byte words, laid out as in linux/input.h', () => {
    const e24 = encodeInputEvent({ sec: 1700000000, usec: 250000, type: 1, code: 256, value: 1 }, 8);
    expect(e24.length).toBe(24);
    // tv_sec (8, LE), tv_usec (8, LE), type (2), code (2), value (4)
    expect(Array.from(e24.slice(16))).toEqual([1, 0, 0, 1, 1, 0, 0, 0]);
    expect(Array.from(e24.slice(0, 8))).toEqual([0x00, 0xf1, 0x53, 0x65, 0, 0, 0, 0]);
    const e16 = encodeInputEvent({ sec: 1700000000, usec: 250000, type: 1, code: 256, value: 1 }, 4);
    expect(e16.length).toBe(16);
    expect(Array.from(e16.slice(8))).toEqual([1, 0, 0, 1, 1, 0, 0, 0]);
    expect(decodeInputEvent(e24, 0, 8)).toEqual({ timeMs: 1700000000250, type: 1, code: 256, value: 1 });
    expect(decodeInputEvent(e16, 0, 4)).toEqual({ timeMs: 1700000000250, type: 1, code: 256, value: 1 });
  });
  it('decodes big-endian events', () => {
    const e = encodeInputEvent({ sec: 5, usec: 1000, type: 1, code: 0x198, value: 2 }, 4, false);
    expect(Array.from(e.slice(8, 12))).toEqual([0, 1, 1, 0x98]);
    expect(decodeInputEvent(e, 0, 4, false)).toEqual({ timeMs: 5001, type: 1, code: 0x198, value: 2 });
  });
  it('names the problem when an event runs past the bytes', () => {
    expect(() => decodeInputEvent(new Uint8Array(20), 0, 8)).toThrow(/24 bytes at offset 0 runs past the 20/);
  });
  it('guesses the word size from whole packets, using the hint only on a tie', () => {
    expect(guessWordSize(packet(1700000000, 123456, 256, 1, 8))).toBe(8);
    expect(guessWordSize(packet(1700000000, 123456, 256, 1, 4))).toBe(4);
    expect(guessWordSize(new Uint8Array(10))).toBeUndefined();
  });
  it('reassembles events split across reads, for both sizes and any split (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom<WordSize | 'auto'>(8, 4, 'auto'), fc.constantFrom<WordSize>(8, 4), fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 20 }), (mode, ws, cuts) => {
        if (mode !== 'auto' && mode !== ws) return true;
        const bytes = new Uint8Array([...packet(1700000000, 111111, 256, 1, ws), ...packet(1700000001, 222222, 256, 0, ws)]);
        const d = new EvdevDecoder(mode, ws === 8 ? 4 : 8);
        const events = [];
        let at = 0;
        for (const c of cuts) {
          events.push(...d.push(bytes.subarray(at, Math.min(bytes.length, at + c))));
          at = Math.min(bytes.length, at + c);
        }
        events.push(...d.push(bytes.subarray(at)));
        expect(events.map((e) => [e.type, e.code, e.value])).toEqual([
          [1, 256, 1],
          [0, 0, 0],
          [1, 256, 0],
          [0, 0, 0],
        ]);
        expect(d.wordSize).toBe(ws);
        return true;
      }),
    );
  });
});

describe('button logic', () => {
  it('triggers once on a clean press, at the press', () => {
    const b = new ButtonLogic({ debounceMs: 50 });
    expect(b.feed(true, 1000)).toEqual([{ kind: 'trigger', at: 1000 }]);
    expect(b.feed(true, 1100)).toEqual([]); // autorepeat
    expect(b.feed(false, 1200)).toEqual([]);
    expect(b.feed(true, 2000)).toEqual([{ kind: 'trigger', at: 2000 }]);
  });
  it('ignores contact bounce inside the debounce time', () => {
    const b = new ButtonLogic({ debounceMs: 50 });
    const out = [
      ...b.feed(true, 0),
      ...b.feed(false, 3),
      ...b.feed(true, 7),
      ...b.feed(false, 12),
      ...b.feed(true, 20),
      ...b.tick(100),
      ...b.feed(false, 300),
      ...b.feed(true, 305),
      ...b.feed(false, 310),
      ...b.tick(400),
    ];
    expect(out.filter((a) => a.kind === 'trigger')).toEqual([{ kind: 'trigger', at: 0 }]);
    expect(b.pressed).toBe(false);
  });
  it('settles to the state the contact ended in after the lockout', () => {
    const b = new ButtonLogic({ debounceMs: 50 });
    b.feed(true, 0);
    b.feed(false, 10); // released inside the lockout
    expect(b.pressed).toBe(true);
    expect(b.nextDeadline()).toBe(50);
    b.tick(50);
    expect(b.pressed).toBe(false);
    expect(b.feed(true, 500)).toEqual([{ kind: 'trigger', at: 500 }]);
  });
  it('with longPressMs only a long hold triggers; a short press is reported as short', () => {
    const b = new ButtonLogic({ debounceMs: 20, longPressMs: 3000 });
    expect(b.feed(true, 0)).toEqual([]);
    expect(b.feed(false, 800)).toEqual([{ kind: 'short', at: 800, heldMs: 800 }]);
    expect(b.feed(true, 5000)).toEqual([]);
    expect(b.nextDeadline()).toBe(8000);
    expect(b.tick(7999)).toEqual([]);
    expect(b.tick(8000)).toEqual([{ kind: 'trigger', at: 8000 }]);
    expect(b.tick(9000)).toEqual([]);
    expect(b.feed(false, 12000)).toEqual([]);
  });
  it('notices a long hold on release even without a tick', () => {
    const b = new ButtonLogic({ debounceMs: 20, longPressMs: 3000 });
    b.feed(true, 0);
    expect(b.feed(false, 4000)).toEqual([{ kind: 'trigger', at: 3000 }]);
  });
  it('never triggers twice per press, whatever the event sequence (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 200 })), { maxLength: 60 }), fc.option(fc.integer({ min: 1, max: 500 })), (steps, long) => {
        const b = new ButtonLogic({ debounceMs: 30, longPressMs: long === null ? undefined : long });
        let t = 0;
        let presses = 0;
        let triggers = 0;
        let wasPressed = false;
        for (const [p, dt] of steps) {
          t += dt;
          const acts = b.feed(p, t);
          triggers += acts.filter((a) => a.kind === 'trigger').length;
          if (b.pressed && !wasPressed) presses++;
          wasPressed = b.pressed;
        }
        expect(triggers).toBeLessThanOrEqual(presses);
        return true;
      }),
    );
  });
  it('refuses bad options', () => {
    expect(() => new ButtonLogic({ debounceMs: -1 })).toThrow(/debounceMs/);
    expect(() => new ButtonLogic({ debounceMs: 1, longPressMs: 0 })).toThrow(/longPressMs/);
  });
});

const base: ScheduleSpec = { everyMs: 24 * H, jitterMs: H, missed: 'soon', spreadMs: 10 * M, utcOffsetMinutes: 0 };
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

describe('schedule: next run', () => {
  it('interval mode: every + jitter, within bounds (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: M, max: 30 * DAY }), fc.integer({ min: 0, max: 7 * DAY }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 0, max: 2 ** 40 }), (every, jitter, u, from) => {
        const next = nextRunAfter({ ...base, everyMs: every, jitterMs: jitter }, from, u);
        return next >= from + every && next < from + every + Math.max(jitter, 1);
      }),
    );
  });
  it('window mode: a random moment inside the next window, one per day (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1439 }),
        fc.integer({ min: 1, max: 1439 }),
        fc.integer({ min: -720, max: 840 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 0, max: 60 * DAY }),
        (start, len, off, u, delta) => {
          const w = { startMin: start, endMin: (start + len) % 1440 };
          const spec = { ...base, window: w, utcOffsetMinutes: off };
          const from = T0 + delta;
          const next = nextRunAfter(spec, from, u);
          // Local minute of day of `next` lies inside the window.
          const localMin = Math.floor((((next + off * M) % DAY) + DAY) % DAY / M);
          const inside = (localMin - start + 1440) % 1440 < len;
          return inside && next > from && next <= from + 2 * DAY;
        },
      ),
    );
  });
  it('window mode with a zone offset and a window past midnight', () => {
    const spec: ScheduleSpec = { ...base, window: parseWindow('23:30-00:30', 'w'), utcOffsetMinutes: 60 };
    // First boot at 12:00 UTC = 13:00 local: tonight's window, 23:30 local = 22:30 UTC.
    expect(planAtBoot(spec, null, T0, 0).state.nextRunAt).toBe(Date.UTC(2026, 10, 22, 22, 30));
    expect(planAtBoot(spec, null, T0, 0.5).state.nextRunAt).toBe(Date.UTC(2026, 10, 22, 23, 0));
    // After a run at 13:00 local (outside the window): tonight's window.
    expect(nextRunAfter(spec, T0, 0.5)).toBe(Date.UTC(2026, 10, 22, 23, 0));
    // Having run at 00:10 local (inside the window), the next run is the next night's window.
    expect(nextRunAfter(spec, Date.UTC(2026, 10, 22, 23, 10), 0)).toBe(Date.UTC(2026, 10, 23, 22, 30));
  });
  it('window mode follows a time-zone offset that changes (daylight saving)', () => {
    const switchAt = Date.UTC(2026, 2, 29, 1, 0); // CET → CEST
    const spec: ScheduleSpec = { ...base, window: parseWindow('02:00-02:30', 'w'), utcOffsetMinutes: (t) => (t < switchAt ? 60 : 120) };
    expect(nextRunAfter(spec, Date.UTC(2026, 2, 26, 12, 0), 0)).toBe(Date.UTC(2026, 2, 27, 1, 0)); // 02:00 CET
    expect(nextRunAfter(spec, Date.UTC(2026, 2, 27, 1, 10), 0)).toBe(Date.UTC(2026, 2, 28, 1, 0)); // ran in the window: next night
    expect(nextRunAfter(spec, Date.UTC(2026, 2, 30, 12, 0), 0)).toBe(Date.UTC(2026, 2, 31, 0, 0)); // 02:00 CEST
    expect(scheduleSpec(parseTriggersConfig({ schedule: { window: '02:00-03:00' } }).schedule!).utcOffsetMinutes).toBe(localUtcOffsetMinutes);
    expect(localUtcOffsetMinutes(T0)).toBe(-new Date(T0).getTimezoneOffset());
  });
  it('window mode with every 7d skips six windows', () => {
    const spec: ScheduleSpec = { ...base, everyMs: 7 * DAY, window: parseWindow('02:00-04:00', 'w') };
    const ran = Date.UTC(2026, 10, 22, 3, 0);
    expect(nextRunAfter(spec, ran, 0)).toBe(Date.UTC(2026, 10, 29, 2, 0));
  });
});

describe('schedule: boots', () => {
  it('keeps a stored next run in the future, runs a missed one soon or skips it, recomputes one too far ahead', () => {
    const stored: ScheduleState = { nextRunAt: T0 + 5 * H, lastRunAt: T0 - 19 * H };
    expect(planAtBoot(base, stored, T0, 0.9)).toEqual({ state: stored, decision: 'kept' });
    const missed = planAtBoot(base, { nextRunAt: T0 - 2 * DAY }, T0, 0.5);
    expect(missed).toEqual({ state: { nextRunAt: T0 + 5 * M }, decision: 'missed-soon' });
    const skipped = planAtBoot({ ...base, missed: 'skip' }, { nextRunAt: T0 - 2 * DAY }, T0, 0);
    expect(skipped).toEqual({ state: { nextRunAt: T0 + 24 * H }, decision: 'missed-skip' });
    const ahead = planAtBoot(base, { nextRunAt: T0 + 400 * DAY }, T0, 0);
    expect(ahead.decision).toBe('too-far-ahead');
    expect(ahead.state.nextRunAt).toBe(T0 + 24 * H);
    expect(planAtBoot(base, null, T0, 0.5)).toEqual({ state: { nextRunAt: T0 + 5 * M }, decision: 'first' });
  });
  it('reads stored state leniently', () => {
    expect(readScheduleState('{"nextRunAt": 5, "lastRunAt": 1}')).toEqual({ nextRunAt: 5, lastRunAt: 1 });
    expect(readScheduleState('{"nextRunAt": "soon"}')).toBeNull();
    expect(readScheduleState('garbage')).toBeNull();
    expect(readScheduleState(null)).toBeNull();
  });
  it('a reboot loop neither bursts nor skips forever (every boot persists the plan; property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 120 }).map((m) => m * M), // uptime between reboots
        fc.constantFrom<'soon' | 'skip'>('soon', 'skip'),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 50, maxLength: 50 }),
        (uptime, missed, units) => {
          const spec = { ...base, missed };
          let stored: ScheduleState | null = null;
          let now = T0;
          const runs: number[] = [];
          let k = 0;
          const u = () => units[k++ % units.length];
          const end = T0 + 10 * DAY;
          while (now < end) {
            const plan = planAtBoot(spec, stored, now, u());
            stored = plan.state; // persisted at boot
            const off = now + uptime;
            // while up: run whenever due, storing the next run first
            while (stored.nextRunAt < off) {
              const at: number = Math.max(stored.nextRunAt, now);
              stored = planAfterRun(spec, at, u());
              runs.push(at);
            }
            now = off;
          }
          // No burst: runs are at least `every` apart.
          for (let i = 1; i < runs.length; i++) expect(runs[i] - runs[i - 1]).toBeGreaterThanOrEqual(spec.everyMs);
          // No skipping forever: at least one run per (every + jitter + spread + one uptime) after the first.
          expect(runs.length).toBeGreaterThanOrEqual(Math.floor((10 * DAY) / (spec.everyMs + spec.jitterMs + spec.spreadMs + uptime)) - 1);
          return true;
        },
      ),
      { numRuns: 60 },
    );
  });
});

class FakeClock implements Clock {
  constructor(public t: number) {}
  sleeps: number[] = [];
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
    // Yield a macrotask so the test body can interleave with the runner's loop.
    await new Promise((r) => setImmediate(r));
  }
}

class MemStorage implements Storage {
  files = new Map<string, Uint8Array>();
  async read(name: string) {
    return this.files.get(name) || null;
  }
  async writeAtomic(name: string, data: Uint8Array) {
    this.files.set(name, data);
  }
  async remove(name: string) {
    this.files.delete(name);
  }
  async list() {
    return [...this.files.keys()];
  }
}

const quietLog: Log = { log() {} };
const fixedRandom = (byte: number): Random => ({ bytes: (n) => new Uint8Array(n).fill(byte) });

describe('schedule runner (fake clock, memory storage)', () => {
  it('fires on time, stores the next run before firing, and sleeps in bounded slices', async () => {
    const clock = new FakeClock(T0);
    const storage = new MemStorage();
    const events: TriggerEvent[] = [];
    let stateWhenFired: string | undefined;
    let runner: ScheduleRunner | undefined = undefined;
    runner = new ScheduleRunner(
      { ...base, jitterMs: 0 },
      { clock, storage, random: fixedRandom(0), log: quietLog },
      (e) => {
        events.push(e);
        stateWhenFired = new TextDecoder().decode(storage.files.get('schedule.json'));
        if (events.length === 3) void runner!.stop();
      },
      60000,
    );
    await runner.start();
    await runner.stop().then(() => undefined);
    // start() stored the first plan: random 0 → run at once (spread * 0)
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events[0]).toEqual(scheduleTrigger(T0));
    expect(JSON.parse(stateWhenFired!).lastRunAt).toBe(events[events.length - 1].at);
    expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(60000);
  });
  it('runs daily for a simulated week, no more and no less', async () => {
    const clock = new FakeClock(T0);
    const storage = new MemStorage();
    const events: TriggerEvent[] = [];
    const runner = new ScheduleRunner(
      { ...base, jitterMs: 0, spreadMs: 0 },
      { clock, storage, random: fixedRandom(0x80), log: quietLog },
      (e) => events.push(e),
      H,
    );
    await runner.start();
    while (clock.t < T0 + 7 * DAY - M) await new Promise((r) => setImmediate(r));
    await runner.stop();
    expect(events.map((e) => e.at)).toEqual(Array.from({ length: 7 }, (_, i) => T0 + i * DAY));
    expect(events.every((e) => e.kind === 'schedule' && e.request === 'device')).toBe(true);
  });
  it('a restart with stored state does not fire early', async () => {
    const storage = new MemStorage();
    storage.files.set('schedule.json', new TextEncoder().encode(JSON.stringify({ nextRunAt: T0 + 3 * H, lastRunAt: T0 - 21 * H })));
    const clock = new FakeClock(T0);
    const events: TriggerEvent[] = [];
    const runner = new ScheduleRunner(base, { clock, storage, random: fixedRandom(0), log: quietLog }, (e) => events.push(e), 30 * M);
    await runner.start();
    expect(runner.nextRunAt).toBe(T0 + 3 * H);
    while (events.length === 0 && clock.t < T0 + 5 * H) await new Promise((r) => setImmediate(r));
    await runner.stop();
    expect(events.map((e) => e.at)).toEqual([T0 + 3 * H]);
  });
  it('a clock set backwards is noticed and the plan recomputed', async () => {
    const storage = new MemStorage();
    const clock = new FakeClock(T0);
    const runner = new ScheduleRunner({ ...base, jitterMs: 0 }, { clock, storage, random: fixedRandom(0xff), log: quietLog }, () => {}, M);
    await runner.start();
    const planned = runner.nextRunAt!;
    clock.t = T0 - 300 * DAY;
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    await runner.stop();
    expect(runner.nextRunAt).toBeLessThan(planned - 200 * DAY);
  });
  it('randomUnit is in [0, 1)', () => {
    expect(randomUnit(fixedRandom(0))).toBe(0);
    expect(randomUnit(fixedRandom(0xff))).toBeLessThan(1);
    expect(randomUnit(fixedRandom(0xff))).toBeGreaterThan(0.999);
  });
});

describe('trigger queue', () => {
  it('folds repeats per origin, serves the user first, and rate-limits presses', async () => {
    const q = new TriggerQueue(60000);
    expect(q.push(scheduleTrigger(1000))).toBe('queued');
    expect(q.push(scheduleTrigger(2000))).toBe('merged');
    expect(q.push(buttonTrigger(3000))).toBe('queued');
    expect(q.push(buttonTrigger(4000))).toBe('too-soon');
    expect(q.size).toBe(2);
    expect(q.take()).toEqual(buttonTrigger(3000));
    expect(q.take()).toEqual(scheduleTrigger(1000));
    expect(q.take()).toBeUndefined();
    const waiting = q.next();
    expect(q.push(buttonTrigger(70000))).toBe('queued');
    expect(await waiting).toEqual(buttonTrigger(70000));
  });
  it('stays at two entries whatever is pushed (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 1000 }))), (pushes) => {
        const q = new TriggerQueue(100);
        let t = 0;
        for (const [user, dt] of pushes) {
          t += dt;
          q.push(user ? buttonTrigger(t) : scheduleTrigger(t));
          expect(q.size).toBeLessThanOrEqual(2);
        }
        return true;
      }),
    );
  });
});

describe('triggers config', () => {
  it('reads durations and windows', () => {
    expect(parseDuration('24h', 'k')).toBe(DAY);
    expect(parseDuration('1h30m', 'k')).toBe(90 * M);
    expect(parseDuration('500ms', 'k')).toBe(500);
    expect(parseDuration(1500, 'k')).toBe(1500);
    expect(() => parseDuration('soon', 'triggers.schedule.every')).toThrow(/triggers\.schedule\.every/);
    expect(() => parseDuration('5h later', 'k')).toThrow(TriggerConfigError);
    expect(parseWindow('02:00-04:00', 'k')).toEqual({ startMin: 120, endMin: 240 });
    expect(() => parseWindow('25:00-04:00', 'triggers.schedule.window')).toThrow(/triggers\.schedule\.window/);
    expect(() => parseWindow('02:00-02:00', 'k')).toThrow(/same time/);
  });
  it('reads the whole section with defaults', () => {
    const c = parseTriggersConfig({ button: { device: '/dev/input/event0', keyCode: 256, longPressMs: 3000 }, schedule: { every: '12h', jitter: '30m' } });
    expect(c.button).toMatchObject({ device: '/dev/input/event0', keyCode: 256, longPressMs: 3000, debounceMs: 50, wordSize: 'auto', activeLow: true });
    expect(c.schedule).toMatchObject({ every: 12 * H, jitter: 30 * M, missed: 'soon', spread: 10 * M, timezone: 'local' });
    expect(parseTriggersConfig({ button: { gpio: 17 } }).button!.gpio).toBe('/sys/class/gpio/gpio17/value');
    const w = parseTriggersConfig({ schedule: { window: '02:00-04:00', timezone: 'utc' } }).schedule!;
    expect(scheduleSpec(w, 120)).toMatchObject({ everyMs: DAY, jitterMs: 0, utcOffsetMinutes: 0, window: { startMin: 120, endMin: 240 } });
  });
  it('names the bad key', () => {
    expect(() => parseTriggersConfig({ button: {} })).toThrow(/triggers\.button: needs exactly one/);
    expect(() => parseTriggersConfig({ button: { device: '/dev/x', gpio: 1 } })).toThrow(/exactly one/);
    expect(() => parseTriggersConfig({ button: { device: '/dev/x', wordSize: 2 } })).toThrow(/triggers\.button\.wordSize/);
    expect(() => parseTriggersConfig({ schedule: { every: '10s' } })).toThrow(/triggers\.schedule\.every/);
    expect(() => parseTriggersConfig({ schedule: { missed: 'never' } })).toThrow(/triggers\.schedule\.missed/);
    expect(() => parseTriggersConfig({ sirens: {} })).toThrow(/triggers\.sirens/);
  });
});

describe('startTriggers', () => {
  it('funnels the schedule and the button into one queue, and stops promptly', async () => {
    const clock = new FakeClock(T0);
    let emitButton: (e: TriggerEvent) => void = () => {};
    let buttonStopped = false;
    const t = await startTriggers(parseTriggersConfig({ schedule: { every: '24h', jitter: 0, spread: 0 }, button: { gpio: 3, minIntervalMs: 1000 } }), {
      clock,
      storage: new MemStorage(),
      random: fixedRandom(0),
      log: quietLog,
      startButton: (cfg, emit) => {
        expect(cfg.gpio).toBe('/sys/class/gpio/gpio3/value');
        emitButton = emit;
        return { done: new Promise(() => {}), stop: () => (buttonStopped = true) };
      },
    });
    expect(await t.queue.next()).toEqual(scheduleTrigger(T0));
    emitButton(buttonTrigger(T0 + 5));
    emitButton(buttonTrigger(T0 + 6)); // inside minIntervalMs: ignored
    expect(t.queue.size).toBe(1);
    expect(await t.queue.next()).toEqual(buttonTrigger(T0 + 5));
    expect(t.schedule!.nextRunAt).toBe(T0 + DAY);
    const slow: Clock = { now: () => T0, sleep: () => new Promise(() => {}) }; // a sleep that never ends
    const t2 = await startTriggers(parseTriggersConfig({ schedule: { every: '1h' } }), { clock: slow, storage: new MemStorage(), random: fixedRandom(0x80), log: quietLog });
    await t2.stop(); // would hang if stop waited for the sleep
    await t.stop();
    expect(buttonStopped).toBe(true);
  });
  it('warns when a button is configured but the platform has none', async () => {
    const lines: string[] = [];
    await startTriggers(parseTriggersConfig({ button: { device: '/dev/input/event0' } }), {
      clock: new FakeClock(T0),
      storage: new MemStorage(),
      random: fixedRandom(0),
      log: { log: (_l, m) => lines.push(m) },
    });
    expect(lines.join('\n')).toMatch(/no button reader/);
  });
});
