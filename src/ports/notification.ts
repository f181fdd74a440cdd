// Server notifications (package 0, docs/protocol.md §8): the platform listens for WAP push datagrams (UDP), HTTP
// POSTs and files dropped in a spool folder, and hands every received message to the core's receiver, which
// parses, verifies, de-duplicates and queues it (src/notification/intake.ts). The spool is read through SpoolFs.

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

/** How a package 0 arrived. */
export type NotificationVia = 'udp' | 'http' | 'spool';

/** Where to listen, from the `notifications` section (README.md, Configuration). */
export interface NotificationListenConfig {
  udp?: { port: number; address: string };
  http?: { port: number; address: string; path: string };
  spool?: { dir: string; pollMs: number; settleMs: number };
  /** A qjs without dmnative sockets: the helper program that listens for it (platform/quickjs/notify-socket.ts). */
  quickjs: { socat: string };
}

/** What the core made of one received message. */
export type NotificationReceipt =
  | { outcome: 'queued' | 'duplicate' | 'full' }
  | { outcome: 'rejected'; error: { code: string; field: string; message: string } };

/** The core's side: never throws for bad input, the receipt says what happened. */
export interface NotificationReceiver {
  receive(bytes: Uint8Array, via: NotificationVia, from?: string): NotificationReceipt;
  /** Size limits of a package 0, so a listener can refuse a larger message before reading it all. */
  readonly limits: { maxVendorBytes?: number };
}
