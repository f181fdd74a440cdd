// The hashing and read-back ports of the streamed install on Node: WriterFile.pread, WriterFs.sha256 with fromMedium
// (the read-back comes from the device, not the page cache: /proc/self/io read_bytes grows by the length; src/ports/
// writers.ts), its digests for unaligned ranges against node:crypto, and FumoAdapters.sha256() (Sha256Hasher with
// copy, src/ports/update.ts). A table over runtimes: each entry gives that runtime's ports.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { nodeWriterFs } from '../platform/node/writer-ports.js';
import { nodeFumoAdapters } from '../platform/node/fumo.js';
import type { WriterFs } from '../src/ports/writers.js';
import type { Sha256Hasher } from '../src/ports/update.js';

interface Runtime {
  name: string;
  fs: WriterFs;
  sha256(): Sha256Hasher;
}
const RUNTIMES: Runtime[] = [{ name: 'node', fs: nodeWriterFs, sha256: () => nodeFumoAdapters().sha256() }];

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const readBytes = () => Number((/read_bytes: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8')) as RegExpExecArray)[1]);

// A directory on a real disk: the read-back must reach the device. tmpfs has no medium (nothing to show).
const DISK = '/var/tmp';
const TMPFS_MAGIC = 0x01021994;
const onDisk = (() => {
  try {
    return statfsSync(DISK).type !== TMPFS_MAGIC;
  } catch (e) {
    return false;
  }
})();

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(onDisk ? DISK : '/tmp', 'dm-hash-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `bytes` through the port and fsyncs it, as a writer does before its read-back. */
async function written(fs: WriterFs, name: string, bytes: Uint8Array): Promise<string> {
  const file = path.join(dir, name);
  const f = await fs.open(file);
  await f.pwrite(bytes, 0);
  await f.sync();
  await f.close();
  return file;
}

for (const rt of RUNTIMES) {
  describe(`hashing ports on ${rt.name}`, () => {
    const image = new Uint8Array(randomBytes((8 << 20) + 1234));

    it('WriterFile.pread reads at an offset, short at the end, 0 past it', async () => {
      const file = await written(rt.fs, 'pread.bin', image.subarray(0, 100_000));
      const f = await rt.fs.open(file);
      try {
        const into = new Uint8Array(4096);
        expect(await f.pread(into, 12_345)).toBe(4096);
        expect(hex(into)).toBe(hex(image.subarray(12_345, 12_345 + 4096)));
        expect(await f.pread(into, 100_000 - 10)).toBe(10);
        expect(hex(into.subarray(0, 10))).toBe(hex(image.subarray(100_000 - 10, 100_000)));
        expect(await f.pread(into, 100_000)).toBe(0);
      } finally {
        await f.close();
      }
    });

    it.skipIf(!onDisk)(`sha256 fromMedium reads the device: read_bytes grows by about the length (${DISK} on a disk)`, async () => {
      const file = await written(rt.fs, 'medium.bin', image);
      const offset = 777;
      const length = image.length - 5000;
      const before = readBytes();
      const digest = await rt.fs.sha256(file, offset, length, { fromMedium: true });
      const grew = readBytes() - before;
      expect(hex(digest)).toBe(sha(image.subarray(offset, offset + length)));
      // Whole blocks around the range, and one block per alignment probe: about the length, never from the cache.
      expect(grew).toBeGreaterThanOrEqual(length);
      expect(grew).toBeLessThan(length + (1 << 20));
      // The same range without fromMedium comes from the page cache (the bytes were just written and read).
      const cached = readBytes();
      expect(hex(await rt.fs.sha256(file, offset, length))).toBe(hex(digest));
      expect(readBytes() - cached).toBeLessThan(length / 4);
    });

    it('sha256 with and without fromMedium equals node:crypto for unaligned offsets and lengths (each read-back from the device); a short file rejects', async () => {
      const file = await written(rt.fs, 'ranges.bin', image);
      const ranges: [number, number][] = [
        [0, image.length],
        [1, 4095],
        [4095, 1],
        [511, 513],
        [4096 * 3 + 7, (1 << 20) + 3],
        [(1 << 20) - 1, (2 << 20) + 2],
        [image.length - 1, 1],
        [image.length - 4100, 4100],
        [5000, 0],
      ];
      for (const [offset, length] of ranges) {
        const want = sha(image.subarray(offset, offset + length));
        for (const fromMedium of [true, false]) {
          const before = readBytes();
          expect(hex(await rt.fs.sha256(file, offset, length, { fromMedium })), `${offset}+${length} fromMedium=${fromMedium}`).toBe(want);
          // Even a 1-byte read-back goes to the device (a whole block), whatever the page cache holds.
          if (fromMedium && onDisk && length > 0) expect(readBytes() - before, `${offset}+${length} read from the medium`).toBeGreaterThanOrEqual(length);
        }
      }
      for (const fromMedium of [true, false])
        await expect(rt.fs.sha256(file, image.length - 10, 20, { fromMedium })).rejects.toThrow(/ended at/);
    });

    it('FumoAdapters.sha256(): incremental, and copy() digests a prefix while hashing goes on', () => {
      const h = rt.sha256();
      h.update(image.subarray(0, 1000));
      const prefix = h.copy();
      h.update(image.subarray(1000, 300_000));
      expect(hex(prefix.digest())).toBe(sha(image.subarray(0, 1000)));
      expect(hex(h.digest())).toBe(sha(image.subarray(0, 300_000)));
    });
  });
}
