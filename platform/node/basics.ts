// Clock, random and log ports on Node.
import { randomBytes } from 'node:crypto';
import type { Clock, Log, LogLevel, Random } from '../../src/ports/runtime.js';
import { formatLogLine, LOG_RANK } from '../../src/log-format.js';

export const nodeClock: Clock = {
  now: () => Date.now(),
  sleep: (ms: number, cut?: Promise<unknown>) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      // A cut sleep clears its timer: Node stays alive while any timer is pending (the stopping daemon waited ~1 min).
      if (cut) cut.then(() => undefined, () => undefined).then(() => {
        clearTimeout(timer);
        resolve();
      });
    }),
};

export const nodeRandom: Random = {
  bytes: (count: number) => new Uint8Array(randomBytes(count)),
};

/** Log lines on stderr (stdout is for command output), in the format of src/log-format.ts. */
/** `journal`: stderr goes to journald ($JOURNAL_STREAM set): `<N>` priority prefixes, no timestamp of our own. */
export function createNodeLog(
  level: LogLevel,
  json: boolean,
  write: (line: string) => void = (l) => process.stderr.write(l),
  journal = !!process.env.JOURNAL_STREAM,
): Log {
  return {
    log(l, message, fields) {
      if (LOG_RANK[l] < LOG_RANK[level]) return;
      write(formatLogLine(Date.now(), l, message, fields, json, journal) + '\n');
    },
  };
}
