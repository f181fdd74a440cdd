// One log line format for both runtimes, so that the agent's logs read the same on Node and on QuickJS:
//   text:  2026-11-22T04:40:00.123Z info  session started server=dm.example.com sessionId=1A
//   JSON:  {"time":"2026-11-22T04:40:00.123Z","level":"info","msg":"session started","server":"dm.example.com"}
import type { LogLevel } from './ports/runtime.js';

export const LOG_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** JSON-safe copy: bigint as string, bytes as their length, errors as name+message, cycles cut. */
export function plainValue(value: unknown, seen: unknown[] = []): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return String(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (seen.indexOf(value) >= 0) return '[cycle]';
  seen.push(value);
  let out: unknown;
  if (Array.isArray(value)) out = value.map((v) => plainValue(v, seen));
  else {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(value)) o[k] = plainValue((value as Record<string, unknown>)[k], seen);
    out = o;
  }
  seen.pop();
  return out;
}

function textValue(value: unknown): string {
  const v = plainValue(value, []);
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s !== undefined && /^[^\s"=]+$/.test(s) ? s : JSON.stringify(s === undefined ? 'undefined' : s);
}

export function formatLogLine(time: number, level: LogLevel, message: string, fields: Record<string, unknown> | undefined, json: boolean): string {
  const iso = new Date(time).toISOString();
  if (json) {
    const rec: Record<string, unknown> = { time: iso, level, msg: message };
    if (fields) for (const k of Object.keys(fields)) if (!(k in rec)) rec[k] = plainValue(fields[k], []);
    return JSON.stringify(rec);
  }
  let line = `${iso} ${(level + ' ').slice(0, 5)} ${message.replace(/\n/g, '\\n')}`;
  if (fields) for (const k of Object.keys(fields)) line += ` ${k}=${textValue(fields[k])}`;
  return line;
}
