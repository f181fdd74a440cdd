// A model of the kernel page cache for power-cut tests: an in-memory file system under one root path whose writes,
// truncates, creates, links, renames and unlinks are volatile until fsync. A file's data becomes durable at fsync of
// that file (fsync / fdatasync of any handle on it); a name (create, link, rename, unlink) becomes durable at fsync of
// its directory (open(dir) + sync()). That is the POSIX worst case (fsync(2): "Calling fsync() does not necessarily
// ensure that the entry in the directory containing the file has also reached disk"), the one ext4 with
// data=writeback, XFS and most flash file systems can show after a power cut.
//
// It implements the subset of node:fs/promises the Node adapters use (platform/node/storage.ts, download.ts,
// hash.ts, writer-ports.ts), so the PRODUCTION adapters and the core above them (DurableStore, FUMO
// journal and outbox, download staging, slot writes) run on it unchanged: a test routes node:fs/promises to it with
// vi.mock (see routeFs below), paths outside the root still reach the real file system.
//
// Every mutating call (and every fsync) is one cut point: `cutAt = N` makes the N-th one throw PowerCut before it
// happens, and from then on every call throws (the power stays off: no cleanup write sneaks through). `crash(choice)`
// then builds what the next boot sees from the durable image plus the unsynced operations, in their order:
//   'drop'   none of them (the cache was lost),
//   'keep'   all of them (the cache happened to be written back just before the cut),
//   'prefix' the first half of them, the one in the middle cut half-way when it is a write (a torn write).
// Simplification (said here so nobody relies on it): directories are created durably (mkdir), and renames across
// directories are refused; the production paths rename within one directory and run on provisioned directories.

export class PowerCut extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PowerCut';
  }
}

export type CrashChoice = 'drop' | 'keep' | 'prefix';
export const CRASH_CHOICES: CrashChoice[] = ['drop', 'keep', 'prefix'];

type Op =
  | { k: 'write'; ino: number; pos: number; bytes: Uint8Array }
  | { k: 'trunc'; ino: number; len: number }
  | { k: 'link'; dir: string; path: string; ino: number }
  | { k: 'unlink'; dir: string; path: string }
  | { k: 'rename'; dir: string; from: string; to: string };

interface Image {
  names: Map<string, number>;
  data: Map<number, Uint8Array>;
}

function cloneImage(i: Image): Image {
  return { names: new Map(i.names), data: new Map(i.data) };
}

function dirOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.substring(0, i);
}

function norm(p: string): string {
  const parts: string[] = [];
  for (const s of p.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') parts.pop();
    else parts.push(s);
  }
  return '/' + parts.join('/');
}

function apply(img: Image, op: Op, tornAt?: number): void {
  switch (op.k) {
    case 'write': {
      const bytes = tornAt === undefined ? op.bytes : op.bytes.subarray(0, tornAt);
      const old = img.data.get(op.ino) || new Uint8Array(0);
      const end = Math.max(old.length, op.pos + bytes.length);
      const next = new Uint8Array(end);
      next.set(old);
      next.set(bytes, op.pos);
      img.data.set(op.ino, next);
      return;
    }
    case 'trunc': {
      const old = img.data.get(op.ino) || new Uint8Array(0);
      const next = new Uint8Array(op.len);
      next.set(old.subarray(0, Math.min(old.length, op.len)));
      img.data.set(op.ino, next);
      return;
    }
    case 'link':
      img.names.set(op.path, op.ino);
      return;
    case 'unlink':
      img.names.delete(op.path);
      return;
    case 'rename': {
      const ino = img.names.get(op.from);
      if (ino === undefined) return; // its create was not durable: nothing to move
      img.names.delete(op.from);
      img.names.set(op.to, ino);
      return;
    }
  }
}

