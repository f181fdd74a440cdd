// Random port on QuickJS: the kernel CSPRNG through /dev/urandom (QuickJS has no crypto.getRandomValues).
// Nonces and session ids come from here (docs/protocol.md §3.2 auth), so a short read is an error, never a weaker value.
import * as std from 'std';
import type { Random } from '../../src/ports/runtime.js';

export class QjsRandom implements Random {
  constructor(private readonly source = '/dev/urandom') {}

  bytes(count: number): Uint8Array {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`random bytes: invalid count ${count}`);
    const out = new Uint8Array(count);
    if (count === 0) return out;
    const holder: std.ErrorHolder = {};
    const f = std.open(this.source, 'rb', holder);
    if (!f) throw new Error(`random bytes: cannot open ${this.source}: ${std.strerror(holder.errno || 0)}`);
    try {
      let got = 0;
      while (got < count) {
        const n = f.read(out.buffer as ArrayBuffer, got, count - got);
        if (n <= 0) throw new Error(`random bytes: short read from ${this.source} (${got} of ${count})`);
        got += n;
      }
    } finally {
      f.close();
    }
    return out;
  }
}
