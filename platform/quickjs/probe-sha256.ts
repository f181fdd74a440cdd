// On-target probe for SHA-256 (dmnative and the pure-JS fallback) and the other dmnative functions.
//   vectors                    {impl, digests} of the inputs (stdin: JSON array of hex strings); JS only up to 64 KiB
//   chunks <file> <n,n,...>    digest of the file fed in chunks split at the given offsets (views and buffers)
//   file <file> <js|nojs> [off len]   sha256File natively, and with the JS fallback when asked (slow under qemu)
//   bench <file> <jsBytes>     MB/s: native file, native in memory, pure JS in memory over the first jsBytes
//   errors <dir>               error behaviour of every dmnative function
//   impls                      the SHA-256 path in use (sha256Impl) and the ones this CPU has (sha256Impls)
//   use                        sha256Use for every name, and the path each one leaves in use
//   copy <file> <n,n,...>      the file fed in chunks; a sha256Copy at each cut gives that prefix's digest
//   medium <file>              /proc/self/io read_bytes around sha256File without and with fromMedium
//   steps <file> <step>        the read-back in steps (medium-hash.ts, sha256UpdateFile): digests against one
//                              sha256File call, the bytes reported after each step, read_bytes, errors
//   speed <file> [impl,...]    MB/s of every path (or the listed ones): in memory, sha256File, and sha256UpdateFile
//                              in READ_BACK_STEP steps
//   readback <file> <runs>     MB/s of the read-back from the medium: one sha256File call against the steps of
//                              medium-hash.ts (alternated, best of runs; every read goes to the device)
// DMNATIVE_SHA256=<path> in the environment picks the path for the whole run (read once when dmnative loads).
import * as std from 'std';
import * as os from 'os';
import { hex, fromHex } from '../../src/bytes.js';
import { loadSha256, jsSha256, nativeSha256 } from './hash.js';
import { loadDmNative, type DmNative } from './native.js';
import { readBytes } from './files.js';
import { runProbe, catchError, catchErrorAsync } from './probe.js';
import { mediumSha256With, READ_BACK_STEP } from './medium-hash.js';

async function needNative(): Promise<DmNative> {
  const dm = await loadDmNative();
  if (!dm) throw new Error('dmnative is not compiled into this qjs');
  return dm;
}

function mustRead(path: string): Uint8Array {
  const b = readBytes(path);
  if (!b) throw new Error(`missing file ${path}`);
  return b;
}

