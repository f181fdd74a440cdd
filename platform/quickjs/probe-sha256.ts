// On-target probe for SHA-256 (dmnative and the pure-JS fallback) and the other dmnative functions.
//   vectors                    digests of the inputs (stdin: JSON array of hex strings); JS only up to 64 KiB
//   chunks <file> <n,n,...>    digest of the file fed in chunks split at the given offsets (views and buffers)
//   file <file> <js|nojs> [off len]   sha256File natively, and with the JS fallback when asked (slow under qemu)
//   bench <file> <jsBytes>     MB/s: native file, native in memory, pure JS in memory over the first jsBytes
//   errors <dir>               error behaviour of every dmnative function
import * as std from 'std';
import * as os from 'os';
import { hex, fromHex } from '../../src/bytes.js';
import { loadSha256, jsSha256, nativeSha256 } from './hash.js';
import { loadDmNative, type DmNative } from './native.js';
import { readBytes } from './files.js';
import { runProbe, catchError } from './probe.js';

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
  if (mode === 'vectors') {
    // items: hex strings, or {repeat: byte, count} for long inputs (hex-decoding 1 MB is slow under qemu)
    const inputs = JSON.parse(std.in.readAsString()) as (string | { repeat: number; count: number })[];
    const native = nativeSha256(await needNative());
    const js = jsSha256();
    return inputs.map((item) => {
      const data = typeof item === 'string' ? fromHex(item) : new Uint8Array(item.count).fill(item.repeat);
      // pure JS only on short inputs: the million-'a' vector takes ~10 s under qemu
      const jsDigest = data.length <= 65536 ? hex(js.create().update(data).digest()) : null;
      return { native: hex(native.create().update(data).digest()), js: jsDigest };
    });
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