function errno(code: string, syscall: string, p: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: ${syscall} '${p}'`) as NodeJS.ErrnoException;
  e.code = code;
  e.syscall = syscall;
  e.path = p;
  return e;
}

const isNameOp = (op: Op): op is Extract<Op, { dir: string }> => op.k === 'link' || op.k === 'unlink' || op.k === 'rename';

export class PageCache {
  /** What the page cache (and so every reader) sees now. */
  private cache: Image = { names: new Map(), data: new Map() };
  /** What is on the medium. */
  private durable: Image = { names: new Map(), data: new Map() };
  /** Operations in the cache but not yet on the medium, oldest first. */
  private pending: Op[] = [];
  private readonly dirs = new Set<string>();
  /** Size of each inode at its last fsync. */
  private readonly synced = new Map<number, number>();
  private nextIno = 1;
  /** Handles of an earlier boot are dead. */
  private generation = 0;
  /** Cut points passed so far (all boots), and their labels. */
  count = 0;
  readonly points: string[] = [];
  off = false;
  cutLabel: string | null = null;
  cutAt: number | null = null;
  /** Told of every write (path, position): tests check where a resumed write starts. */
  onWrite: ((path: string, pos: number) => void) | null = null;

  constructor(readonly root: string) {
    this.root = norm(root);
    for (let d = this.root; ; d = dirOf(d)) {
      this.dirs.add(d);
      if (d === '/') break;
    }
  }

  owns(p: string): boolean {
    const n = norm(p);
    return n === this.root || n.startsWith(this.root + '/');
  }

  /** One cut point (also used for writes outside the model, e.g. the U-Boot env through fw_setenv). */
  step(label: string): void {
    if (this.off) throw new PowerCut(`power is off (${label})`);
    this.count++;
    this.points.push(label);
    if (this.cutAt !== null && this.count === this.cutAt) {
      this.off = true;
      this.cutLabel = label;
      throw new PowerCut(`power cut at #${this.count} (${label})`);
    }
  }

  private alive(): void {
    if (this.off) throw new PowerCut('power is off');
  }

  private record(op: Op): void {
    if (op.k === 'trunc' && (this.synced.get(op.ino) || 0) > op.len) this.synced.set(op.ino, op.len);
    apply(this.cache, op);
    this.pending.push(op);
  }

  /** The power fails now (if it is not already off) and comes back: the next boot sees the chosen image. */
  crash(choice: CrashChoice): void {
    let img: Image;
    if (choice === 'keep') img = this.cache;
    else {
      img = cloneImage(this.durable);
      if (choice === 'prefix') {
        const k = Math.floor(this.pending.length / 2);
        for (let i = 0; i < k; i++) apply(img, this.pending[i]);
        const mid = this.pending[k];
        if (mid && mid.k === 'write') apply(img, mid, Math.floor(mid.bytes.length / 2));
      }
    }
    this.cache = cloneImage(img);
    this.durable = cloneImage(img);
    this.pending = [];
    this.generation++;
    this.off = false;
  }

  /**
   * Bytes of the file named `p` that an fsync made durable (its size at the last fsync of that inode; 0 if never):
   * what a program may rely on after a cut, provided it made the name durable too.
   */
  syncedSize(p: string): number {
    const ino = this.cache.names.get(norm(p));
    return ino === undefined ? 0 : this.synced.get(ino) || 0;
  }

  /** Unsynced operations right now (for the model's own tests and diagnostics). */
  unsynced(): number {
    return this.pending.length;
  }

  // ---- set-up and inspection (no cut points: the device as provisioned, or the test looking at it) ----

  /** A durable file, as provisioned before the agent runs. */
  provision(p: string, data: Uint8Array): void {
    const n = norm(p);
    this.mkdirp(dirOf(n));
    const ino = this.nextIno++;
    for (const img of [this.cache, this.durable]) {
      img.names.set(n, ino);
      img.data.set(ino, new Uint8Array(data));
    }
  }

  /** What a reader sees now (cache view), or null. */
  peek(p: string): Uint8Array | null {
    const ino = this.cache.names.get(norm(p));
    return ino === undefined ? null : this.cache.data.get(ino) || new Uint8Array(0);
  }

  /** Names in the cache view under the root. */
  files(): string[] {
    return Array.from(this.cache.names.keys()).sort();
  }

  private mkdirp(d: string): void {
    for (let x = norm(d); ; x = dirOf(x)) {
      this.dirs.add(x);
      if (x === '/') break;
    }
  }

  // ---- the node:fs/promises subset ----

  private lookup(p: string, syscall: string): number {
    const ino = this.cache.names.get(norm(p));
    if (ino === undefined) throw errno('ENOENT', syscall, p);
    return ino;
  }

  private dataOf(ino: number): Uint8Array {
    return this.cache.data.get(ino) || new Uint8Array(0);
  }

  async open(p: string, flags: string | number = 'r', _mode?: number): Promise<ModelHandle> {
    return this.openSync(p, flags);
  }

  openSync(p: string, flags: string | number = 'r', _mode?: number): ModelHandle {
    // Numeric flags come from the read-back from the medium (O_RDONLY | O_DIRECT, platform/node/medium-hash.ts): it
    // follows the writer's fsync, so the model's pages and the medium agree on the range it reads.
    if (typeof flags === 'number') {
      if ((flags & 3) !== 0) throw new Error(`page-cache model: numeric open flags ${flags} not modelled`);
      flags = 'r';
    }
    this.alive();
    const n = norm(p);
    if (this.dirs.has(n)) return new ModelHandle(this, n, -1, this.generation);
    if (!this.dirs.has(dirOf(n))) throw errno('ENOENT', 'open', p);
    let ino = this.cache.names.get(n);
    if (flags === 'r' || flags === 'r+') {
      if (ino === undefined) throw errno('ENOENT', 'open', p);
    } else if (flags === 'w' || flags === 'w+') {
      if (ino === undefined) {
        this.step(`create:${n}`);
        ino = this.nextIno++;
        this.cache.data.set(ino, new Uint8Array(0));
        this.durable.data.set(ino, new Uint8Array(0));
        this.record({ k: 'link', dir: dirOf(n), path: n, ino });
      } else if (this.dataOf(ino).length > 0) {
        this.step(`truncate:${n}`);
        this.record({ k: 'trunc', ino, len: 0 });
      }
    } else throw new Error(`page-cache model: open flags ${flags} not modelled`);
    return new ModelHandle(this, n, ino, this.generation);
  }

  /** @internal handle operations */
  hWrite(h: ModelHandle, bytes: Uint8Array, pos: number): void {
    this.liveHandle(h);
    this.step(`write:${h.path}`);
    if (this.onWrite) this.onWrite(h.path, pos);
    this.record({ k: 'write', ino: h.ino, pos, bytes: new Uint8Array(bytes) });
  }
  hTruncate(h: ModelHandle, len: number): void {
    this.liveHandle(h);
    this.step(`truncate:${h.path}`);
    this.record({ k: 'trunc', ino: h.ino, len });
  }
  hSync(h: ModelHandle): void {
    this.liveHandle(h);
    if (h.ino < 0) {
      this.step(`dirsync:${h.path}`);
      this.pending = this.pending.filter((op) => {
        if (isNameOp(op) && op.dir === h.path) {
          apply(this.durable, op);
          return false;
        }
        return true;
      });
      return;
    }
    this.step(`fsync:${h.path}`);
    this.synced.set(h.ino, this.dataOf(h.ino).length);
    this.pending = this.pending.filter((op) => {
      if ((op.k === 'write' || op.k === 'trunc') && op.ino === h.ino) {
        apply(this.durable, op);
        return false;
      }
      return true;
    });
  }
  hRead(h: ModelHandle, pos: number, len: number): Uint8Array {
    this.liveHandle(h);
    const d = this.dataOf(h.ino);
    return d.subarray(Math.min(pos, d.length), Math.min(pos + len, d.length));
  }
  hSize(h: ModelHandle): number {
    this.liveHandle(h);
    return h.ino < 0 ? 0 : this.dataOf(h.ino).length;
  }
  private liveHandle(h: ModelHandle): void {
    this.alive();
    if (h.generation !== this.generation) throw new PowerCut(`handle on ${h.path} from before the power cut`);
  }

  async readFile(p: string, enc?: string | { encoding?: string }): Promise<Buffer | string> {
    this.alive();
    const b = Buffer.from(this.dataOf(this.lookup(p, 'open')));
    const e = typeof enc === 'string' ? enc : enc && enc.encoding;
    return e ? b.toString(e as BufferEncoding) : b;
  }

  async writeFile(p: string, data: string | Uint8Array): Promise<void> {
    const h = await this.open(p, 'w');
    await h.writeFile(data);
  }

  async stat(p: string): Promise<ModelStats> {
    return this.statSync(p);
  }

  statSync(p: string): ModelStats {
    this.alive();
    const n = norm(p);
    if (this.dirs.has(n)) return new ModelStats(0, true);
    return new ModelStats(this.dataOf(this.lookup(p, 'stat')).length, false);
  }

  async rename(from: string, to: string): Promise<void> {
    return this.renameSync(from, to);
  }

  renameSync(from: string, to: string): void {
    this.alive();
    const f = norm(from);
    const t = norm(to);
    this.lookup(f, 'rename');
    if (dirOf(f) !== dirOf(t)) throw new Error(`page-cache model: rename across directories (${f} → ${t}) not modelled`);
    this.step(`rename:${f}→${t}`);
    this.record({ k: 'rename', dir: dirOf(t), from: f, to: t });
  }

  async link(existing: string, newPath: string): Promise<void> {
    this.alive();
    const ino = this.lookup(existing, 'link');
    const t = norm(newPath);
    if (this.cache.names.has(t)) throw errno('EEXIST', 'link', newPath);
    this.step(`link:${t}`);
    this.record({ k: 'link', dir: dirOf(t), path: t, ino });
  }

  async unlink(p: string): Promise<void> {
    return this.unlinkSync(p);
  }

  unlinkSync(p: string): void {
    this.alive();
    this.lookup(p, 'unlink');
    this.step(`unlink:${norm(p)}`);
    this.record({ k: 'unlink', dir: dirOf(norm(p)), path: norm(p) });
  }

  async rm(p: string, o?: { force?: boolean }): Promise<void> {
    this.alive();
    if (!this.cache.names.has(norm(p))) {
      if (o && o.force) return;
      throw errno('ENOENT', 'rm', p);
    }
    this.unlinkSync(p);
  }

  async mkdir(p: string, _o?: unknown): Promise<void> {
    return this.mkdirSync(p);
  }

  mkdirSync(p: string, _o?: unknown): void {
    this.alive();
    this.mkdirp(p);
  }

  async readdir(p: string): Promise<string[]> {
    return this.readdirSync(p);
  }

  readdirSync(p: string): string[] {
    this.alive();
    const d = norm(p);
    if (!this.dirs.has(d)) throw errno('ENOENT', 'scandir', p);
    const out = new Set<string>();
    for (const n of this.cache.names.keys()) if (dirOf(n) === d) out.add(n.substring(d.length + 1));
    for (const x of this.dirs) if (x !== d && dirOf(x) === d) out.add(x.substring(d.length + 1));
    return Array.from(out).sort();
  }

  async statfs(_p: string): Promise<{ bavail: number; bsize: number }> {
    this.alive();
    return { bavail: 1 << 20, bsize: 4096 };
  }
}

