// The notification spool folder on QuickJS: the file operations of src/notification/spool.ts over `os`/`std`, and a
// poll loop on the `os` event loop (QuickJS has no inotify binding and no global timers). On a qjs without dmnative's
// sockets this is also where UDP and HTTP notifications end up: socat helpers write them here (notify-socket.ts).
import * as os from 'os';
import type { Log } from '../../src/ports/runtime.js';
import type { NotificationReceiver } from '../../src/ports/notification.js';
import { processSpoolOnce, viaFromHelperName, type SpoolFileResult, type SpoolFs } from '../../src/notification/spool.js';
import { check, exists, listDir, mkdirp, readBytes, removeFile, writeText } from './files.js';

export const qjsSpoolFs: SpoolFs = {
  entries(dir) {
    const out: { name: string; isFile: boolean; mtimeMs: number; size: number }[] = [];
    for (const name of listDir(dir)) {
      const [st, err] = os.stat(`${dir}/${name}`);
      if (err !== 0) continue; // gone since readdir
      // QuickJS gives mtime in milliseconds
      out.push({ name, isFile: (st.mode & os.S_IFMT) === os.S_IFREG, mtimeMs: st.mtime, size: st.size });
    }
    return Promise.resolve(out);
  },
  read(path) {
    const b = readBytes(path);
    return b === null ? Promise.reject(new Error(`${path}: no such file`)) : Promise.resolve(b);
  },
  rename(from, to) {
    check('rename', from, os.rename(from, to));
    return Promise.resolve();
  },
  mkdirp(dir) {
    mkdirp(dir);
    return Promise.resolve();
  },
  exists(path) {
    return Promise.resolve(exists(path));
  },
  writeText(path, text) {
    writeText(path, text);
    return Promise.resolve();
  },
  remove(path) {
    removeFile(path);
    return Promise.resolve();
  },
};

export interface QjsSpoolWatcherOptions {
  dir: string;
  pollMs?: number;
  settleMs?: number;
  intake: NotificationReceiver;
  log: Log;
  onPass?: (results: SpoolFileResult[]) => void;
}

export class QjsSpoolWatcher {
  private timer: unknown = null;
  private running = false;
  private stopped = true;

  constructor(private readonly options: QjsSpoolWatcherOptions) {}

  /** Creates the folder when missing and starts polling (first pass at once). */
  start(): void {
    mkdirp(this.options.dir);
    this.stopped = false;
    this.options.log.log('info', 'watching the notification spool folder', { dir: this.options.dir, pollMs: this.pollMs });
    this.schedule(0);
  }

  /** One pass now; an empty result when a pass is already running. */
  async pollOnce(): Promise<SpoolFileResult[]> {
    if (this.running) return [];
    this.running = true;
    const o = this.options;
    try {
      const r = await processSpoolOnce(qjsSpoolFs, o.intake, { dir: o.dir, now: Date.now(), settleMs: o.settleMs === undefined ? 1000 : o.settleMs, log: o.log, viaFor: viaFromHelperName });
      if (o.onPass) o.onPass(r);
      return r;
    } finally {
      this.running = false;
    }
  }

  close(): void {
    this.stopped = true;
    if (this.timer !== null) os.clearTimeout(this.timer);
    this.timer = null;
  }

  private get pollMs(): number {
    return this.options.pollMs === undefined ? 2000 : this.options.pollMs;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = os.setTimeout(() => {
      this.timer = null;
      this.pollOnce()
        .catch((e) => this.options.log.log('error', 'notification spool pass failed', { dir: this.options.dir, error: String(e) }))
        .then(() => this.schedule(this.pollMs));
    }, ms);
  }
}
