// Log port on QuickJS: one line per event on stderr (std.err), as text or as JSON lines.
// Text:  2026-11-22T04:40:00.123Z info  session started server=dm.example.com sessionId=1a
// JSON:  {"time":"2026-11-22T04:40:00.123Z","level":"info","msg":"session started","server":"dm.example.com"}
// Secrets never reach here (the port's contract); values that JSON cannot carry are rendered safely.
import * as std from 'std';
import type { Log, LogLevel } from '../../src/ports.js';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface QjsLogOptions {
  json?: boolean;
  /** Lines below this level are dropped (default 'info'). */
  minLevel?: LogLevel;
  /** Where lines go (default std.err). */
  out?: { puts(s: string): void; flush(): void };
  now?: () => number;
}

/** JSON-safe copy: bigint as string, bytes as their length, errors as name+message, cycles cut. */
function plain(value: unknown, seen: unknown[]): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return String(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (seen.indexOf(value) >= 0) return '[cycle]';
  seen.push(value);
  let out: unknown;
  if (Array.isArray(value)) out = value.map((v) => plain(v, seen));
  else {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(value)) o[k] = plain((value as Record<string, unknown>)[k], seen);
    out = o;
  }
  seen.pop();
  return out;
}

function textValue(value: unknown): string {
  const v = plain(value, []);
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s !== undefined && /^[^\s"=]+$/.test(s) ? s : JSON.stringify(s === undefined ? 'undefined' : s);
}

export function createQjsLog(options: QjsLogOptions = {}): Log {
  const min = RANK[options.minLevel || 'info'];
  const out = options.out || std.err;
  const now = options.now || Date.now;
  return {
    log(level: LogLevel, message: string, fields?: Record<string, unknown>) {
      if (RANK[level] < min) return;
      const time = new Date(now()).toISOString();
      let line: string;
      if (options.json) {
        const rec: Record<string, unknown> = { time, level, msg: message };
        if (fields) for (const k of Object.keys(fields)) if (!(k in rec)) rec[k] = plain(fields[k], []);
        line = JSON.stringify(rec);
      } else {
        line = `${time} ${(level + ' ').slice(0, 5)} ${message.replace(/\n/g, '\\n')}`;
        if (fields) for (const k of Object.keys(fields)) line += ` ${k}=${textValue(fields[k])}`;
      }
      out.puts(line + '\n');
      out.flush();
    },
  };
}
