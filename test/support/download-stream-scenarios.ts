// The streamed package GET (Downloader.fetch) and hash-while-staging (FetchHooks.onBody) scenarios of
// test/download-stream.test.ts, written once over the ports (src/ports/update.ts) so that the same code runs inside
// qjs (test/download-stream.qjs-entry.ts) and in the Node test process. Runtime-free: what differs per runtime comes
// in through StreamEnv. Each scenario returns plain JSON; the test asserts on it.

import type { Downloader, FetchHead, FetchRequest, Sha256Hasher } from '../../src/ports/update.js';
import type { WriterFs } from '../../src/ports/writers.js';

export interface StreamEnv {
  /** The runtime's downloader, with its defaults. */
  downloader(): Downloader;
  /** The runtime's downloader with its fsyncs of the staged file counted. */
  countingDownloader(): { downloader: Downloader; fsyncs(): number };
  /** The runtime's SHA-256 (FumoAdapters.sha256). */
  sha256(): Sha256Hasher;
  sleep(ms: number): Promise<void>;
  now(): number;
  /** Peak resident set of this process in KiB (VmHWM), or null where it cannot be told. */
  peakRssKiB(): number | null;
  /** The runtime's writer ports' file system (pread, the read-back hash). */
  writerFs(): WriterFs;
}

export interface ScenarioArgs {
  /** The object to GET (the transfer scenarios). */
  url?: string;
  offset?: number;
  ifRange?: string;
  maxFileSize?: number;
  /** Per-chunk delay of a slow onBody (ms). */
  slowMs?: number;
  /** onBody rejects at this chunk (1-based). */
  rejectAt?: number;
  /** fetchToFile destination. */
  file?: string;
  /** How many transfers (returns-at-exit scenario), bytes (hash scenarios). */
  count?: number;
  /** fetchToFile's SyncCadence. */
  sync?: { bytes: number; ms: number };
  /** The no-op consumer hashes what it gets (sink scenario). */
  hash?: boolean;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => (x < 16 ? '0' : '') + x.toString(16)).join('');

const request = (a: ScenarioArgs, extra: Partial<FetchRequest> = {}): FetchRequest =>
  Object.assign({ url: a.url as string, offset: a.offset || 0, connectTimeoutMs: 5000, idleTimeoutMs: 10000 }, a.ifRange ? { ifRange: a.ifRange } : {}, extra);

/** Error → JSON: its name, TransferError kind, message. */
function failure(e: unknown) {
  const x = e as { name?: string; kind?: string; message?: string };
  return { name: x && x.name, kind: x && x.kind, message: x && x.message };
}

/**
 * A streamed GET that hashes every chunk (after the onBody's own delay, so a buffer reused while the promise is
 * pending hashes wrong), counts chunks handed on while another was still pending, and records whether any chunk came
 * before onResponse had resolved (onResponse takes 30 ms).
 */
async function stream(env: StreamEnv, d: Downloader, r: FetchRequest, a: ScenarioArgs) {
  const h = env.sha256();
  const heads: number[] = [];
  let responded = false;
  let earlyBody = 0;
  let chunks = 0;
  let bytes = 0;
  let pending = 0;
  let maxPending = 0;
  const rejection = new Error(`slot write failed at chunk ${a.rejectAt}`);
  let error: unknown = null;
  let result: { status: number; headers: Record<string, string>; received: number } | null = null;
  try {
    result = await d.fetch(r, {
      onResponse: async (head: FetchHead) => {
        heads.push(head.status);
        await env.sleep(30);
        responded = true;
      },
      onBody: async (b) => {
        if (!responded) earlyBody++;
        chunks++;
        pending++;
        maxPending = Math.max(maxPending, pending);
        try {
          if (a.rejectAt !== undefined && chunks >= a.rejectAt) throw rejection;
          if (a.slowMs) await env.sleep(a.slowMs);
          h.update(b);
          bytes += b.length;
        } finally {
          pending--;
        }
      },
    });
  } catch (e) {
    error = e;
  }
  return {
    result: result && { status: result.status, received: result.received },
    heads,
    earlyBody,
    chunks,
    bytes,
    maxPending,
    sha256: hex(h.digest()),
    error: error === null ? null : failure(error),
    rethrownAsIs: error === rejection,
  };
}

