// The read-back hash of WriterFs.sha256(..., { fromMedium: true }) on QuickJS (src/ports/writers.ts): the bytes must
// come from the device, not from the page cache the writer just filled, or a write the medium lost would still hash
// right (docs/update-practice.md §10 step 4).
//   dmnative    sha256UpdateFile(handle, path, offset, length, mediumFrom) in steps of READ_BACK_STEP bytes:
//               posix_fadvise(POSIX_FADV_DONTNEED) on the range, then a plain read, in C; the bytes done are reported
//               after each step (the read-back is a progress phase, src/agent/read-back-progress.ts). A dmnative
//               built before it has only sha256File(path, offset, length, true), the same read in one call (no
//               progress in between); one older still (sha256File's declared arity below 4) hashes only through
//               the cache, so it is not used for this.
//   otherwise   `dd iflag=direct` (O_DIRECT: the cache is bypassed) piped into `sha256sum`; O_DIRECT wants aligned
//               reads, so dd reads whole blocks from an aligned start and `tail`/`head` cut the range out. When
//               O_DIRECT is refused (tmpfs has no medium; BusyBox dd built without iflag=direct) the range is read
//               plainly, which is all such a file system or tool can offer.

import { exec } from './files.js';
import { loadDmNative, type DmNative } from './native.js';

const MiB = 1 << 20;

/**
 * Bytes of the read-back hashed per dmnative call, with progress after each. A step costs one open and one readahead
 * hint more than a single call, against ~3 ms of hashing 4 MiB at 1.4 GB/s (SHA-NI) and far more on a device's eMMC:
 * steps this large leave the read-back as fast as one call (README.md "Measured"), and a 16 MiB image still shows
 * four of them.
 */
export const READ_BACK_STEP = 4 * MiB;

type MediumSha256File = (path: string, offset: number, length: number, fromMedium: boolean) => ArrayBuffer;

// $1 file, $2 block size, $3 blocks to skip, $4 blocks to read, $5 bytes to drop first, $6 bytes to hash, $7 dd flag.
// dd's failure is reported on stderr (a pipeline's status is its last command's); `cat` drains what head leaves, so
// dd never dies of SIGPIPE.
const MEDIUM_HASH_SCRIPT =
  '{ dd if="$1" $7 bs="$2" skip="$3" count="$4" || echo "dd-failed" >&2; } | ' +
  '{ tail -c +"$(($5 + 1))" | head -c "$6" | sha256sum; cat >/dev/null; }';

/** One dd run; null when dd failed (O_DIRECT refused), else the digest. */
async function ddSha256(path: string, offset: number, length: number, direct: boolean): Promise<Uint8Array | null> {
  // Whole 1 MiB blocks when the range starts on one (the usual offset 0), else 4 KiB ones: O_DIRECT reads must start
  // on an aligned offset and have an aligned length; the last one may end short at the end of the file.
  const bs = offset % MiB === 0 ? MiB : 4096;
  const skip = Math.floor(offset / bs);
  const lead = offset - skip * bs;
  const count = Math.ceil((lead + length) / bs);
  const r = await exec(['sh', '-c', MEDIUM_HASH_SCRIPT, 'sh', path, String(bs), String(skip), String(count), String(lead), String(length), direct ? 'iflag=direct' : '']);
  if (/dd-failed/.test(r.stderr)) {
    if (direct) return null;
    throw new Error(`sha256 ${path}: dd failed: ${r.stderr.replace(/dd-failed/, '').trim().slice(0, 200)}`);
  }
  // GNU and BusyBox dd both end with "<n> bytes ... copied": the file must hold the whole range.
  const copied = /(\d+) bytes/.exec(r.stderr);
  if (!copied || Number(copied[1]) < lead + length) {
    throw new RangeError(`sha256 ${path}: file ends before the requested range (${offset} + ${length} bytes)`);
  }
  const m = /^([0-9a-f]{64})\b/.exec(r.stdout);
  if (r.code !== 0 || !m) throw new Error(`sha256 ${path}: sha256sum failed (exit ${r.code}): ${r.stderr.trim().slice(0, 200)}`);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(m[1].substr(i * 2, 2), 16);
  return out;
}

/** The same without dmnative: dd with O_DIRECT, else a plain read (exported for the tests of a stock qjs's path). */
export async function ddMediumSha256(path: string, offset: number, length: number): Promise<Uint8Array> {
  return (await ddSha256(path, offset, length, true)) || (ddSha256(path, offset, length, false) as Promise<Uint8Array>);
}

export interface MediumHashOptions {
  /** Told the bytes hashed so far after each step. */
  onProgress?(done: number): void;
  /** Bytes per step (READ_BACK_STEP; smaller only in tests, to have several steps over a small file). */
  step?: number;
}

/** The read-back through a given dmnative (null: none), exported so a test can hand it one without sha256UpdateFile. */
export async function mediumSha256With(dm: DmNative | null, path: string, offset: number, length: number, o: MediumHashOptions = {}): Promise<Uint8Array> {
  const updateFile = dm ? (dm as Partial<DmNative>).sha256UpdateFile : undefined;
  if (dm && typeof updateFile === 'function') {
    const step = o.step && o.step > 0 ? o.step : READ_BACK_STEP;
    const h = dm.sha256Init();
    let at = 0;
    // At least one call, even for an empty range: the first step is the one that syncs and drops the cache.
    do {
      const n = Math.min(step, length - at);
      updateFile(h, path, offset + at, n, offset);
      at += n;
      if (o.onProgress) o.onProgress(at);
    } while (at < length);
    return new Uint8Array(dm.sha256Final(h));
  }
  const f = dm ? (dm.sha256File as unknown as MediumSha256File) : null;
  if (f && f.length >= 4) return new Uint8Array(f(path, offset, length, true));
  return ddMediumSha256(path, offset, length);
}

/** SHA-256 of `length` bytes of `path` from `offset`, as the medium holds them; rejects when the file is shorter. */
export async function mediumSha256(path: string, offset: number, length: number, o: MediumHashOptions = {}): Promise<Uint8Array> {
  return mediumSha256With(await loadDmNative(), path, offset, length, o);
}
