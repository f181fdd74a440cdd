// The request spool: how `dm-agent request` hands its request to the daemon that runs on the same state directory,
// instead of competing with it for the state lock (docs/handoff.md). One folder, `<stateDir>/requests`, one file per
// state of a request, each state entered by a rename, so that exactly one side wins every race:
//   <id>.request    written by the command (`<id>.request.tmp`, then renamed: the daemon never reads half a file);
//   <id>.taken      the daemon renamed the request to this before it runs it;
//   <id>.withdrawn  the command renamed the request to this when the daemon did not take it in time (then removed);
//   <id>.progress   the latest progress event of each phase of the running request (replaced by rename), for the
//                   command's own bar, 10% lines or JSON events;
//   <id>.answer     the outcome, written by the daemon (tmp + rename), read and removed by the command.
// Renames without fsync: each rename is there so that the other process sees a whole file or none. A power cut that
// undoes one only loses a request nobody waits for any more (the command died with the device); the update the
// request started is journaled by the jobs themselves (src/fumo/journal.ts), never through this folder.
import type { ProgressEvent, ProgressPhase } from '../ports/progress.js';
import type { SpoolFs } from '../ports/notification.js';
import type { RequestSpec } from './request-spec.js';
import { requestSpecFromJson } from './request-spec.js';
import { utf8Decode } from '../bytes.js';

export const REQUESTS_DIR = 'requests';

/** A request the command writes. `takeBy`: the daemon must not start it after this time (ms since the epoch). */
export interface HandedRequest {
  spec: RequestSpec;
  takeBy: number;
}

/** What the daemon answers: the report of src/cli/request-run.ts, or the error with its exit code. */
export type HandoffAnswer =
  | { ok: true; lines: string[]; summary: Record<string, unknown> }
  | { ok: false; error: string; exitCode: number; lines: string[] };

/**
 * The largest request file the daemon reads: a request is a few hundred bytes (its --data is a short vendor string),
 * and a file that is not one must not make the daemon read megabytes.
 */
export const MAX_REQUEST_BYTES = 64 * 1024;

/** Answers older than this are removed by the daemon: the command that waited for them is gone. */
export const ANSWER_KEEP_MS = 10 * 60 * 1000;
/** Temporary files older than this are left-overs of a writer that died. */
const TMP_KEEP_MS = 60 * 1000;

const ID = /^[0-9a-f]{8,64}$/;

function name(id: string, state: 'request' | 'taken' | 'withdrawn' | 'progress' | 'answer'): string {
  if (!ID.test(id)) throw new Error(`request id ${JSON.stringify(id)} is not hex`);
  return `${id}.${state}`;
}

async function writeWhole(fs: SpoolFs, dir: string, file: string, text: string): Promise<void> {
  await fs.writeText(`${dir}/${file}.tmp`, text);
  await fs.rename(`${dir}/${file}.tmp`, `${dir}/${file}`);
}

async function tryRename(fs: SpoolFs, from: string, to: string): Promise<boolean> {
  try {
    await fs.rename(from, to);
    return true;
  } catch {
    // ENOENT: the other side renamed it first. Any other failure also means "not ours": the caller checks the states.
    return false;
  }
}

async function readJson(fs: SpoolFs, path: string): Promise<unknown> {
  return JSON.parse(utf8Decode(await fs.read(path)));
}

// ---- the command's side ----

export async function handOver(fs: SpoolFs, dir: string, id: string, request: HandedRequest): Promise<void> {
  await fs.mkdirp(dir);
  await writeWhole(fs, dir, name(id, 'request'), JSON.stringify(request) + '\n');
}

/** True when the request was still waiting and is now withdrawn (the daemon will never run it). */
export async function withdraw(fs: SpoolFs, dir: string, id: string): Promise<boolean> {
  if (!(await tryRename(fs, `${dir}/${name(id, 'request')}`, `${dir}/${name(id, 'withdrawn')}`))) return false;
  await fs.remove(`${dir}/${name(id, 'withdrawn')}`);
  return true;
}

export type HandoffState = 'waiting' | 'taken' | 'answered' | 'gone';

export async function handoffState(fs: SpoolFs, dir: string, id: string): Promise<HandoffState> {
  // Looked at in the order a request moves (request -> taken -> answer; the answer is renamed into place before
  // `taken` is removed): a move between two looks only goes forward, so a missing file always means "later than
  // this". Nothing at all: the daemon dropped it (expired) or someone removed the folder.
  if (await fs.exists(`${dir}/${name(id, 'request')}`)) return 'waiting';
  if (await fs.exists(`${dir}/${name(id, 'taken')}`)) return 'taken';
  if (await fs.exists(`${dir}/${name(id, 'answer')}`)) return 'answered';
  return 'gone';
}

/** The answer, once written (null before). */
export async function readAnswer(fs: SpoolFs, dir: string, id: string): Promise<HandoffAnswer | null> {
  const path = `${dir}/${name(id, 'answer')}`;
  if (!(await fs.exists(path))) return null;
  return (await readJson(fs, path)) as HandoffAnswer;
}

