// Damage done to state documents the way a bad disk or a torn write would, and what the agent keeps aside
// (docs/robustness.md "Damaged state"): for test/outbox-recovery.test.ts and test/scomo-outbox-recovery.test.ts.
import { readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';

/** Flips one bit in the middle of the document's payload (a bit flip inside the checksum's hex digits could only
 * change a letter's case, which the envelope rightly ignores: the payload would still be intact). */
export function flip(file: string): void {
  const b = readFileSync(file);
  const start = b.indexOf('"payload":"') + 11;
  expect(start).toBeGreaterThan(11);
  b[start + Math.floor((b.length - start) / 2)] ^= 0x01;
  writeFileSync(file, b);
}

/** Cuts the file to half its length (a torn write). */
export function truncateHalf(file: string): void {
  truncateSync(file, Math.floor(readFileSync(file).length / 2));
}

/** The damaged copies of document `name` kept aside in the state directory. */
export function keptAside(stateDir: string, name: string): string[] {
  return readdirSync(stateDir).filter((f) => f.indexOf(`${name}.corrupt-`) === 0 || f.indexOf(`${name}.prev.corrupt-`) === 0);
}

/** Every file of a directory with its bytes (the lock file aside), subdirectories by their file names. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (f.name === 'lock') continue;
    out[f.name] = f.isDirectory() ? `dir: ${Object.keys(snapshot(path.join(dir, f.name))).join(',')}` : readFileSync(path.join(dir, f.name)).toString('base64');
  }
  return out;
}
