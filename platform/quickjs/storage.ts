// Storage port on QuickJS: one file per name in the agent's state directory.
//
// writeAtomic follows the sequence the port promises (src/ports/runtime.ts) and docs/update-practice.md asks for, in
// atomic-file.ts: write `<name>.tmp`, fsync it, close, rename over `<name>`, fsync the directory. A power cut at any point leaves
// either the old or the new content under `<name>`; stray `*.tmp` files are ignored by list() and overwritten
// by the next write. fsync comes from dmnative (QuickJS's `os`/`std` have none); on a stock qjs the `sync`
// command (coreutils >= 8.24 / busybox with file arguments) is used instead, which is slower but durable.
import * as os from 'os';
import type { Storage } from '../../src/ports/runtime.js';
import { check, listDir, mkdirp, readBytes, QjsFileError } from './files.js';
import { writeFileAtomic } from './atomic-file.js';
import { loadDmNative } from './native.js';
import { commandDurability, nativeDurability, type Durability } from './durability.js';

export { commandDurability, nativeDurability, type Durability } from './durability.js';

export class StorageNameError extends Error {
  constructor(readonly storageName: string, reason: string) {
    super(`invalid storage name ${JSON.stringify(storageName)}: ${reason}`);
    this.name = 'StorageNameError';
  }
}

const TMP_SUFFIX = '.tmp';

/** A name is a plain file name (the port's contract): no path, no temp suffix, no control characters. */
export function checkStorageName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new StorageNameError(String(name), 'empty');
  if (name === '.' || name === '..') throw new StorageNameError(name, 'not a file name');
  if (name.indexOf('/') >= 0) throw new StorageNameError(name, 'contains "/" (names are not paths)');
  if (/[\x00-\x1f\x7f]/.test(name)) throw new StorageNameError(name, 'contains a control character');
  if (name.length > 200) throw new StorageNameError(name, 'longer than 200 characters');
  if (name.slice(-TMP_SUFFIX.length) === TMP_SUFFIX) throw new StorageNameError(name, `ends in ${TMP_SUFFIX} (reserved for atomic writes)`);
}

export interface QjsStorageOptions {
  /** Default: dmnative when present, else the `sync` command. */
  durability?: Durability;
  /** Mode of new files (default 0600: state can hold credentials). */
  fileMode?: number;
}

export class QjsStorage implements Storage {
  private durability: Promise<Durability>;
  private readonly fileMode: number;

  constructor(
    readonly dir: string,
    options: QjsStorageOptions = {},
  ) {
    if (!dir) throw new Error('QjsStorage: directory must not be empty');
    this.dir = dir.replace(/\/+$/, '') || '/';
    this.fileMode = options.fileMode === undefined ? 0o600 : options.fileMode;
    this.durability = options.durability
      ? Promise.resolve(options.durability)
      : loadDmNative().then((dm) => (dm ? nativeDurability(dm) : commandDurability()));
  }

  private path(name: string): string {
    checkStorageName(name);
    return `${this.dir}/${name}`;
  }

  async read(name: string): Promise<Uint8Array | null> {
    return readBytes(this.path(name));
  }

  async writeAtomic(name: string, data: Uint8Array): Promise<void> {
    const target = this.path(name);
    const durability = await this.durability;
    mkdirp(this.dir, 0o700);
    await writeFileAtomic(durability, target, data, { tmp: target + TMP_SUFFIX, mode: this.fileMode });
  }

  async remove(name: string): Promise<void> {
    const path = this.path(name);
    const ret = os.remove(path);
    if (ret === -2 /* ENOENT: already gone */) return;
    check('remove', path, ret);
    // No directory sync, as on Node (platform/node/storage.ts): a removal a power cut undoes harms nothing. The only
    // caller is DurableStore setting a damaged document aside (src/state/durable-store.ts), after the copies it keeps
    // were written atomically; if the removal is lost, the next start finds the damaged original again and sets it
    // aside once more. The Storage port (src/ports/runtime.ts) promises atomicity for writeAtomic only.
  }

  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = listDir(this.dir);
    } catch (e) {
      if (e instanceof QjsFileError && e.errno === 2) return []; // nothing written yet
      throw e;
    }
    return names.filter((n) => {
      if (n.slice(-TMP_SUFFIX.length) === TMP_SUFFIX) return false;
      const [st, err] = os.stat(`${this.dir}/${n}`);
      return err === 0 && (st.mode & os.S_IFMT) === os.S_IFREG;
    });
  }
}