/** The command has read the answer (and the last progress): nothing of the request stays. */
export async function forgetRequest(fs: SpoolFs, dir: string, id: string): Promise<void> {
  await fs.remove(`${dir}/${name(id, 'answer')}`);
  await fs.remove(`${dir}/${name(id, 'progress')}`);
}

/** The latest event of each phase, as the daemon last wrote them. */
export type ProgressByPhase = Partial<Record<ProgressPhase, ProgressEvent>>;

/** The latest progress events the daemon wrote, or null. */
export async function readProgress(fs: SpoolFs, dir: string, id: string): Promise<ProgressByPhase | null> {
  const path = `${dir}/${name(id, 'progress')}`;
  try {
    if (!(await fs.exists(path))) return null;
    const v = (await readJson(fs, path)) as ProgressByPhase;
    return v && typeof v === 'object' ? v : null;
  } catch {
    return null; // removed while read (the answer came): the answer is the next look
  }
}

// ---- the daemon's side ----

export interface TakenRequest {
  id: string;
  request: HandedRequest;
}

/**
 * Takes the oldest waiting request (renames it to `taken`), or returns null. A request past its `takeBy` is dropped
 * (its command has given up or died); one that cannot be read is answered with the reason (exit 8), so its command
 * hears why instead of waiting.
 */
export async function takeNextRequest(fs: SpoolFs, dir: string, now: number): Promise<TakenRequest | null> {
  let entries: { name: string; isFile: boolean; mtimeMs: number; size: number }[];
  try {
    entries = await fs.entries(dir);
  } catch {
    return null; // no folder yet: nothing was ever handed over
  }
  const waiting = entries.filter((e) => e.isFile && /\.request$/.test(e.name) && ID.test(e.name.slice(0, -'.request'.length)));
  waiting.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : 1));
  for (const e of waiting) {
    const id = e.name.slice(0, -'.request'.length);
    if (!(await tryRename(fs, `${dir}/${e.name}`, `${dir}/${name(id, 'taken')}`))) continue; // withdrawn meanwhile
    let request: HandedRequest;
    try {
      if (e.size > MAX_REQUEST_BYTES) throw new Error(`${e.size} bytes, more than the ${MAX_REQUEST_BYTES} a request may have`);
      const v = (await readJson(fs, `${dir}/${name(id, 'taken')}`)) as Record<string, unknown>;
      if (!v || typeof v !== 'object' || typeof v.takeBy !== 'number') throw new Error('takeBy must be a number');
      request = { spec: requestSpecFromJson(v.spec), takeBy: v.takeBy };
    } catch (err) {
      await answerRequest(fs, dir, id, { ok: false, error: `the daemon could not read the handed-over request: ${(err as Error).message}`, exitCode: 8, lines: [] });
      continue;
    }
    if (request.takeBy < now) {
      // Its command is withdrawing it at this moment, or has died: an answer, not a silent drop, for the first case.
      await answerRequest(fs, dir, id, { ok: false, error: 'the daemon took the request after the command stopped waiting; it was not run', exitCode: 9, lines: [] });
      continue;
    }
    return { id, request };
  }
  // Answers nobody collected (their command was killed) do not pile up.
  for (const e of entries) if (e.isFile && /\.answer$/.test(e.name) && now - e.mtimeMs > ANSWER_KEEP_MS) await fs.remove(`${dir}/${e.name}`);
  return null;
}

export async function answerRequest(fs: SpoolFs, dir: string, id: string, answer: HandoffAnswer): Promise<void> {
  await writeWhole(fs, dir, name(id, 'answer'), JSON.stringify(answer) + '\n');
  await fs.remove(`${dir}/${name(id, 'taken')}`);
}

export async function writeProgress(fs: SpoolFs, dir: string, id: string, events: ProgressByPhase): Promise<void> {
  await writeWhole(fs, dir, name(id, 'progress'), JSON.stringify(events));
}

/**
 * At the daemon's start: a request still `taken` was being run by a daemon that died (a crash, a power cut), so its
 * outcome is unknown: it is answered so (exit 1) for a command that may still wait. Old answers, withdrawn files and
 * temporary files nobody will read are removed. Returns the ids answered as interrupted.
 */
export async function sweepRequests(fs: SpoolFs, dir: string, now: number): Promise<string[]> {
  let entries: { name: string; isFile: boolean; mtimeMs: number }[];
  try {
    entries = await fs.entries(dir);
  } catch {
    return [];
  }
  const interrupted: string[] = [];
  for (const e of entries) {
    if (!e.isFile) continue;
    const m = /^([0-9a-f]+)\.(taken|answer|withdrawn|progress|request\.tmp|answer\.tmp|progress\.tmp)$/.exec(e.name);
    if (!m) continue;
    if (m[2] === 'taken') {
      interrupted.push(m[1]);
      await answerRequest(fs, dir, m[1], {
        ok: false,
        error: 'the daemon stopped while it ran this request (a crash or a restart); its outcome is unknown: see dm-agent status',
        exitCode: 1,
        lines: [],
      });
    } else if (m[2] === 'answer' ? now - e.mtimeMs > ANSWER_KEEP_MS : m[2] === 'withdrawn' || now - e.mtimeMs > TMP_KEEP_MS) {
      await fs.remove(`${dir}/${e.name}`);
    }
  }
  return interrupted;
}
