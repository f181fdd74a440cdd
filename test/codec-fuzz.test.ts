// Fuzzing the decoders in the normal test run: 20,000+ mutated real vectors (bit flips, truncation, length-field
// inflation, deep nesting, splices); every case must end in a value or a WbxmlError/SyncmlError, and none may take
// over 50 ms (a case slow on its first run is re-measured twice and the fastest time counts, so a garbage-collector
// pause of the test process is not blamed on the input). `scripts/fuzz --cases N` does longer runs.

import { describe, expect, it } from 'vitest';
import { haveVectors, vectorsDir, vectorsMissingReason } from './support/vectors.js';
import { runFuzz } from '../scripts/fuzz-core.js';
import { loadSeeds } from '../scripts/fuzz-seeds.js';

const vectors = haveVectors();
if (!vectors) console.log(vectorsMissingReason());

describe.skipIf(!vectors)('codec fuzz', () => {
  it('20,000 mutated vectors: no uncaught exception, no case over 50 ms', () => {
    const seeds = loadSeeds(vectorsDir);
    expect(seeds.length).toBeGreaterThan(50);
    const res = runFuzz(seeds, { cases: 20000, seed: 20261122, now: () => performance.now() });
    console.log(
      `fuzz: ${res.cases} cases from ${seeds.length} seeds, ${res.accepted} accepted, ${res.typedErrors} typed errors, ` +
        `${res.crashes.length} crashes, max ${res.maxMs.toFixed(2)} ms/case (${res.slowest}), ${res.over50ms} over 50 ms ` +
        `(${res.firstRunOver50ms} over 50 ms on the first run, fast when re-measured: GC/JIT pauses)`,
    );
    expect(res.crashes.map((c) => `${c.seed} ${c.mutation}: ${c.error}`)).toEqual([]);
    expect(res.over50ms).toBe(0);
    expect(res.typedErrors).toBeGreaterThan(1000); // the mutations do reach the error paths
  }, 120000);
});
