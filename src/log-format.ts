// One log line format for both runtimes, so that the agent's logs read the same on Node and on QuickJS:
//   text:  2026-11-22T04:40:00.123Z info  session started server=dm.example.com sessionId=1A
//   JSON:  {"time":"2026-11-22T04:40:00.123Z","level":"info","msg":"session started","server":"dm.example.com"}
// Under journald (the runtime found $JOURNAL_STREAM: stderr is the journal's stream, man systemd.exec) the journal
// stamps each line itself, so the line carries no time of its own and starts with its syslog priority instead
// (man sd-daemon, "<N>" prefixes; RFC 5424 §6.2.1 severities), which `journalctl -p warning` filters on:
//   text:  <6>session started server=dm.example.com sessionId=1A
//   JSON:  <6>{"level":"info","msg":"session started","server":"dm.example.com"}
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

/** Syslog severity of each level (RFC 5424 §6.2.1: 3 error, 4 warning, 6 informational, 7 debug). */
export const SYSLOG_PRIORITY: Record<LogLevel, number> = { debug: 7, info: 6, warn: 4, error: 3 };

export function formatLogLine(
  time: number,
  level: LogLevel,
  message: string,
  fields: Record<string, unknown> | undefined,
  json: boolean,
  journal = false,
): string {
  const iso = new Date(time).toISOString();
  if (json) {
    const rec: Record<string, unknown> = journal ? { level, msg: message } : { time: iso, level, msg: message };
    if (fields) for (const k of Object.keys(fields)) if (!(k in rec)) rec[k] = plainValue(fields[k], []);
    return (journal ? `<${SYSLOG_PRIORITY[level]}>` : '') + JSON.stringify(rec);
  }
  const text = message.replace(/\n/g, '\\n');
  let line = journal ? `<${SYSLOG_PRIORITY[level]}>${text}` : `${iso} ${(level + ' ').slice(0, 5)} ${text}`;
  if (fields) for (const k of Object.keys(fields)) line += ` ${k}=${textValue(fields[k])}`;
  return line;
}
