// A uniform number in [0, 1) from the Random port (32 random bits), for jitter. Math.random is avoided so that tests
// can replay exact schedules and so that every device of a fleet draws from a real entropy source.
import type { Random } from '../ports/runtime.js';

export function randomUnit(random: Random): number {
  const b = random.bytes(4);
  return ((b[0] << 24) >>> 0) / 4294967296 + ((b[1] << 16) | (b[2] << 8) | b[3]) / 4294967296;
}
