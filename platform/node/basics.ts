// Clock, random and log ports on Node.
import { randomBytes } from 'node:crypto';
import type { Clock, Log, LogLevel, Random } from '../../src/ports.js';

export const nodeClock: Clock = {
  now: () => Date.now(),
  sleep: (ms: number) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export const nodeRandom: Random = {
  bytes: (count: number) => new Uint8Array(randomBytes(count)),
};

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Log lines on stderr (stdout is for command output): `LEVEL message key=value`, or JSON lines. */
export function createNodeLog(level: LogLevel, json: boolean): Log {
  return {
    log(l, message, fields) {
      if (ORDER[l] < ORDER[level]) return;
      if (json) process.stderr.write(JSON.stringify({ level: l, message, ...(fields || {}) }) + '\n');
      else {
        const extra = fields ? ' ' + Object.keys(fields).map((k) => `${k}=${JSON.stringify(fields[k])}`).join(' ') : '';
        process.stderr.write(`${l}: ${message}${extra}\n`);
      }
    },
  };
}
