// Clock port on QuickJS: wall time from Date, sleeping through the `os` event loop (QuickJS has no global
// setTimeout; docs/design.md "Checked facts").
import * as os from 'os';
import type { Clock } from '../../src/ports/runtime.js';

export class QjsClock implements Clock {
  now(): number {
    return Date.now();
  }

  sleep(ms: number, cut?: Promise<unknown>): Promise<void> {
    if (!(ms >= 0) || ms === Infinity) return Promise.reject(new RangeError(`sleep: invalid duration ${ms} ms`));
    return new Promise<void>((resolve) => {
      const timer = os.setTimeout(resolve, ms);
      // Like Node's clock (platform/node/basics.ts): a cut sleep leaves no timer behind in the event loop.
      if (cut)
        cut.then(() => undefined, () => undefined).then(() => {
          os.clearTimeout(timer);
          resolve();
        });
    });
  }
}