runProbe(async (args) => {
  const mode = args[0];
  if (mode === 'impls') {
    const dm = await needNative();
    return { impl: dm.sha256Impl(), impls: dm.sha256Impls() };
  }
  if (mode === 'use') {
    const dm = await needNative();
    const names = ['sha-ni', 'armv8-ce', 'portable', 'auto'] as const;
    const out: Record<string, unknown> = {};
    for (const name of names) {
      const ok = dm.sha256Use(name);
      const h = dm.sha256Init();
      dm.sha256Update(h, new Uint8Array([0x61, 0x62, 0x63]));
      out[name] = { ok, impl: dm.sha256Impl(), abc: hex(new Uint8Array(dm.sha256Final(h))) };
    }
    out.bogus = catchError(() => dm.sha256Use('sha-3' as never));
    return out;
  }
  if (mode === 'copy') {
    const dm = await needNative();
    const data = mustRead(args[1]);
    const cuts = args[2] ? args[2].split(',').map(Number) : [];
    const h = dm.sha256Init();
    const prefixes: string[] = [];
    let at = 0;
    for (const cut of cuts) {
      dm.sha256Update(h, data.subarray(at, cut));
      at = cut;
      // a copy of a copy, finalized, must not disturb either the copy or the running hash
      const c = dm.sha256Copy(h);
      const cc = dm.sha256Copy(c);
      prefixes.push(hex(new Uint8Array(dm.sha256Final(c))));
      dm.sha256Update(cc, new Uint8Array(1));
      dm.sha256Final(cc);
    }
    dm.sha256Update(h, data.subarray(at));
    const whole = hex(new Uint8Array(dm.sha256Final(h)));
    return { impl: dm.sha256Impl(), prefixes, whole, copyAfterFinal: catchError(() => dm.sha256Copy(h)) };
  }
  if (mode === 'medium') {
    const dm = await needNative();
    const file = args[1];
    const readBytes = () => {
      const f = std.open('/proc/self/io', 'r');
      if (!f) throw new Error('/proc/self/io cannot be opened');
      const text = f.readAsString();
      f.close();
      const m = /read_bytes: (\d+)/.exec(text);
      if (!m) throw new Error(`no read_bytes in /proc/self/io: ${text}`);
      return Number(m[1]);
    };
    const r0 = readBytes();
    const cached = hex(new Uint8Array(dm.sha256File(file)));
    const r1 = readBytes();
    const medium = hex(new Uint8Array(dm.sha256File(file, 0, undefined, true)));
    const r2 = readBytes();
    // after the read-back the file must not be in the cache: a plain hash reads it from the device again
    const after = hex(new Uint8Array(dm.sha256File(file)));
    const r3 = readBytes();
    const range = hex(new Uint8Array(dm.sha256File(file, 1000, 4097, true)));
    return { impl: dm.sha256Impl(), cached, medium, after, range, readCached: r1 - r0, readMedium: r2 - r1, readAfter: r3 - r2 };
  }
  if (mode === 'steps') {
    const dm = await needNative();
    const file = args[1];
    const step = Number(args[2]);
    const [st, err] = os.stat(file);
    if (err !== 0) throw new Error(`stat ${file}: errno ${err}`);
    const size = st.size;
    const readBytes = () => {
      const f = std.open('/proc/self/io', 'r');
      if (!f) throw new Error('/proc/self/io cannot be opened');
      const m = /read_bytes: (\d+)/.exec(f.readAsString());
      f.close();
      if (!m) throw new Error('no read_bytes in /proc/self/io');
      return Number(m[1]);
    };
    const oneCall = hex(new Uint8Array(dm.sha256File(file, 0, size, true)));
    const cached = hex(new Uint8Array(dm.sha256File(file))); // a plain hash: the file is in the cache again
    const r0 = readBytes();
    const done: number[] = [];
    const stepped = hex(await mediumSha256With(dm, file, 0, size, { step, onProgress: (n) => done.push(n) }));
    const r1 = readBytes();
    const after = hex(new Uint8Array(dm.sha256File(file)));
    const r2 = readBytes();
    // a range that starts and ends off the step (and page) boundaries
    const [off, len] = [1000, Math.min(size - 1000, 3 * step + 4097)];
    const rangeDone: number[] = [];
    const range = hex(await mediumSha256With(dm, file, off, len, { step, onProgress: (n) => rangeDone.push(n) }));
    const rangeOneCall = hex(new Uint8Array(dm.sha256File(file, off, len, true)));
    // a dmnative built before sha256UpdateFile: the one-call read-back, no progress in between
    const older = Object.assign({}, dm, { sha256UpdateFile: undefined }) as unknown as DmNative;
    const olderDone: number[] = [];
    const olderBuild = hex(await mediumSha256With(older, file, off, len, { step, onProgress: (n) => olderDone.push(n) }));
    const empty = hex(await mediumSha256With(dm, file, size, 0, { step }));
    const shortFile = await catchErrorAsync(() => mediumSha256With(dm, file, 0, size + 10, { step }));
    const fromPastOffset = catchError(() => dm.sha256UpdateFile(dm.sha256Init(), file, 0, 10, 5));
    const noLength = catchError(() => (dm.sha256UpdateFile as unknown as (h: unknown, p: string, o: number) => void)(dm.sha256Init(), file, 0));
    return {
      size, oneCall, cached, stepped, after, done, range, rangeOneCall, rangeDone, olderBuild, olderDone, empty, shortFile, fromPastOffset, noLength,
      readStepped: r1 - r0, readAfter: r2 - r1,
    };
  }
  if (mode === 'speed') {
    const dm = await needNative();
    const file = args[1];
    const want = args[2] ? args[2].split(',') : dm.sha256Impls();
    const data = mustRead(file);
    const mb = data.length / 1e6;
    const time = (f: () => unknown) => {
      const t0 = Date.now();
      f();
      return Math.max(Date.now() - t0, 1) / 1000;
    };
    const out: { impl: string; memoryMBps: number; fileMBps: number; stepsMBps?: number; stepsDigest?: string; digest: string }[] = [];
    for (const impl of want) {
      if (!dm.sha256Use(impl as never)) continue;
      let digest = '';
      const memS = time(() => {
        const h = dm.sha256Init();
        dm.sha256Update(h, data);
        digest = hex(new Uint8Array(dm.sha256Final(h)));
      });
      const fileS = time(() => dm.sha256File(file));
      const row: (typeof out)[number] = { impl, memoryMBps: mb / memS, fileMBps: mb / fileS, digest };
      if (typeof dm.sha256UpdateFile === 'function') {
        const stepsS = time(() => {
          const h = dm.sha256Init();
          for (let at = 0; at < data.length; at += READ_BACK_STEP) dm.sha256UpdateFile(h, file, at, Math.min(READ_BACK_STEP, data.length - at));
          row.stepsDigest = hex(new Uint8Array(dm.sha256Final(h)));
        });
        row.stepsMBps = mb / stepsS;
      }
      out.push(row);
    }
    dm.sha256Use('auto');
    return { bytes: data.length, results: out };
  }
  if (mode === 'readback') {
    const dm = await needNative();
    const file = args[1];
    const runs = Number(args[2] || 3);
    const [st, err] = os.stat(file);
    if (err !== 0) throw new Error(`stat ${file}: errno ${err}`);
    const mb = st.size / 1e6;
    let one = Infinity;
    let steps = Infinity;
    let digests: string[] = [];
    for (let i = 0; i < runs; i++) {
      let t0 = Date.now();
      const a = hex(new Uint8Array(dm.sha256File(file, 0, st.size, true)));
      one = Math.min(one, Math.max(Date.now() - t0, 1) / 1000);
      t0 = Date.now();
      const b = hex(await mediumSha256With(dm, file, 0, st.size));
      steps = Math.min(steps, Math.max(Date.now() - t0, 1) / 1000);
      digests = [a, b];
    }
    return { bytes: st.size, oneCallMBps: mb / one, stepsMBps: mb / steps, digests };
  }
  if (mode === 'vectors') {
    // items: hex strings, or {repeat: byte, count} for long inputs (hex-decoding 1 MB is slow under qemu)
    const inputs = JSON.parse(std.in.readAsString()) as (string | { repeat: number; count: number })[];
    const native = nativeSha256(await needNative());
    const js = jsSha256();
    const digests = inputs.map((item) => {
      const data = typeof item === 'string' ? fromHex(item) : new Uint8Array(item.count).fill(item.repeat);
      // pure JS only on short inputs: the million-'a' vector takes ~10 s under qemu
      const jsDigest = data.length <= 65536 ? hex(js.create().update(data).digest()) : null;
      return { native: hex(native.create().update(data).digest()), js: jsDigest };
    });
    return { impl: (await needNative()).sha256Impl(), digests };
  }
  if (mode === 'chunks') {
    const dm = await needNative();
    const data = mustRead(args[1]);
    const cuts = args[2] ? args[2].split(',').map(Number) : [];
    const bounds = [0].concat(cuts, [data.length]);
    // 1. Uint8Array views (non-zero byteOffset), 2. the whole ArrayBuffer with offset/length arguments,
    // 3. a view plus offset/length relative to the view.
    const hView = dm.sha256Init();
    const hBuf = dm.sha256Init();
    const hViewRange = dm.sha256Init();
    const copy = new Uint8Array(data.length + 7);
    copy.set(data, 7);
    const shifted = copy.subarray(7);
    for (let i = 0; i + 1 < bounds.length; i++) {
      const a = bounds[i];
      const b = bounds[i + 1];
      dm.sha256Update(hView, shifted.subarray(a, b));
      dm.sha256Update(hBuf, copy.buffer as ArrayBuffer, 7 + a, b - a);
      dm.sha256Update(hViewRange, shifted, a, b - a);
    }
    return {
      impl: dm.sha256Impl(),
      view: hex(new Uint8Array(dm.sha256Final(hView))),
      buffer: hex(new Uint8Array(dm.sha256Final(hBuf))),
      viewRange: hex(new Uint8Array(dm.sha256Final(hViewRange))),
    };
  }
  if (mode === 'file') {
    const offset = args[3] === undefined ? undefined : Number(args[3]);
    const length = args[4] === undefined ? undefined : Number(args[4]);
    const auto = await loadSha256();
    const forced = await loadSha256({ forceJs: true });
    return {
      providerNative: auto.native,
      forcedJsNative: forced.native,
      native: hex(nativeSha256(await needNative()).file(args[1], offset, length)),
      js: args[2] === 'js' ? hex(forced.file(args[1], offset, length)) : null,
    };
  }
  if (mode === 'bench') {
    const path = args[1];
    const native = nativeSha256(await needNative());
    const js = jsSha256();
    const data = mustRead(path);
    const mb = data.length / (1024 * 1024);
    const time = (f: () => unknown) => {
      const t0 = Date.now();
      f();
      return Math.max(Date.now() - t0, 1) / 1000;
    };
    const fileS = time(() => native.file(path));
    const memS = time(() => native.create().update(data).digest());
    const jsBytes = data.subarray(0, Math.min(data.length, Number(args[2]))); // pure JS is slow: a part is enough
    const jsS = time(() => js.create().update(jsBytes).digest());
    return {
      bytes: data.length,
      nativeFileMBps: mb / fileS,
      nativeMemoryMBps: mb / memS,
      jsMBps: jsBytes.length / (1024 * 1024) / jsS,
    };
  }
  if (mode === 'errors') {
    const dm = await needNative();
    const dir = args[1];
    const done = dm.sha256Init();
    dm.sha256Final(done);
    const fd = os.open(`${dir}/fsync-me`, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644);
    const fsyncOk = catchError(() => dm.fsync(fd));
    const fdatasyncOk = catchError(() => dm.fdatasync(fd));
    os.close(fd);
    return {
      missingFile: catchError(() => dm.sha256File(`${dir}/does-not-exist`)),
      shortRange: catchError(() => dm.sha256File(`${dir}/fsync-me`, 0, 10)),
      updateAfterFinal: catchError(() => dm.sha256Update(done, new Uint8Array(1))),
      finalTwice: catchError(() => dm.sha256Final(done)),
      notAHandle: catchError(() => dm.sha256Update({} as never, new Uint8Array(1))),
      notBytes: catchError(() => dm.sha256Update(dm.sha256Init(), 'text' as never)),
      rangePastEnd: catchError(() => dm.sha256Update(dm.sha256Init(), new Uint8Array(4), 2, 3)),
      fsyncBadFd: catchError(() => dm.fsync(987)),
      fsyncNegative: catchError(() => dm.fsync(-1)),
      fdatasyncBadFd: catchError(() => dm.fdatasync(987)),
      fsyncOk,
      fdatasyncOk,
      fsyncPathDir: catchError(() => dm.fsyncPath(dir)),
      fsyncPathMissing: catchError(() => dm.fsyncPath(`${dir}/does-not-exist`)),
      statvfsFree: dm.statvfsFree(dir),
      statvfsMissing: catchError(() => dm.statvfsFree(`${dir}/does-not-exist`)),
    };
  }
  throw new Error(`unknown mode ${mode}`);
});
