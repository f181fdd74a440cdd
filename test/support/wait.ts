// Waiting in tests that drive a running agent: poll a condition, and pick a free UDP port for a listener.
import { createSocket } from 'node:dgram';

export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface UntilOptions {
  /** How long to wait at most, ms (default 20 s). */
  ms?: number;
  /** How long between two looks, ms (default 50). */
  step?: number;
  /** What the error adds after `what` when time runs out (the output so far, what was seen instead). */
  detail?: () => string;
}

/** Polls `f` until it holds; throws naming `what` (and the detail) after the bound. A number is the bound in ms. */
export async function until(what: string, f: () => boolean, options: number | UntilOptions = {}): Promise<void> {
  const { ms = 20_000, step = 50, detail } = typeof options === 'number' ? { ms: options } : options;
  const t0 = Date.now();
  while (!f()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}${detail ? `: ${detail()}` : ''}`);
    await wait(step);
  }
}

/** A UDP port on the loopback nobody holds right now. */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}
