// SHA-256 of files and byte streams on Node, in fixed 1 MiB reads so memory stays flat for any image size.

import { createHash, Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { Sha256Hasher } from '../../src/ports/update.js';

export const HASH_CHUNK = 1 << 20;

/** Incremental SHA-256 (node:crypto; the QuickJS twin lives in platform/quickjs/hash.ts). */
export class Sha256 implements Sha256Hasher {
  constructor(private readonly h: Hash = createHash('sha256')) {}
  update(bytes: Uint8Array): this {
    this.h.update(bytes);
    return this;
  }
  digest(): Uint8Array {
    return new Uint8Array(this.h.digest());
  }
  /** hash.copy(): the digest of a prefix while hashing goes on (Sha256Hasher.copy). */
  copy(): Sha256 {
    return new Sha256(this.h.copy());
  }
}

/** The one read buffer, lent to one sha256File at a time (a second one at the same time gets its own). */
let spare: Buffer | null = null;

/** Hashes `length` bytes of `file` from `offset` (whole file when length is omitted). */
export async function sha256File(file: string, offset = 0, length?: number): Promise<Uint8Array> {
  const fh = await open(file, 'r');
  const buf = spare || Buffer.allocUnsafe(HASH_CHUNK);
  spare = null;
  try {
    const end = length === undefined ? (await fh.stat()).size : offset + length;
    const h = createHash('sha256');
    let pos = offset;
    while (pos < end) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(HASH_CHUNK, end - pos), pos);
      if (bytesRead === 0) throw new Error(`${file} ended at ${pos}, expected ${end} bytes`);
      // A full read hashes the buffer itself: no view is made per chunk.
      h.update(bytesRead === HASH_CHUNK ? buf : buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
    return new Uint8Array(h.digest());
  } finally {
    spare = buf;
    await fh.close();
  }
}
