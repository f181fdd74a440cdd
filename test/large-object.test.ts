// Issue 20 item 5, the executor's part: large objects are counted in the bytes Size counts (decoded ones for Format
// b64, OMA-TS-DM_TND-V1_2 §7.7.4; the old count of base64 characters answered 424 three quarters through a 3 MiB
// object), the MaxObjSize the executor is given is the one it enforces (413), and a node with a sink gets the object
// chunk by chunk. One scenario (test/large-object-scenario.ts) runs on Node here and bundled in host qjs.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleForQjs, ensureQjsAsync, qjsSkipReason, runQjs, scratchDir } from './support/qjs.js';
import { runLargeObjectScenario } from './large-object-scenario.js';

const skip = qjsSkipReason('host');
if (skip) console.warn(`[large objects on qjs] skipped: ${skip}`);
let bundle = '';
let onNode: Record<string, unknown>;

beforeAll(async () => {
  onNode = JSON.parse(JSON.stringify(await runLargeObjectScenario()));
  if (skip) return;
  await ensureQjsAsync('host');
  bundle = await bundleForQjs('test/large-object.qjs-entry.ts', path.join(scratchDir('large-object'), 'large-object.js'));
}, 900_000);

const MiB = 1024 * 1024;

function expectAnswers(out: Record<string, unknown>): void {
  const whole = { uri: './Obj', format: 'b64', bytes: 3 * MiB, sum: out.objectSum };
  expect(out.b64Chars).toBe(4 * MiB);
  expect(out.chunks).toBe(64);
  // 3 MiB of b64 (4 MiB of characters) with MaxObjSize 8 MiB and Size = 3 MiB: 63 chunks 213, the last 200, stored whole.
  expect(out.buffered).toEqual({ codes: '213 x63, 200', stored: [whole] });
  expect(out.sink).toEqual({ codes: '213 x63, 200', stored: [whole], log: ['open ./Obj size 3145728', 'finish ./Obj 3145728 bytes in 64 writes, largest 49152'] });
  // The exact Size mismatch: one byte short or one byte more → 424 on the last chunk, nothing stored, the sink aborted.
  expect(out.short).toEqual({ codes: '213 x63, 424', stored: [], log: [] });
  expect(out.long).toEqual({ codes: '213 x63, 424', stored: [], log: [] });
  expect(out.shortSink).toEqual({ codes: '213 x63, 424', stored: [], log: ['open ./Obj size 3145727', 'abort ./Obj after 3096576 bytes'] });
  expect(out.longSink).toEqual({ codes: '213 x63, 424', stored: [], log: ['open ./Obj size 3145729', 'abort ./Obj after 3145728 bytes'] });
  // Size half the object: 424 at chunk 33, the first to pass 1.5 MiB decoded; the rest of that object gets 424 too.
  expect(out.half).toEqual({ codes: '213 x32, 424 x32', stored: [], log: ['open ./Obj size 1572864', 'abort ./Obj after 1572864 bytes'] });
  // MaxObjSize 2 MiB: a declared 3 MiB is refused at once (413 for each of its chunks, no sink opened); without a
  // Size, 413 at the chunk that passes 2 MiB decoded. The default is 1 MiB.
  expect(out.maxObjSize).toEqual({ codes: '413 x64', stored: [], log: [] });
  expect(out.maxObjSizeNoSize).toEqual({ codes: '213 x42, 413 x22', stored: [], log: ['open ./Obj size -', 'abort ./Obj after 2064384 bytes'] });
  expect(out.defaultMax).toEqual({ codes: '413 x64', stored: [] });
  // A node refusing the object answers each chunk; a new command mid-object → Alert 1225 and the sink aborted.
  expect(out.refusedAndCut).toMatchObject({ refused: '405 x3', cut: '213 x2, Alert 1225, 200', log: ['open ./Obj size 3145728', 'abort ./Obj after 98304 bytes'] });
}

describe('large objects in the executor', () => {
  it('Node: decoded-byte accounting, exact 424, MaxObjSize 413, chunk-by-chunk sink', () => {
    expectAnswers(onNode);
  });

  it.skipIf(!!skip)('qjs: the same answers as Node', async () => {
    const r = await runQjs('host', bundle, [], { timeoutMs: 600_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expectAnswers(out);
    expect(out).toEqual(onNode);
  }, 600_000);
});
