// The spool folder on Node: the file operations of src/notification/spool.ts over node:fs, and a poll loop.
// Polling (not fs.watch) because inotify misses files on some network and overlay file systems, an SMS daemon writes
// a handful of files a day, and the same loop runs on QuickJS (platform/quickjs/notify-spool.ts).
import { promises as fsp } from 'node:fs';
import type { Log } from '../../src/ports/runtime.js';
import type { NotificationReceiver } from '../../src/ports/notification.js';
import { processSpoolOnce, type SpoolFileResult, type SpoolFs } from '../../src/notification/spool.js';

export const nodeSpoolFs: SpoolFs = {
  async entries(dir) {
    const names = await fsp.readdir(dir);
    const out: { name: string; isFile: boolean; mtimeMs: number; size: number }[] = [];
    for (const name of names) {
      try {
        const st = await fsp.stat(`${dir}/${name}`);
        out.push({ name, isFile: st.isFile(), mtimeMs: st.mtimeMs, size: st.size });
      } catch {
        // gone since readdir
      }
    }
    return out;
  },
  async read(path) {
    return new Uint8Array(await fsp.readFile(path));
  },
  rename: (from, to) => fsp.rename(from, to),
  async mkdirp(dir) {
    await fsp.mkdir(dir, { recursive: true });
  },
  async exists(path) {
    try {
      await fsp.lstat(path);
      return true;
    } catch {
      return false;
    }
  },
  writeText: (path, text) => fsp.writeFile(path, text),
  remove: (path) => fsp.rm(path, { force: true }),
};

export interface SpoolWatcherOptions {
  dir: string;
  pollMs?: number;
  settleMs?: number;
  intake: NotificationReceiver;
  log: Log;
  onPass?: (results: SpoolFileResult[]) => void;
}

export class SpoolWatcher {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<SpoolFileResult[]> | undefined;
  private stopped = true;

  constructor(private readonly options: SpoolWatcherOptions) {}

  /** Creates the folder when missing and starts polling (first pass at once). */
  async start(): Promise<void> {
    await fsp.mkdir(this.options.dir, { recursive: true });
    this.stopped = false;
    this.options.log.log('info', 'watching the notification spool folder', { dir: this.options.dir, pollMs: this.pollMs });
    this.schedule(0);
  }

  /** One pass now (waits for a running one first, so passes never overlap). */
  async pollOnce(): Promise<SpoolFileResult[]> {
    while (this.running) await this.running.catch(() => undefined);
    const o = this.options;
    this.running = processSpoolOnce(nodeSpoolFs, o.intake, { dir: o.dir, now: Date.now(), settleMs: o.settleMs === undefined ? 1000 : o.settleMs, log: o.log });
    try {
      const r = await this.running;
      if (o.onPass) o.onPass(r);
      return r;
    } finally {
      this.running = undefined;
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running) await this.running.catch(() => undefined);
  }

  private get pollMs(): number {
    return this.options.pollMs === undefined ? 2000 : this.options.pollMs;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.pollOnce()
        .catch((e) => this.options.log.log('error', 'notification spool pass failed', { dir: this.options.dir, error: String(e) }))
        .then(() => this.schedule(this.pollMs));
    }, ms);
  }
}
