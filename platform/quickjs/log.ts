// Log port on QuickJS: one line per event on stderr (std.err), in the format shared with Node (src/log-format.ts).
// Secrets never reach here (the port's contract).
import * as std from 'std';
import type { Log, LogLevel } from '../../src/ports/runtime.js';
import { formatLogLine, LOG_RANK } from '../../src/log-format.js';

export interface QjsLogOptions {
  json?: boolean;
  /** Lines below this level are dropped (default 'info'). */
  minLevel?: LogLevel;
  /** Where lines go (default std.err). */
  out?: { puts(s: string): void; flush(): void };
  now?: () => number;
  /** stderr goes to journald: `<N>` priority prefixes, no timestamp (default: whether $JOURNAL_STREAM is set). */
  journal?: boolean;
}

export function createQjsLog(options: QjsLogOptions = {}): Log {
  const min = LOG_RANK[options.minLevel || 'info'];
  const out = options.out || std.err;
  const now = options.now || Date.now;
  const journal = options.journal !== undefined ? options.journal : !!std.getenv('JOURNAL_STREAM');
  return {
    log(level: LogLevel, message: string, fields?: Record<string, unknown>) {
      if (LOG_RANK[level] < min) return;
      out.puts(formatLogLine(now(), level, message, fields, !!options.json, journal) + '\n');
      out.flush();
    },
  };
}
