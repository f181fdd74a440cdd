// Clock port on QuickJS: wall time from Date, sleeping through the `os` event loop (QuickJS has no global
// setTimeout; docs/design.md "Checked facts").
import * as os from 'os';
import type { Clock } from '../../src/ports/runtime.js';

export class QjsClock implements Clock {
  now(): number {
    return Date.now();
  }

  sleep(ms: number): Promise<void> {
    if (!(ms >= 0) || ms === Infinity) return Promise.reject(new RangeError(`sleep: invalid duration ${ms} ms`));
    return new Promise<void>((resolve) => {
      os.setTimeout(resolve, ms);
    });
  }
}
