// SHA-256 for the QuickJS runtime: native (dmnative, C, FIPS 180-4) when our qjs build is used, pure-JS
// @noble/hashes otherwise (a stock qjs). Firmware images must be hashed natively: pure JS runs at about
// 1.5 MB/s on QuickJS (docs/design.md "Checked facts"), see the figures in test/quickjs-sha256.test.ts.
import * as os from 'os';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2';
import { loadDmNative, type DmNative } from './native.js';
import { check } from './files.js';
import type { Sha256Hasher } from '../../src/ports/update.js';
import type { Sha256Handle } from 'dmnative';

/** Incremental hash; the same shape as @noble/hashes' `sha256.create()` so callers can take either. */
export interface Sha256 {
  update(data: Uint8Array): Sha256;
  /** The 32-byte digest. The hasher cannot be updated afterwards. */
  digest(): Uint8Array;
}

export interface Sha256Provider {
  /** True when hashing runs in C. */
  readonly native: boolean;
  create(): Sha256;
  /** Hashes a file, or `length` bytes from `offset` (an error when the file is shorter), in fixed-size chunks. */
  file(path: string, offset?: number, length?: number): Uint8Array;
  /** The port's incremental hasher (src/ports/update.ts Sha256Hasher), for the hash of a streamed image. */
  hasher(): Sha256Hasher;
}

type Sha256Copy = (handle: Sha256Handle) => Sha256Handle;

/**
 * A Sha256Hasher over a dmnative handle. copy() needs dmnative's sha256Copy (the state duplicated in C): a native
 * state cannot be read out to JS, so without it there is no copy, and copy() says so instead of hashing wrong.
 */
function nativeHasher(dm: DmNative, handle: Sha256Handle): Sha256Hasher {
  return {
    update: (bytes) => dm.sha256Update(handle, bytes),
    digest: () => new Uint8Array(dm.sha256Final(handle)),
    copy() {
      const copy = (dm as unknown as { sha256Copy?: Sha256Copy }).sha256Copy;
      if (typeof copy !== 'function') throw new Error('sha256 copy(): this qjs build has no dmnative.sha256Copy (rebuild qjs with scripts/build-qjs)');
      return nativeHasher(dm, copy(handle));
    },
  };
}

/** A Sha256Hasher over @noble/hashes (stock qjs): copy() is the library's clone(). */
function jsHasher(h: ReturnType<typeof nobleSha256.create>): Sha256Hasher {
  return {
    update: (bytes) => {
      h.update(bytes);
    },
    digest: () => h.digest(),
    copy: () => jsHasher(h.clone()),
  };
}

export function nativeSha256(dm: DmNative): Sha256Provider {
  return {
    native: true,
    create(): Sha256 {
      const handle = dm.sha256Init();
      const hasher: Sha256 = {
        update(data: Uint8Array) {
          dm.sha256Update(handle, data);
          return hasher;
        },
        digest: () => new Uint8Array(dm.sha256Final(handle)),
      };
      return hasher;
    },
    file: (path, offset, length) => new Uint8Array(dm.sha256File(path, offset, length)),
    hasher: () => nativeHasher(dm, dm.sha256Init()),
  };
}

export function jsSha256(): Sha256Provider {
  return {
    native: false,
    create(): Sha256 {
      const h = nobleSha256.create();
      const hasher: Sha256 = {
        update(data: Uint8Array) {
          h.update(data);
          return hasher;
        },
        digest: () => h.digest(),
      };
      return hasher;
    },
    hasher: () => jsHasher(nobleSha256.create()),
    file(path, offset = 0, length) {
      const fd = check('open', path, os.open(path, os.O_RDONLY));
      try {
        if (offset > 0) check('seek', path, os.seek(fd, offset, 0 /* SEEK_SET */));
        const h = nobleSha256.create();
        const buf = new ArrayBuffer(65536);
        let left = length === undefined ? Infinity : length;
        while (left > 0) {
          const n = check('read', path, os.read(fd, buf, 0, Math.min(buf.byteLength, left)));
          if (n === 0) {
            if (length === undefined) break;
            throw new RangeError(`sha256 file ${path}: file ends ${left} bytes before the requested range`);
          }
          h.update(new Uint8Array(buf, 0, n));
          left -= n;
        }
        return h.digest();
      } finally {
        os.close(fd);
      }
    },
  };
}

/** The native provider when dmnative is present, else pure JS. `forceJs` is for tests and comparisons. */
export async function loadSha256(options: { forceJs?: boolean } = {}): Promise<Sha256Provider> {
  const dm = options.forceJs ? null : await loadDmNative();
  return dm ? nativeSha256(dm) : jsSha256();
}
