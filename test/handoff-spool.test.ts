// The request spool's protocol (src/cli/handoff.ts, docs/handoff.md) over an in-memory folder whose rename fails when
// the source is gone, as rename(2) does: every race between the command and the daemon has exactly one winner.
import { describe, expect, it } from 'vitest';
import type { SpoolFs } from '../src/ports/notification.js';
import { utf8Decode, utf8Encode } from '../src/bytes.js';
import {
  ANSWER_KEEP_MS,
  MAX_REQUEST_BYTES,
  answerRequest,
  forgetRequest,
  handOver,
  handoffState,
  readAnswer,
  sweepRequests,
  takeNextRequest,
  withdraw,
  writeProgress,
  readProgress,
} from '../src/cli/handoff.js';
import { requestSpecFromJson, requestSpecFromOptions, type RequestSpec } from '../src/cli/request-spec.js';

const DIR = '/state/requests';

function memoryFs(now: { t: number }) {
  const files = new Map<string, { text: string; mtimeMs: number }>();
  const fs: SpoolFs = {
    async entries(dir) {
      if (![...files.keys()].some((p) => p.startsWith(dir + '/'))) throw new Error(`ENOENT ${dir}`);
      return [...files.entries()].filter(([p]) => p.startsWith(dir + '/')).map(([p, f]) => ({ name: p.slice(dir.length + 1), isFile: true, mtimeMs: f.mtimeMs, size: f.text.length }));
    },
    async read(p) {
      const f = files.get(p);
      if (!f) throw new Error(`ENOENT ${p}`);
      return utf8Encode(f.text);
    },
    async rename(a, b) {
      const f = files.get(a);
      if (!f) throw new Error(`ENOENT: rename ${a}`);
      files.delete(a);
      files.set(b, f);
    },
    async mkdirp() {},
    async exists(p) {
      return files.has(p);
    },
    async writeText(p, t) {
      files.set(p, { text: t, mtimeMs: now.t });
    },
    async remove(p) {
      files.delete(p);
    },
  };
  return { fs, names: () => [...files.keys()].map((p) => p.slice(DIR.length + 1)).sort(), files };
}

const spec: RequestSpec = { origin: 'user', target: { kind: 'fumo' }, xml: false, retry: true };

