// Shows update progress (src/ports/progress.ts) three ways, the same on both runtimes:
//   bar   stderr is a terminal: one line redrawn in place ("\r") with rate and ETA, at most 10 times a second, and
//         a final line at 100% that stays on screen;
//   log   stderr is not a terminal (a pipe, a file, a service's journal): one line every 10% of a phase;
//   json  --json: one JSON object per line on stderr, `{"event":"progress",...}`, while stdout keeps the command's
//         single JSON result document (README.md "Progress").
// Runtime-free: the writer, the clock and the terminal width come from the caller.
import type { ProgressEvent, ProgressPhase, ProgressSink } from '../ports/progress.js';

export type ProgressMode = 'bar' | 'log' | 'json';

export interface ProgressOptions {
  mode: ProgressMode;
  /** Writes text as it is (stderr, or a logger for whole lines). */
  write(text: string): void;
  /** Milliseconds, monotonic enough for a rate. */
  now(): number;
  /** The terminal's width in bar mode. */
  columns?: number;
}

const MiB = 1024 * 1024;
/** The bar is redrawn at most this often (ms): ten times a second is smooth enough and cheap on a serial console. */
const REDRAW_MS = 100;

/** "19.2 MiB": bytes in MiB with one decimal (KiB below one MiB, so a small package does not read 0.0). */
export function formatBytes(n: number): string {
  if (n < MiB) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / MiB).toFixed(1)} MiB`;
}

/** "48 MiB/s", "512 KiB/s"; "-" before anything can be measured. */
export function formatRate(bytesPerSecond: number): string {
  if (!(bytesPerSecond > 0) || !isFinite(bytesPerSecond)) return '-';
  if (bytesPerSecond >= MiB) return `${(bytesPerSecond / MiB).toFixed(bytesPerSecond >= 10 * MiB ? 0 : 1)} MiB/s`;
  return `${(bytesPerSecond / 1024).toFixed(bytesPerSecond >= 10 * 1024 ? 0 : 1)} KiB/s`;
}

/** "1 s", "2 min 05 s", "1 h 02 min"; "?" when the rate is not known yet. */
export function formatEta(seconds: number): string {
  if (!(seconds >= 0) || !isFinite(seconds)) return '?';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

interface PhaseState {
  phase: ProgressPhase;
  started: number;
  /** Bytes done when the phase was first seen (a resumed download starts part-way: its rate counts only new bytes). */
  base: number;
  done: number;
  total?: number;
  /** Log mode: the last tenth printed (0 = none yet). */
  tenth: number;
  /** Bar and JSON modes: when last written (-Infinity: not yet), and the percent last written (JSON). */
  drawn: number;
  percent: number;
  finished: boolean;
}

function rateOf(p: PhaseState, now: number): number {
  const seconds = (now - p.started) / 1000;
  return seconds > 0 ? (p.done - p.base) / seconds : NaN;
}

/** The text of one progress report: "download 30% (19.2 of 64.0 MiB, 48 MiB/s, ETA 1 s)". */
export function describeProgress(p: { phase: string; done: number; total?: number }, rate: number, percent?: number): string {
  if (p.total === undefined || !(p.total > 0)) return `${p.phase} ${formatBytes(p.done)} (${formatRate(rate)})`;
  const pct = percent !== undefined ? percent : Math.floor((p.done / p.total) * 100);
  const eta = rate > 0 ? formatEta((p.total - p.done) / rate) : '?';
  const sizes = p.total >= MiB ? `${(p.done / MiB).toFixed(1)} of ${formatBytes(p.total)}` : `${formatBytes(p.done)} of ${formatBytes(p.total)}`;
  return `${p.phase} ${pct}% (${sizes}, ${formatRate(rate)}, ETA ${eta})`;
}

export function createProgressRenderer(o: ProgressOptions): ProgressSink {
  let current: PhaseState | null = null;
  const columns = Math.max(40, o.columns || 80);

  const drawBar = (p: PhaseState, now: number, final: boolean) => {
    const text = describeProgress(p, rateOf(p, now));
    let line = text;
    if (p.total !== undefined && p.total > 0) {
      // The bar takes what the text leaves of the line (one column is kept free: some terminals wrap at the last one).
      const width = Math.min(40, columns - 1 - text.length - 3);
      if (width >= 10) {
        const filled = Math.min(width, Math.floor((p.done / p.total) * width));
        line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}`;
      }
    }
    line = line.slice(0, columns - 1);
    o.write(`\r${line.padEnd(columns - 1)}${final ? '\n' : ''}`);
  };

  return (e: ProgressEvent) => {
    const now = o.now();
    // The end reported again (the read-back's port and its wrapper both say 100%): already shown.
    if (current && current.phase === e.phase && current.finished && e.done === current.done) return;
    if (!current || current.phase !== e.phase || e.done < current.done || current.finished) {
      // A new phase (or the same one begun again: a retried download from zero, the next job).
      if (current && o.mode === 'bar' && !current.finished && current.drawn > -Infinity) o.write('\n');
      current = { phase: e.phase, started: now, base: e.done, done: e.done, total: e.total, tenth: 0, drawn: -Infinity, percent: -1, finished: false };
    }
    const p = current;
    p.done = e.done;
    if (e.total !== undefined) p.total = e.total;
    const complete = p.total !== undefined && p.total > 0 && p.done >= p.total;
    const pct = p.total !== undefined && p.total > 0 ? Math.floor((Math.min(p.done, p.total) / p.total) * 100) : -1;
    if (o.mode === 'log') {
      if (pct < 0) return;
      const tenth = Math.floor(pct / 10);
      // One line for the highest tenth reached, named by it (the bytes say exactly where): a jump from 0 to 100%
      // is one line, not ten made up.
      if (tenth > p.tenth) {
        p.tenth = tenth;
        o.write(describeProgress({ phase: p.phase, done: p.done, total: p.total }, rateOf(p, now), tenth * 10) + '\n');
      }
      if (complete) p.finished = true;
      return;
    }
    if (o.mode === 'json') {
      // Every whole percent (and the end), so a consumer sees a bounded number of lines whatever the chunk size.
      if (pct === p.percent && !complete) return;
      if (pct < 0 && now - p.drawn < REDRAW_MS * 10) return; // unknown size: once a second
      p.percent = pct;
      p.drawn = now;
      const rate = rateOf(p, now);
      const ev: Record<string, unknown> = { event: 'progress', phase: p.phase, bytes: p.done };
      if (p.total !== undefined) ev.total = p.total;
      if (pct >= 0) ev.percent = pct;
      if (rate > 0) ev.bytesPerSecond = Math.round(rate);
      if (rate > 0 && p.total !== undefined) ev.etaSeconds = Math.ceil((p.total - p.done) / rate);
      o.write(JSON.stringify(ev) + '\n');
      if (complete) p.finished = true;
      return;
    }
    if (complete) {
      drawBar(p, now, true);
      p.finished = true;
      return;
    }
    if (now - p.drawn < REDRAW_MS) return;
    p.drawn = now;
    drawBar(p, now, false);
  };
}