export const SCENARIOS: Record<string, (env: StreamEnv, a: ScenarioArgs) => Promise<unknown>> = {
  stream: (env, a) => stream(env, env.downloader(), request(a, a.maxFileSize !== undefined ? { maxFileSize: a.maxFileSize } : {}), a),

  /** Streams to a consumer that drops the body (after hashing it with `hash`); the peak RSS and the rate. */
  async sink(env, a) {
    const t0 = env.now();
    const h = a.hash ? env.sha256() : null;
    let received = 0;
    const r = await env.downloader().fetch(request(a), {
      onResponse: async () => undefined,
      onBody: (b) => {
        if (h) h.update(b);
        received += b.length;
      },
    });
    const ms = env.now() - t0;
    return { status: r.status, received, ms, peakRssKiB: env.peakRssKiB(), sha256: h && hex(h.digest()) };
  },

  /** fetchToFile with `sync` (SyncCadence): how many fsyncs of the staged file, and how long it took. */
  async cadence(env, a) {
    const { downloader, fsyncs } = env.countingDownloader();
    const t0 = env.now();
    const r = await downloader.fetchToFile(Object.assign(request(a), { file: a.file as string, sync: a.sync }), { onResponse: async () => undefined });
    return { status: r.status, fileSize: r.fileSize, fsyncs: fsyncs(), ms: env.now() - t0 };
  },

  /** fetchToFile with onBody: the hash of what onBody saw, for comparison with the file's bytes. */
  async toFile(env, a) {
    const h = env.sha256();
    let seen = 0;
    const r = await env.downloader().fetchToFile(Object.assign(request(a), { file: a.file as string }), {
      onResponse: async () => undefined,
      onBody: (b) => {
        h.update(b);
        seen += b.length;
      },
    });
    return { status: r.status, fileSize: r.fileSize, seen, sha256: hex(h.digest()) };
  },

  /**
   * `count` fetchToFile and `count` fetch of a tiny object: how long they took (a transfer that waits for a watcher
   * tick after curl has exited takes at least that tick each).
   */
  async returnsAtExit(env, a) {
    const d = env.downloader();
    const t0 = env.now();
    for (let i = 0; i < (a.count || 1); i++) {
      await d.fetchToFile(Object.assign(request(a), { file: a.file as string }), { onResponse: async () => undefined });
      await d.fetch(request(a), { onResponse: async () => undefined, onBody: () => undefined });
    }
    return { transfers: 2 * (a.count || 1), ms: env.now() - t0 };
  },

  /**
   * Sha256Hasher.copy(): the digest of a prefix while hashing goes on. `size` bytes of the pattern byte(i) = i * 7 &
   * 255, copied after `offset` of them.
   */
  async hasherCopy(env, a) {
    const all = pattern(a.count || 0);
    const h = env.sha256();
    h.update(all.subarray(0, a.offset || 0));
    let prefix: string | null = null;
    let copyError: unknown = null;
    try {
      const c = h.copy();
      prefix = hex(c.digest());
    } catch (e) {
      copyError = failure(e);
    }
    h.update(all.subarray(a.offset || 0));
    return { full: hex(h.digest()), prefix, copyError };
  },

  /**
   * The writer ports on a file of `count` pattern bytes: WriterFile.pread at a few offsets (its end and past it
   * included) and WriterFs.sha256 of a few ranges from the page cache and from the medium, and of one too long.
   */
  async writerPorts(env, a) {
    const fs = env.writerFs();
    const size = a.count || 0;
    const file = a.file as string;
    const f = await fs.open(file);
    await f.pwrite(pattern(size), 0);
    await f.sync();
    const buf = new Uint8Array(65536);
    const reads: { offset: number; n: number; sha256: string }[] = [];
    for (const offset of [0, 1_000_000, size - 1000, size]) {
      const n = await f.pread(buf, offset);
      const h = env.sha256();
      h.update(buf.subarray(0, n));
      reads.push({ offset, n, sha256: hex(h.digest()) });
    }
    await f.close();
    const ranges: { offset: number; length: number; fromMedium: boolean; sha256?: string; error?: unknown }[] = [];
    for (const fromMedium of [false, true]) {
      for (const [offset, length] of [
        [0, size],
        [4096, size - 5000],
        [100, 3000],
        [1 << 20, size - (1 << 20)],
        [0, size + 1],
      ]) {
        try {
          ranges.push({ offset, length, fromMedium, sha256: hex(await fs.sha256(file, offset, length, { fromMedium })) });
        } catch (e) {
          ranges.push({ offset, length, fromMedium, error: failure(e) });
        }
      }
    }
    return { reads, ranges };
  },
};

/** Deterministic test bytes: byte i is i * 7 & 255. */
export function pattern(size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (i * 7) & 255;
  return b;
}
