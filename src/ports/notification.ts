// The spool folder of package-0 notifications (docs/protocol.md §8): files another program drops there are picked up
// by the core (src/notification/spool.ts) through these operations.

/** The file operations a spool pass needs (POSIX paths; local to this folder, not a core port). */
export interface SpoolFs {
  /** Entries of `dir` without '.' and '..'. */
  entries(dir: string): Promise<{ name: string; isFile: boolean; mtimeMs: number; size: number }[]>;
  read(path: string): Promise<Uint8Array>;
  rename(from: string, to: string): Promise<void>;
  mkdirp(dir: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  writeText(path: string, text: string): Promise<void>;
  remove(path: string): Promise<void>;
}
