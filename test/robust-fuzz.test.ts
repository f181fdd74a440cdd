// CI-sized fuzz runs (issue 10): hostile server messages through a real DmSession, and random configurations through
// every validator. The long runs are `scripts/fuzz session|config --cases N`; figures in docs/robustness.md.
import { describe, expect, it } from 'vitest';
import { runSessionFuzz, runSessionCase, SESSION_FUZZ_CATEGORIES, fuzzTree, invariantBroken } from '../scripts/fuzz-session.js';
import { runConfigFuzz, validateAll, isConfigError, BASE_CONFIG } from '../scripts/fuzz-config.js';
import { prng } from '../scripts/fuzz-core.js';

const SEED = Number(process.env.FUZZ_SEED || 20261122);

describe('session fuzz (in-process DmSession, scripted hostile server)', () => {
  it('every case ends in a SessionOutcome or a SessionError, within the time limit and the message cap', async () => {
    const res = await runSessionFuzz({ cases: 800, seed: SEED, big: 5000, caseLimitMs: 5000, now: () => performance.now() });
    const firstCrashes = res.crashes.slice(0, 3).map((c) => `[${c.category}] ${c.error}`);
    expect(firstCrashes).toEqual([]);
    expect(res.hangs).toBe(0);
    expect(res.cases).toBe(800);
    // Both ends are reached: the fuzzer is not only producing garbage the decoder refuses.
    expect(res.outcomes).toBeGreaterThan(100);
    expect(Object.keys(res.sessionErrors)).toEqual(expect.arrayContaining(['protocol', 'limit']));
    for (const name of SESSION_FUZZ_CATEGORIES) expect(res.byCategory[name]).toBeGreaterThan(0);
    expect(res.maxMs).toBeLessThan(5000);
  }, 120_000);

  it('the harness can fail: a transport that throws a plain TypeError is reported as a crash', async () => {
    // A category whose script throws stands in for a bug: runSessionCase must classify it, not swallow it.
    const broken = { name: 'broken', script: () => { throw new TypeError('boom'); } };
    const c = await runSessionCase(broken as never, prng(1), 10, 1000, () => performance.now());
    expect(c.kind).toBe('crash');
    expect(c.detail).toMatch(/boom/);
  });
});

describe('session fuzz invariants can fail', () => {
  it('a changed Get-only value, or anything executed for an unauthenticated server, is reported', async () => {
    const fx = { execs: 0, replaces: 0 };
    const tree = fuzzTree(fx);
    expect(await invariantBroken(tree, fx, true)).toBeNull();
    fx.execs = 1;
    expect(await invariantBroken(tree, fx, true)).toMatch(/unauthenticated server got 1 Exec/);
    expect(await invariantBroken(tree, fx, false)).toBeNull(); // an authenticated server may Exec
    tree.setValue('./DevInfo/Man', { data: 'Evil' });
    expect(await invariantBroken(tree, fx, false)).toMatch(/Get-only \.\/DevInfo\/Man changed/);
  });
});

describe('config fuzz (random JSON through every validator)', () => {
  it('only valid configs or typed configuration errors', () => {
    const res = runConfigFuzz({ cases: 5000, seed: SEED, now: () => performance.now() });
    expect(res.crashes.slice(0, 3)).toEqual([]);
    expect(res.valid).toBeGreaterThan(50);
    expect(res.configErrors).toBeGreaterThan(1000);
  }, 60_000);

  it('the base config is valid and a wrong type in it is a typed error naming the key', () => {
    expect(() => validateAll(JSON.parse(JSON.stringify(BASE_CONFIG)))).not.toThrow();
    const bad = JSON.parse(JSON.stringify(BASE_CONFIG));
    bad.server.timeoutMs = '30s';
    let err: unknown;
    try {
      validateAll(bad);
    } catch (e) {
      err = e;
    }
    expect(isConfigError(err)).toBe(true);
    expect(String((err as Error).message)).toMatch(/server\.timeoutMs/);
    expect(isConfigError(new TypeError('x'))).toBe(false);
  });
});
