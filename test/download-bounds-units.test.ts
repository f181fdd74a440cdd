// The pieces of the download bounds without a network: the `download` config section, the space budget decided
// before the first request, the low-speed meter both adapters use, and the reference server's --fault option.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config.js';
import { DOWNLOAD_DEFAULTS, downloadLimits, parseDownloadConfig } from '../src/update/download-config.js';
import { STATE_RESERVE_BYTES, downloadBudget } from '../src/update/space.js';
import { LowSpeedMeter } from '../src/update/low-speed.js';
import { UpdateError } from '../src/update/errors.js';
import type { StagingFiles } from '../src/ports/update.js';
import { parseArgs, UsageError } from '../scripts/server/cli.js';
import { parseFumoConfig } from '../src/agent/fumo-config.js';
import { parseScomoConfig } from '../src/scomo/config.js';
import { fumoResultFor } from '../src/fumo/result-codes.js';

describe('download config', () => {
  it('has documented defaults: 100 B/s over 120 s, 7 retries, 6 h, sync every 32 MiB or 2 s', () => {
    expect(parseDownloadConfig({})).toEqual({ lowSpeedBytesPerSec: 100, lowSpeedSeconds: 120, retries: 7, deadlineSeconds: 21600, syncEveryMiB: 32, syncEverySeconds: 2 });
    expect(downloadLimits(DOWNLOAD_DEFAULTS).sync).toEqual({ bytes: 32 << 20, ms: 2000 });
    expect(downloadLimits(parseDownloadConfig({ syncEveryMiB: 4, syncEverySeconds: 0 })).sync).toEqual({ bytes: 4 << 20, ms: Number.MAX_SAFE_INTEGER });
    expect(() => parseDownloadConfig({ syncEveryMiB: 0 })).toThrow(/download\.syncEveryMiB.*between 1 and 4096/);
    expect(downloadLimits(DOWNLOAD_DEFAULTS)).toMatchObject({
      lowSpeed: { bytesPerSecond: 100, windowMs: 120_000 },
      idleTimeoutMs: 120_000,
      backoff: { maxAttempts: 8 },
      deadlineMs: 21_600_000,
    });
    expect(downloadLimits({ ...DOWNLOAD_DEFAULTS, deadlineSeconds: 0 }).deadlineMs).toBeUndefined();
  });

  it.each([
    [{ lowSpeedBytes: 1 }, /download\.lowSpeedBytes: unknown key/],
    [{ lowSpeedSeconds: 0 }, /download\.lowSpeedSeconds: must be between 1 and 86400, got 0/],
    [{ retries: 1.5 }, /download\.retries: must be an integer/],
    [{ deadlineSeconds: '6h' }, /download\.deadlineSeconds: must be an integer, got "6h"/],
  ])('refuses %j naming the key', (section, msg) => {
    expect(() => parseDownloadConfig(section as Record<string, unknown>)).toThrow(ConfigError);
    expect(() => parseDownloadConfig(section as Record<string, unknown>)).toThrow(msg);
  });

  it('fumo.maxPackageSize and scomo.maxPackageSize are positive byte counts', () => {
    expect(parseFumoConfig({ maxPackageSize: 1000 }, '/s').maxPackageSize).toBe(1000);
    expect(parseFumoConfig({}, '/s').maxPackageSize).toBeUndefined();
    expect(() => parseFumoConfig({ maxPackageSize: 0 }, '/s')).toThrow(/fumo\.maxPackageSize: must be a positive integer/);
    expect(() => parseFumoConfig({ maxPackageSize: '1G' }, '/s')).toThrow(/fumo\.maxPackageSize/);
    expect(parseScomoConfig({ enabled: true, maxPackageSize: 5 }, '/s').maxPackageSize).toBe(5);
    expect(() => parseScomoConfig({ enabled: true, maxPackageSize: -1 }, '/s')).toThrow(/scomo\.maxPackageSize/);
  });
});

function staging(free: number, have: number | null = null): StagingFiles {
  return {
    size: async () => have,
    freeBytes: async () => free,
  } as unknown as StagingFiles;
}

async function codeOf(p: Promise<unknown>): Promise<number | string> {
  try {
    return String(await p);
  } catch (e) {
    if (e instanceof UpdateError) return fumoResultFor(e);
    throw e;
  }
}

describe('space budget before the first request', () => {
  const MB = 1 << 20;
  it('an announced size is exact and must fit; a cap bounds an unknown size and must fit too', async () => {
    expect(await downloadBudget(staging(100 * MB), '/s/f', { expectedSize: 10 * MB, maxSize: 50 * MB })).toBe(10 * MB);
    expect(await downloadBudget(staging(100 * MB), '/s/f', { maxSize: 50 * MB })).toBe(50 * MB);
    expect(await codeOf(downloadBudget(staging(100 * MB), '/s/f', { expectedSize: 60 * MB, maxSize: 50 * MB }))).toBe(501);
    expect(await codeOf(downloadBudget(staging(40 * MB), '/s/f', { maxSize: 50 * MB }))).toBe(501);
    // A resumed partial file already holds part of it.
    expect(await downloadBudget(staging(40 * MB, 20 * MB), '/s/f', { maxSize: 50 * MB })).toBe(50 * MB);
  });

  it('without a size or a cap: the free space minus the reserve for the agent state', async () => {
    expect(await downloadBudget(staging(10 * MB), '/s/f', {})).toBe(10 * MB - STATE_RESERVE_BYTES);
    expect(await codeOf(downloadBudget(staging(STATE_RESERVE_BYTES), '/s/f', {}))).toBe(501);
  });
});

describe('low-speed meter', () => {
  it('aborts a window below the floor, keeps one at or above it', () => {
    const m = new LowSpeedMeter({ bytesPerSecond: 100, windowMs: 2000 }, 0);
    m.add(150);
    expect(m.check(1000)).toBeNull(); // window not over yet
    m.add(60);
    expect(m.check(2000)).toBeNull(); // 210 B in 2 s = 105 B/s
    m.add(10_000); // a burst early in the next window does not carry over into the one after
    expect(m.check(4000)).toBeNull();
    expect(m.check(6000)).toMatch(/0 B\/s, below 100 B\/s for 2000 ms/);
  });
});

describe('dm-server --fault', () => {
  it('maps every mode and refuses a malformed one', () => {
    const { opts } = parseArgs(['--fault', 'fw.bin:endless', '--fault', 'b.bin:oversize=10', '--fault', 'c.bin:trickle=200', '--fault', 'd.bin:stall=5', '--fault', 'd.bin:delay=7']);
    expect(opts.faults).toEqual({
      'fw.bin': { endless: true },
      'b.bin': { oversizeBytes: 10 },
      'c.bin': { trickleBytesPerSec: 200 },
      'd.bin': { stallAfterBytes: 5, delayMs: 7 },
    });
    expect(() => parseArgs(['--fault', 'fw.bin:trickle'])).toThrow(UsageError);
    expect(() => parseArgs(['--fault', 'fw.bin:slow=3'])).toThrow(/endless, oversize, trickle, stall/);
    expect(() => parseArgs(['--fault', 'no-mode'])).toThrow(/NAME:MODE/);
  });
});
