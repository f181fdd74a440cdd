// The progress renderer of the command line (src/cli/progress.ts), with a fake clock: rate and ETA formatting, a
// line per 10% in log mode, the bar's redraw at most every 100 ms with a final line at 100%, and JSON lines.
import { describe, expect, it } from 'vitest';
import { createProgressRenderer, describeProgress, formatEta, formatRate } from '../src/cli/progress.js';

const MiB = 1024 * 1024;

function rig(mode: 'bar' | 'log' | 'json', columns = 100) {
  let t = 0;
  const out: string[] = [];
  const sink = createProgressRenderer({ mode, write: (s) => out.push(s), now: () => t, columns });
  return { sink, out, at: (ms: number) => (t = ms) };
}

describe('progress formatting', () => {
  it('rate and ETA read as a person expects', () => {
    expect(formatRate(48 * MiB)).toBe('48 MiB/s');
    expect(formatRate(1.5 * MiB)).toBe('1.5 MiB/s');
    expect(formatRate(512 * 1024)).toBe('512 KiB/s');
    expect(formatRate(0)).toBe('-');
    expect(formatEta(0.2)).toBe('1 s');
    expect(formatEta(125)).toBe('2 min 05 s');
    expect(formatEta(3720)).toBe('1 h 02 min');
    expect(formatEta(NaN)).toBe('?');
    expect(describeProgress({ phase: 'download', done: 19.2 * MiB, total: 64 * MiB }, 48 * MiB)).toBe('download 30% (19.2 of 64.0 MiB, 48 MiB/s, ETA 1 s)');
  });
});

describe('log mode', () => {
  it('one line per tenth reached, 10% to 100%, with the rate from the fake clock', () => {
    const r = rig('log');
    for (let i = 0; i <= 64; i++) {
      r.at(i * 125); // 1 MiB every 125 ms: 8 MiB/s
      r.sink({ phase: 'download', done: i * MiB, total: 64 * MiB });
    }
    expect(r.out.map((l) => /^download (\d+)%/.exec(l)![1])).toEqual(['10', '20', '30', '40', '50', '60', '70', '80', '90', '100']);
    expect(r.out[2]).toBe('download 30% (20.0 of 64.0 MiB, 8.0 MiB/s, ETA 6 s)\n');
    expect(r.out[9]).toBe('download 100% (64.0 of 64.0 MiB, 8.0 MiB/s, ETA 0 s)\n');
  });

  it('a jump straight to the end is one line, not ten made up; a new phase starts its own count', () => {
    const r = rig('log');
    r.sink({ phase: 'read-back', done: 0, total: 10 * MiB });
    r.at(1000);
    r.sink({ phase: 'read-back', done: 10 * MiB, total: 10 * MiB });
    r.sink({ phase: 'flash', done: 5 * MiB, total: 10 * MiB });
    expect(r.out).toEqual(['read-back 100% (10.0 of 10.0 MiB, 10 MiB/s, ETA 0 s)\n', 'flash 50% (5.0 of 10.0 MiB, -, ETA ?)\n']);
  });
});

describe('bar mode', () => {
  it('redraws in place at most every 100 ms and ends with a newline at 100%', () => {
    const r = rig('bar', 80);
    for (let i = 0; i <= 100; i++) {
      r.at(i * 10); // an event every 10 ms for a second
      r.sink({ phase: 'download', done: i * MiB, total: 100 * MiB });
    }
    // t = 0, 100, ..., 900 (10 redraws) and the final 100% line
    expect(r.out.length).toBe(11);
    for (const s of r.out) {
      expect(s.startsWith('\r')).toBe(true);
      expect(s.replace(/\n$/, '').length).toBe(80); // "\r" + 79 columns: never wraps
    }
    expect(r.out.slice(0, 10).every((s) => !s.endsWith('\n'))).toBe(true);
    expect(r.out[10]).toMatch(/^\r\[#{10,}\] download 100% \(100\.0 of 100\.0 MiB, 100 MiB\/s, ETA 0 s\) *\n$/);
  });
});

describe('json mode', () => {
  it('one JSON object per line per whole percent, bytes never decreasing', () => {
    const r = rig('json');
    for (let i = 0; i <= 4000; i++) {
      r.at(i);
      r.sink({ phase: 'download', done: i * 1000, total: 4_000_000 });
    }
    const events = r.out.map((l) => JSON.parse(l));
    expect(events.length).toBe(101);
    expect(events[0]).toEqual({ event: 'progress', phase: 'download', bytes: 0, total: 4_000_000, percent: 0 });
    expect(events[100]).toMatchObject({ event: 'progress', phase: 'download', bytes: 4_000_000, percent: 100, bytesPerSecond: 1_000_000, etaSeconds: 0 });
    for (let i = 1; i < events.length; i++) expect(events[i].bytes).toBeGreaterThan(events[i - 1].bytes);
  });
});

describe('the end said twice', () => {
  it('is shown once (a port that reports 100% and its caller that says so again)', () => {
    const r = rig('log');
    r.sink({ phase: 'read-back', done: 0, total: 10 });
    r.sink({ phase: 'read-back', done: 10, total: 10 });
    r.sink({ phase: 'read-back', done: 10, total: 10 });
    r.sink({ phase: 'read-back', done: 0, total: 10 }); // the next job's read-back starts over
    r.sink({ phase: 'read-back', done: 10, total: 10 });
    expect(r.out.filter((l) => l.startsWith('read-back 100%')).length).toBe(2);
  });
});