export class ModelStats {
  constructor(readonly size: number, private readonly dir: boolean) {}
  isFile(): boolean {
    return !this.dir;
  }
  isDirectory(): boolean {
    return this.dir;
  }
  isBlockDevice(): boolean {
    return false;
  }
}

export class ModelHandle {
  private pos = 0;
  constructor(private readonly pc: PageCache, readonly path: string, readonly ino: number, readonly generation: number) {}
  async write(buf: Uint8Array | string, offset = 0, length?: number, position?: number | null): Promise<{ bytesWritten: number; buffer: Uint8Array | string }> {
    const bytes = typeof buf === 'string' ? Buffer.from(buf) : buf.subarray(offset, offset + (length === undefined ? buf.length - offset : length));
    const at = position === undefined || position === null ? this.pos : position;
    this.pc.hWrite(this, bytes, at);
    this.pos = at + bytes.length;
    return { bytesWritten: bytes.length, buffer: buf };
  }
  async writeFile(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    if (bytes.length > 0) await this.write(bytes, 0, bytes.length, this.pos);
  }
  async read(buf: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number; buffer: Uint8Array }> {
    const got = this.pc.hRead(this, position, length);
    buf.set(got, offset);
    return { bytesRead: got.length, buffer: buf };
  }
  async truncate(len = 0): Promise<void> {
    this.pc.hTruncate(this, len);
  }
  async sync(): Promise<void> {
    this.pc.hSync(this);
  }
  async datasync(): Promise<void> {
    this.pc.hSync(this);
  }
  async stat(): Promise<ModelStats> {
    return new ModelStats(this.pc.hSize(this), this.ino < 0);
  }
  async close(): Promise<void> {
    /* nothing is flushed by close(2) */
  }
}

/** The page cache that routed calls reach; null = everything goes to the real file system. */
let active: PageCache | null = null;
export function useModel(pc: PageCache | null): void {
  active = pc;
}

const ROUTED = ['open', 'readFile', 'writeFile', 'stat', 'rename', 'link', 'unlink', 'rm', 'mkdir', 'readdir', 'statfs'] as const;

/**
 * node:fs/promises with calls on paths under the active model's root sent to the model. For vi.mock:
 *   vi.mock('node:fs/promises', async (orig) => (await import('./support/page-cache')).routeFs(await orig()));
 */
export function routeFs<T extends Record<string, unknown>>(real: T): T {
  const out: Record<string, unknown> = Object.assign({}, real);
  for (const name of ROUTED) {
    const r = real[name] as (...a: unknown[]) => unknown;
    out[name] = (...args: unknown[]) => {
      const pc = active;
      if (pc && typeof args[0] === 'string' && pc.owns(args[0])) {
        if ((name === 'rename' || name === 'link') && !pc.owns(String(args[1]))) throw new Error(`page-cache model: ${name} out of the model`);
        return (pc[name] as (...a: unknown[]) => unknown).apply(pc, args);
      }
      return r.apply(real, args);
    };
  }
  out.default = out;
  return out as T;
}
