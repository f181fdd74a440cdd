// Durations and times of day as people write them in the configuration: `24h`, `90s`, `1h30m`, `7d`, `500ms`;
// `02:00-04:00` (a daily window, may run past midnight: `23:30-00:30`).

export class TriggerConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`config: ${key}: ${message}`);
    this.name = 'TriggerConfigError';
  }
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60000, h: 3600000, d: 86400000 };

/** Parses `1h30m`-style text (units ms, s, m, h, d) or a plain number of milliseconds. */
export function parseDuration(value: unknown, key: string): number {
  if (typeof value === 'number') {
    if (!isFinite(value) || value < 0) throw new TriggerConfigError(key, `must be a duration >= 0, got ${value}`);
    return value;
  }
  if (typeof value !== 'string') throw new TriggerConfigError(key, `must be a duration like "24h" or "90s", got ${JSON.stringify(value)}`);
  const text = value.trim().toLowerCase();
  const re = /([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d)/g;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    if (text.slice(consumed, m.index).trim() !== '') break;
    total += parseFloat(m[1]) * UNIT_MS[m[2]];
    consumed = m.index + m[0].length;
  }
  if (consumed === 0 || text.slice(consumed).trim() !== '')
    throw new TriggerConfigError(key, `must be a duration like "24h", "1h30m" or "90s", got ${JSON.stringify(value)}`);
  return Math.round(total);
}

/** A daily window in minutes after local midnight; `endMin` < `startMin` when it runs past midnight. */
export interface DailyWindow {
  startMin: number;
  endMin: number;
}

function hhmm(text: string, key: string): number {
  const m = /^([0-9]{1,2}):([0-9]{2})$/.exec(text.trim());
  if (!m || +m[1] > 23 || +m[2] > 59) throw new TriggerConfigError(key, `must be a time window like "02:00-04:00", got ${JSON.stringify(text)}`);
  return +m[1] * 60 + +m[2];
}

export function parseWindow(value: unknown, key: string): DailyWindow {
  if (typeof value !== 'string' || value.split('-').length !== 2)
    throw new TriggerConfigError(key, `must be a time window like "02:00-04:00", got ${JSON.stringify(value)}`);
  const [a, b] = value.split('-');
  const w = { startMin: hhmm(a, key), endMin: hhmm(b, key) };
  if (w.startMin === w.endMin) throw new TriggerConfigError(key, `start and end are the same time in ${JSON.stringify(value)}`);
  return w;
}

/** Length of the window in milliseconds. */
export function windowLengthMs(w: DailyWindow): number {
  const minutes = w.endMin > w.startMin ? w.endMin - w.startMin : 1440 - w.startMin + w.endMin;
  return minutes * 60000;
}
