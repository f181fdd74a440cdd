// Waiting in tests that drive a running agent: poll a condition, and pick a free UDP port for a listener.
import { createSocket } from 'node:dgram';

export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `f` every 50 ms until it holds; throws naming `what` after `ms`. */
export async function until(what: string, f: () => boolean, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!f()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await wait(50);
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
