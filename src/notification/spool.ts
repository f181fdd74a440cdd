// The spool folder an SMS daemon (smstools, gammu-smsd) drops received binary SMS into: one file per notification,
// in any form envelope.ts understands. One pass handles every settled file: accepted (or duplicate) files move to
// done/, refused ones to bad/ with a `<name>.reason.txt` beside them; when the queue is full the file stays and the
// next pass tries again, so nothing the daemon delivered is lost. The runtime adapters (platform/node/notify-spool.ts,
// platform/quickjs/notify-spool.ts) supply the file operations and the polling.
import type { NotificationReceipt, NotificationReceiver, SpoolFs } from '../ports/notification.js';
export type { SpoolFs } from '../ports/notification.js';
import type { Log } from '../ports/runtime.js';
import { NotificationError } from './errors.js';
import type { NotificationVia } from './queue.js';


export const SPOOL_DONE = 'done';
export const SPOOL_BAD = 'bad';
/** Hex text of the largest package 0 in a WSP push with an SMS header block fits easily. */
export const MAX_SPOOL_FILE_BYTES = 64 * 1024;

export interface SpoolFileResult {
  name: string;
  outcome: NotificationReceipt['outcome'] | 'skipped';
  /** Where the file went, relative to the spool dir ('done/x', 'bad/x'), or undefined when it stayed. */
  movedTo?: string;
  reason?: string;
}

export interface SpoolPassOptions {
  dir: string;
  now: number;
  /** Files modified less than this long ago may still be being written (smstools writes in place). */
  settleMs: number;
  log: Log;
  /**
   * Newest files kept in done/ and in bad/ (default 200 each, reason files included): a replayed or junk flood must
   * not fill the disk; the log keeps the record of what came.
   */
  keepFiles?: number;
  /** How a file arrived, from its name (QuickJS socat helpers write `udp-*` / `http-*`); default 'spool'. */
  viaFor?: (name: string) => NotificationVia;
}

/** The names platform/quickjs/notify-socket.ts gives the files its helpers write. */
export function viaFromHelperName(name: string): NotificationVia {
  return /^udp-/.test(name) ? 'udp' : /^http-/.test(name) ? 'http' : 'spool';
}

/** True for names a writer uses while it is still writing, and for our own folders. */
function ignored(name: string): boolean {
  return name[0] === '.' || name === SPOOL_DONE || name === SPOOL_BAD || /\.(tmp|part|LOCK|lock)$/.test(name);
}

async function moveUnique(fs: SpoolFs, dir: string, name: string, sub: string): Promise<string> {
  await fs.mkdirp(`${dir}/${sub}`);
  let target = `${sub}/${name}`;
  for (let i = 1; await fs.exists(`${dir}/${target}`); i++) target = `${sub}/${name}.${i}`;
  await fs.rename(`${dir}/${name}`, `${dir}/${target}`);
  return target;
}

export const DEFAULT_KEEP_FILES = 200;

/** Removes the oldest files of `dir` beyond `keep`. */
async function prune(fs: SpoolFs, dir: string, keep: number): Promise<number> {
  const files = (await fs.entries(dir)).filter((e) => e.isFile);
  if (files.length <= keep) return 0;
  files.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const drop = files.slice(0, files.length - keep);
  for (const f of drop) await fs.remove(`${dir}/${f.name}`);
  return drop.length;
}

/** One pass over the spool folder, oldest files first. */
export async function processSpoolOnce(fs: SpoolFs, intake: NotificationReceiver, o: SpoolPassOptions): Promise<SpoolFileResult[]> {
  const entries = (await fs.entries(o.dir)).filter((e) => e.isFile && !ignored(e.name));
  entries.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const results: SpoolFileResult[] = [];
  for (const e of entries) {
    if (o.now - e.mtimeMs < o.settleMs) {
      results.push({ name: e.name, outcome: 'skipped', reason: 'still settling' });
      continue;
    }
    let result: NotificationReceipt;
    if (e.size > MAX_SPOOL_FILE_BYTES) {
      const error = new NotificationError('too-large', 'size', `spool file has ${e.size} bytes, the limit is ${MAX_SPOOL_FILE_BYTES}`);
      o.log.log('warn', 'notification dropped', { via: 'spool', from: e.name, field: error.field, code: error.code, reason: error.message });
      result = { outcome: 'rejected', error };
    } else {
      let bytes: Uint8Array;
      try {
        bytes = await fs.read(`${o.dir}/${e.name}`);
      } catch (err) {
        // Vanished between listing and reading (another consumer, or the writer renamed it): next pass decides.
        results.push({ name: e.name, outcome: 'skipped', reason: `read failed: ${err instanceof Error ? err.message : String(err)}` });
        continue;
      }
      result = intake.receive(bytes, o.viaFor ? o.viaFor(e.name) : 'spool', e.name);
    }
    if (result.outcome === 'full') {
      results.push({ name: e.name, outcome: 'full', reason: 'queue full; kept for the next pass' });
      continue;
    }
    if (result.outcome === 'rejected') {
      const movedTo = await moveUnique(fs, o.dir, e.name, SPOOL_BAD);
      await fs.writeText(`${o.dir}/${movedTo}.reason.txt`, `${result.error.code} ${result.error.message}\n`);
      results.push({ name: e.name, outcome: 'rejected', movedTo, reason: result.error.message });
      continue;
    }
    const movedTo = await moveUnique(fs, o.dir, e.name, SPOOL_DONE);
    results.push({ name: e.name, outcome: result.outcome, movedTo });
  }
  if (results.some((r) => r.movedTo !== undefined)) {
    const keep = o.keepFiles === undefined ? DEFAULT_KEEP_FILES : o.keepFiles;
    for (const sub of [SPOOL_DONE, SPOOL_BAD]) {
      if (!(await fs.exists(`${o.dir}/${sub}`))) continue;
      const removed = await prune(fs, `${o.dir}/${sub}`, keep);
      if (removed > 0) o.log.log('info', 'old notification files removed from the spool', { dir: `${o.dir}/${sub}`, removed, keep });
    }
  }
  return results;
}
