// scripts/build-qjs: one qjs per architecture (host, arm64, armhf), stripped, with dmnative compiled in, reused
// from the cache when nothing changed, and a loud failure when the qjs.c patch anchors are missing.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleForQjs, ensureQjsAsync, qjsArches, repoRoot, runQjs, scratchDir, type QjsArch } from './support/qjs.js';

const script = path.join(repoRoot, 'scripts/build-qjs');
const dir = scratchDir('build');
const entry = path.join(dir, 'hello.js');

/** ELF facts: class, machine and whether a symbol table is left (i.e. not stripped). */
function elfFacts(file: string): { bits: number; machine: number; hasSymtab: boolean } {
  const b = readFileSync(file);
  expect(b.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
  const is64 = b[4] === 2;
  const u16 = (o: number) => b.readUInt16LE(o);
  const word = (o: number) => (is64 ? Number(b.readBigUInt64LE(o)) : b.readUInt32LE(o));
  const shoff = word(is64 ? 0x28 : 0x20);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  const shnum = u16(is64 ? 0x3c : 0x30);
  const shstrndx = u16(is64 ? 0x3e : 0x32);
  const sectionOffset = (i: number) => word(shoff + i * shentsize + (is64 ? 0x18 : 0x10));
  const strtab = sectionOffset(shstrndx);
  const names: string[] = [];
  for (let i = 0; i < shnum; i++) {
    const nameOff = b.readUInt32LE(shoff + i * shentsize);
    const start = strtab + nameOff;
    names.push(b.subarray(start, b.indexOf(0, start)).toString('latin1'));
  }
  return { bits: is64 ? 64 : 32, machine: u16(0x12), hasSymtab: names.indexOf('.symtab') >= 0 };
}

const EXPECTED: Record<QjsArch, { bits: number; machine: number }> = {
  host: process.arch === 'arm64' ? { bits: 64, machine: 183 } : { bits: 64, machine: 62 },
  aarch64: { bits: 64, machine: 183 }, // EM_AARCH64
  armhf: { bits: 32, machine: 40 }, // EM_ARM
};

beforeAll(async () => {
  writeFileSync(
    path.join(dir, 'hello.ts'),
    `import * as std from 'std';
import * as os from 'os';
// 64-bit time_t (build-qjs sets _TIME_BITS=64 for armhf): a file time after 2038 survives utimes + stat
const file = (globalThis as any).scriptArgs[1];
const f = std.open(file, 'w');
if (f) f.close();
const t2040 = Date.UTC(2040, 0, 1);
const utimes = os.utimes(file, t2040, t2040);
const [st, statErr] = os.stat(file);
import('dmnative').then((dm) => {
  std.out.puts(JSON.stringify({ platform: (os as any).platform, exports: Object.keys(dm).sort(), utimes, statErr, mtime2040: st.mtime === t2040 }));
});
`,
  );
  await bundleForQjs(path.join(dir, 'hello.ts'), entry);
});

describe.each(qjsArches())('build-qjs $arch', ({ arch, skip }) => {
  let bin = '';
  beforeAll(async () => {
    if (skip) return;
    const b = await ensureQjsAsync(arch);
    bin = b.path || '';
  }, 900_000);

  it.skipIf(!!skip)('produces a stripped binary for the right machine, with its cache key beside it', () => {
    const facts = elfFacts(bin);
    expect({ bits: facts.bits, machine: facts.machine }).toEqual(EXPECTED[arch]);
    expect(facts.hasSymtab).toBe(false);
    expect(readFileSync(path.join(path.dirname(bin), 'qjs.key'), 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    const seconds = readFileSync(path.join(path.dirname(bin), 'build-seconds'), 'utf8').trim();
    console.log(`[build-qjs ${arch}] ${statSync(bin).size} bytes stripped, last build ${seconds} s`);
  });

  it.skipIf(!!skip)('runs (under qemu for ARM) with std, os, dmnative and 64-bit file times', async () => {
    const r = await runQjs(arch, entry, [path.join(dir, `time-${arch}`)]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      platform: 'linux',
      exports: [
        ...['SIGUSR2', 'accept', 'fdatasync', 'fsync', 'fsyncPath', 'localPort', 'lockFile', 'notify', 'recv', 'recvFrom', 'send', 'sha256Copy', 'sha256File', 'sha256Final'],
        ...['sha256Impl', 'sha256Impls', 'sha256Init', 'sha256Update', 'sha256UpdateFile', 'sha256Use', 'shutdownWrite', 'statvfsFree', 'tcpListen', 'udpBind', 'unlockFile'],
      ],
      utimes: 0,
      statErr: 0,
      mtime2040: true,
    });
  });

  it.skipIf(!!skip)('reuses the cached binary when nothing changed', () => {
    const before = statSync(bin).mtimeMs;
    const t0 = Date.now();
    const r = spawnSync('bash', [script, arch], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/up to date/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(statSync(bin).mtimeMs).toBe(before);
  });
});

describe('build-qjs failures', () => {
  it('rejects an unknown architecture by name', () => {
    const r = spawnSync('bash', [script, 'mips'], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/unknown arch 'mips'/);
  });

  it.skipIf(!!qjsArches()[0].skip)('fails loudly, before building, when the qjs.c patch anchor is missing', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'build-qjs-'));
    try {
      const src = path.join(tmp, 'src');
      cpSync(path.join(repoRoot, 'node_modules/qjsc/deps/quickjs_2021_03_27'), src, { recursive: true });
      const qjsC = path.join(src, 'qjs.c');
      writeFileSync(qjsC, readFileSync(qjsC, 'utf8').replace('js_init_module_os(ctx, "os");', 'js_init_module_os(ctx, "os" );'));
      const r = spawnSync('bash', [script, 'host'], { encoding: 'utf8', env: { ...process.env, QJS_SRC: src, QJS_BUILD_DIR: path.join(tmp, 'build') } });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/patch anchor 'js_init_module_os\(ctx, "os"\);' not found in qjs.c/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it.skipIf(!!qjsArches()[0].skip)("fails loudly, before building, when os.exec's descriptor loop is not where the close_range patch expects it", () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'build-qjs-'));
    try {
      const src = path.join(tmp, 'src');
      cpSync(path.join(repoRoot, 'node_modules/qjsc/deps/quickjs_2021_03_27'), src, { recursive: true });
      const libc = path.join(src, 'quickjs-libc.c');
      writeFileSync(libc, readFileSync(libc, 'utf8').replace('for(i = 3; i < fd_max; i++)', 'for (i = 3; i < fd_max; i++)'));
      const r = spawnSync('bash', [script, 'host'], { encoding: 'utf8', env: { ...process.env, QJS_SRC: src, QJS_BUILD_DIR: path.join(tmp, 'build') } });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/patch anchor 'for\(i = 3; i < fd_max; i\+\+\)' not found exactly once in quickjs-libc.c/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
