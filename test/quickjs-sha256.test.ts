// dmnative on our qjs builds (host, arm64 and armhf under qemu): SHA-256 against FIPS 180-4 example vectors and
// Node's crypto (padding boundaries, chunking, a 10 MB file, byte ranges), the pure-JS fallback, the error
// behaviour of every native function, and the speed figures the brief asks for (printed, not asserted).
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync, statfsSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { bundleForQjs, ensureQjsAsync, qjsArches, runQjs, scratchDir } from './support/qjs.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

// FIPS 180-4 / NIST CSRC example values (SHA256.pdf): one-block, two-block and the million-'a' message.
const KNOWN: [string, string][] = [
  ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
  [
    'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
    'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1',
  ],
  ['a'.repeat(1_000_000), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'],
];

const dir = scratchDir('sha256');
const probe = path.join(dir, 'probe-sha256.js');
const tenMb = path.join(dir, 'ten-mb.bin');
const tenMbData = randomBytes(10 * 1024 * 1024);

async function runJson(arch: Parameters<typeof runQjs>[0], args: string[], input?: string): Promise<any> {
  const r = await runQjs(arch, probe, args, { input, timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`qjs ${args.join(' ')} exited ${r.code}: ${r.stdout} ${r.stderr}`);
  return JSON.parse(r.stdout);
}

beforeAll(async () => {
  await bundleForQjs('platform/quickjs/probe-sha256.ts', probe);
  writeFileSync(tenMb, tenMbData);
});

describe.each(qjsArches())('dmnative SHA-256 on qjs $arch', ({ arch, skip }) => {
  beforeAll(async () => {
    if (!skip) await ensureQjsAsync(arch);
  }, 900_000);

  it.skipIf(!!skip)('matches the FIPS 180-4 example vectors and Node crypto at every padding boundary', async () => {
    const inputs: Buffer[] = KNOWN.map(([text]) => Buffer.from(text, 'latin1'));
    // lengths 0..130 cover the 55/56/63/64/119/120-byte padding edges; random content
    for (let n = 0; n <= 130; n++) inputs.push(randomBytes(n));
    const items = inputs.map((b) => (b.length === 1_000_000 ? { repeat: 0x61, count: b.length } : b.toString('hex')));
    const out = await runJson(arch, ['vectors'], JSON.stringify(items));
    expect(out).toHaveLength(inputs.length);
    KNOWN.forEach(([, digest], i) => {
      expect(out[i].native).toBe(digest);
      expect(out[i].js).toBe(i < KNOWN.length - 1 ? digest : null); // the million-'a' input is native only
    });
    inputs.forEach((b, i) => expect(out[i].native, `length ${b.length}`).toBe(sha(b)));
    inputs.slice(KNOWN.length).forEach((b, i) => expect(out[KNOWN.length + i].js, `JS, length ${b.length}`).toBe(sha(b)));
  });

  it.skipIf(!!skip)('gives the same digest however the input is chunked (views, buffer offsets, view ranges)', async () => {
    const file = path.join(dir, `chunks-${arch}.bin`);
    const cases = fc.sample(
      fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 12 })),
      { numRuns: arch === 'host' ? 12 : 4, seed: 42 },
    );
    for (const [size, rawCuts] of cases) {
      const data = randomBytes(size);
      writeFileSync(file, data);
      const cuts = [...new Set(rawCuts.map((c) => c % (size + 1)))].sort((a, b) => a - b);
      const out = await runJson(arch, ['chunks', file, cuts.join(',')]);
      const want = sha(data);
      expect(out, `size ${size} cuts ${cuts}`).toEqual({ view: want, buffer: want, viewRange: want });
    }
  });

  it.skipIf(!!skip)('hashes a 10 MB file and byte ranges of it like Node crypto, natively and in the JS fallback', async () => {
    const whole = await runJson(arch, ['file', tenMb, 'nojs']);
    expect(whole.providerNative).toBe(true);
    expect(whole.forcedJsNative).toBe(false);
    expect(whole.native).toBe(sha(tenMbData));
    // pure JS runs at ~0.1 MB/s under qemu: a smaller range there
    const [off, len] = arch === 'host' ? [123_457, 3 * 1024 * 1024 + 17] : [123_457, 100_003];
    const range = await runJson(arch, ['file', tenMb, 'js', String(off), String(len)]);
    expect(range.native).toBe(sha(tenMbData.subarray(off, off + len)));
    expect(range.js).toBe(range.native);
    const tail = await runJson(arch, ['file', tenMb, 'js', String(tenMbData.length - 5)]);
    expect(tail.native).toBe(sha(tenMbData.subarray(tenMbData.length - 5)));
    expect(tail.js).toBe(tail.native);
  }, 300_000);

  it.skipIf(!!skip)('reports every failure as a clear error (errno text, RangeError, TypeError)', async () => {
    const out = await runJson(arch, ['errors', dir]);
    expect(out.missingFile).toMatchObject({ threw: true, name: 'Error', errno: 2 });
    expect(out.missingFile.message).toMatch(/sha256File\(.*does-not-exist\): No such file or directory/);
    expect(out.shortRange).toMatchObject({ threw: true, name: 'RangeError' });
    expect(out.shortRange.message).toMatch(/ends 10 bytes before the requested range/);
    expect(out.updateAfterFinal).toMatchObject({ threw: true, name: 'TypeError' });
    expect(out.updateAfterFinal.message).toMatch(/already finalized/);
    expect(out.finalTwice).toMatchObject({ threw: true, name: 'TypeError' });
    expect(out.notAHandle).toMatchObject({ threw: true, name: 'TypeError' });
    expect(out.notBytes).toMatchObject({ threw: true, name: 'TypeError' });
    expect(out.notBytes.message).toMatch(/ArrayBuffer or a Uint8Array/);
    expect(out.rangePastEnd).toMatchObject({ threw: true, name: 'RangeError' });
    expect(out.fsyncBadFd).toMatchObject({ threw: true, errno: 9 });
    expect(out.fsyncBadFd.message).toBe('dmnative.fsync(987): Bad file descriptor');
    expect(out.fsyncNegative).toMatchObject({ threw: true, name: 'RangeError' });
    expect(out.fdatasyncBadFd).toMatchObject({ threw: true, errno: 9 });
    expect(out.fsyncOk).toEqual({ threw: false });
    expect(out.fdatasyncOk).toEqual({ threw: false });
    expect(out.fsyncPathDir).toEqual({ threw: false });
    expect(out.fsyncPathMissing).toMatchObject({ threw: true, errno: 2 });
    expect(out.statvfsMissing).toMatchObject({ threw: true, errno: 2 });
    const st = statfsSync(dir);
    const nodeFree = st.bavail * st.bsize;
    expect(Math.abs(out.statvfsFree - nodeFree)).toBeLessThan(Math.max(nodeFree * 0.01, 64 * 1024 * 1024));
  });

  it.skipIf(!!skip)('measures SHA-256 speed: native vs pure JS on qjs (printed for the report)', async () => {
    const out = await runJson(arch, ['bench', tenMb, String(arch === 'host' ? 4 * 1024 * 1024 : 256 * 1024)]);
    const t0 = process.hrtime.bigint();
    createHash('sha256').update(tenMbData).digest();
    const nodeMBps = 10 / (Number(process.hrtime.bigint() - t0) / 1e9);
    console.log(
      `[sha256 ${arch}] native file ${out.nativeFileMBps.toFixed(1)} MB/s, native memory ${out.nativeMemoryMBps.toFixed(1)} MB/s, ` +
        `pure JS (@noble/hashes) ${out.jsMBps.toFixed(2)} MB/s, Node crypto ${nodeMBps.toFixed(0)} MB/s`,
    );
    // The reason the module exists: native must be far faster than pure JS on the same interpreter.
    expect(out.nativeMemoryMBps).toBeGreaterThan(out.jsMBps * 5);
  }, 300_000);
});