describe('request spool', () => {
  it('hand over, take, answer, read: one request from end to end leaves nothing behind', async () => {
    const now = { t: 1000 };
    const m = memoryFs(now);
    await handOver(m.fs, DIR, 'aa11bb22', { spec, takeBy: 6000 });
    expect(m.names()).toEqual(['aa11bb22.request']);
    expect(await handoffState(m.fs, DIR, 'aa11bb22')).toBe('waiting');
    const taken = await takeNextRequest(m.fs, DIR, 2000);
    expect(taken).toEqual({ id: 'aa11bb22', request: { spec, takeBy: 6000 } });
    expect(await handoffState(m.fs, DIR, 'aa11bb22')).toBe('taken');
    // Too late to withdraw: the daemon won the rename.
    expect(await withdraw(m.fs, DIR, 'aa11bb22')).toBe(false);
    await writeProgress(m.fs, DIR, 'aa11bb22', { download: { phase: 'download', done: 5, total: 10 } });
    expect(await readProgress(m.fs, DIR, 'aa11bb22')).toEqual({ download: { phase: 'download', done: 5, total: 10 } });
    await answerRequest(m.fs, DIR, 'aa11bb22', { ok: true, lines: ['a'], summary: { ok: true } });
    expect(await handoffState(m.fs, DIR, 'aa11bb22')).toBe('answered');
    expect(await readAnswer(m.fs, DIR, 'aa11bb22')).toEqual({ ok: true, lines: ['a'], summary: { ok: true } });
    await forgetRequest(m.fs, DIR, 'aa11bb22');
    expect(m.names()).toEqual([]);
  });

  it('withdrawn before the daemon looks: never taken, never run', async () => {
    const m = memoryFs({ t: 0 });
    await m.fs.writeText(`${DIR}/cc33.request`, JSON.stringify({ spec, takeBy: 5000 }));
    await handOver(m.fs, DIR, 'dd44dd44', { spec: { ...spec, origin: 'device' }, takeBy: 5000 });
    expect(await withdraw(m.fs, DIR, 'dd44dd44')).toBe(true);
    expect(await withdraw(m.fs, DIR, 'dd44dd44')).toBe(false);
    expect(await handoffState(m.fs, DIR, 'dd44dd44')).toBe('gone');
    // cc33 is not hex of 8 or more: not a request of ours, left alone.
    expect(await takeNextRequest(m.fs, DIR, 1000)).toBeNull();
    expect(m.names()).toEqual(['cc33.request']);
  });

  it('oldest first; one past its take-by time is answered exit 9, not run', async () => {
    const now = { t: 100 };
    const m = memoryFs(now);
    await handOver(m.fs, DIR, '0000000b', { spec, takeBy: 500 });
    now.t = 50;
    await handOver(m.fs, DIR, '0000000a', { spec: { ...spec, origin: 'device' }, takeBy: 500 });
    now.t = 200;
    await handOver(m.fs, DIR, '0000000c', { spec, takeBy: 10_000 });
    const first = await takeNextRequest(m.fs, DIR, 400);
    expect(first && first.id).toBe('0000000a');
    const next = await takeNextRequest(m.fs, DIR, 600);
    expect(next && next.id).toBe('0000000c');
    expect(await readAnswer(m.fs, DIR, '0000000b')).toEqual({ ok: false, error: 'the daemon took the request after the command stopped waiting; it was not run', exitCode: 9, lines: [] });
  });

  it('a request file the daemon cannot read is answered exit 8 naming what is wrong', async () => {
    const m = memoryFs({ t: 0 });
    await m.fs.writeText(`${DIR}/abcdef01.request`, '{"spec":{"origin":"user","target":{"kind":"fumo","nodes":"x"},"xml":false,"retry":true},"takeBy":9}');
    await m.fs.writeText(`${DIR}/abcdef02.request`, 'not json');
    expect(await takeNextRequest(m.fs, DIR, 0)).toBeNull();
    const a = await readAnswer(m.fs, DIR, 'abcdef01');
    expect(a).toMatchObject({ ok: false, exitCode: 8 });
    expect(a && !a.ok && a.error).toBe('the daemon could not read the handed-over request: handed-over request: unknown field target.nodes');
    expect(await readAnswer(m.fs, DIR, 'abcdef02')).toMatchObject({ ok: false, exitCode: 8 });
    // A file far bigger than any request is not read at all.
    await m.fs.writeText(`${DIR}/abcdef03.request`, JSON.stringify({ spec: { ...spec, data: 'x'.repeat(MAX_REQUEST_BYTES) }, takeBy: 9 }));
    expect(await takeNextRequest(m.fs, DIR, 0)).toBeNull();
    const big = await readAnswer(m.fs, DIR, 'abcdef03');
    expect(big && !big.ok && big.error).toMatch(/^the daemon could not read the handed-over request: \d+ bytes, more than the 65536 a request may have$/);
  });

  it('at the daemon start: a taken request is answered as interrupted; stale answers, withdrawn and temporary files go', async () => {
    const now = { t: 0 };
    const m = memoryFs(now);
    await m.fs.writeText(`${DIR}/11111111.taken`, JSON.stringify({ spec, takeBy: 1 }));
    await m.fs.writeText(`${DIR}/22222222.answer`, '{}');
    await m.fs.writeText(`${DIR}/44444444.withdrawn`, '{}');
    await m.fs.writeText(`${DIR}/55555555.request.tmp`, '{');
    now.t = ANSWER_KEEP_MS;
    await m.fs.writeText(`${DIR}/33333333.answer`, '{}');
    expect(await sweepRequests(m.fs, DIR, ANSWER_KEEP_MS + 1)).toEqual(['11111111']);
    expect(m.names()).toEqual(['11111111.answer', '33333333.answer']);
    const a = JSON.parse(utf8Decode(await m.fs.read(`${DIR}/11111111.answer`)));
    expect(a).toMatchObject({ ok: false, exitCode: 1 });
    expect(a.error).toMatch(/its outcome is unknown/);
    // Answers nobody collected are also dropped while the daemon runs.
    expect(await takeNextRequest(m.fs, DIR, 3 * ANSWER_KEEP_MS)).toBeNull();
    expect(m.names()).toEqual([]);
  });
});

describe('request spec', () => {
  it('the command line and the spool file give the same spec; unknown or mistyped fields are refused', () => {
    const s = requestSpecFromOptions([], { user: true, component: 'fw-tools', data: 'x', server: 'http://h/dm', 'no-retry': true });
    expect(s).toEqual({ origin: 'user', target: { kind: 'scomo', component: 'fw-tools' }, data: 'x', serverUrl: 'http://h/dm', xml: false, retry: false });
    expect(requestSpecFromJson(JSON.parse(JSON.stringify(s)))).toEqual(s);
    expect(() => requestSpecFromJson({ ...s, extra: 1 })).toThrow('handed-over request: unknown field "extra"');
    expect(() => requestSpecFromJson({ ...s, origin: 'robot' })).toThrow('origin must be "user" or "device"');
    expect(() => requestSpecFromJson({ ...s, data: 5 })).toThrow('data must be a string');
    expect(() => requestSpecFromJson({ ...s, target: { kind: 'scomo', node: './FUMO' } })).toThrow('unknown field target.node');
    expect(() => requestSpecFromOptions([], { device: true, user: true })).toThrow('exactly one of --device or --user');
  });
});
