// Everything the runtime-free core needs from a device or a runtime, on one page.
//
// A porter supplies an implementation of each interface below (see platform/node and platform/quickjs);
// the core under src/ never reaches past them: no runtime globals, no I/O of its own. Bytes are Uint8Array,
// times are milliseconds since the Unix epoch, and every call that can block returns a Promise.

/** One HTTP exchange as the DM transport binding needs it (DM 1.2 RepPro, HTTP binding: one POST per message). */
export interface HttpRequest {
  url: string;
  /** Header names in lower case, e.g. `content-type`, `x-syncml-hmac`. */
  headers: Record<string, string>;
  body: Uint8Array;
  /** Give up after this many milliseconds without a complete answer: one deadline for the whole exchange (connect,
   * send, headers and body), so a server trickling bytes cannot hold the agent longer than this. */
  timeoutMs: number;
  /**
   * Largest response body the port reads. It stops reading as soon as more arrives (or a Content-Length announces
   * more), drops the connection and rejects with `code: 'too-large'`, so memory and disk stay bounded whatever the
   * server sends. The session passes the MaxMsgSize it announced in its SyncHdr (OMA-TS-DM_RepPro-V1_2, Meta MaxMsgSize: the
   * largest message the sender is willing to receive) or the configured hard cap; see docs/transport.md.
   */
  maxResponseBytes: number;
}

/**
 * `code` values of a Transport rejection that the session treats apart from ordinary network trouble (which is
 * worth a retry): `too-large` (the answer passed `maxResponseBytes`) and `tls-certificate` (the server's certificate
 * was refused: unknown CA, host name mismatch, expired, not pinned; trying again cannot help). Adapters may use other
 * codes for everything else.
 */
export type TransportFailureCode = 'too-large' | 'tls-certificate';

/** The server's answer; any status is an answer (the session decides), only a failed exchange rejects. */
export interface HttpResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Uint8Array;
}

/** POSTs a DM message and returns the server's answer. Redirects are refused unless the adapter was configured otherwise. */
export interface Transport {
  post(request: HttpRequest): Promise<HttpResponse>;
  /**
   * The session is over: close the connections kept open for it (HTTP keep-alive, one connection reused for all
   * messages of a session where the runtime allows; docs/transport.md). Optional: a port that opens a connection per
   * message has nothing to close.
   */
  endSession?(): void;
}

/**
 * Durable JSON documents by name: the one store interface of the FUMO journal and outbox, the DM tree and SCOMO
 * state. src/state/durable-store.ts DurableStore implements it over Storage (checksummed, with a `.prev` copy).
 */
export interface JsonStore {
  /** The stored value, or null when absent. */
  get(name: string): Promise<unknown | null>;
  /** Atomic replace: after a power cut the old or the new value, never a mix (Storage.writeAtomic). */
  put(name: string, value: unknown): Promise<void>;
}

/** Durable key/value files in the agent's state directory. `name` is a plain file name, never a path. */
export interface Storage {
  /** The file's bytes, or null when it does not exist. */
  read(name: string): Promise<Uint8Array | null>;
  /** Atomic replace: write a temporary file, fsync it, rename over `name`, fsync the directory. */
  writeAtomic(name: string, data: Uint8Array): Promise<void>;
  remove(name: string): Promise<void>;
  list(): Promise<string[]>;
}

/** Wall-clock time and waiting; the core re-checks the time after every sleep. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * Resolves after `ms`, or as soon as `cut` settles (when given): then the timer is cleared, so that a stopping
   * daemon is not kept alive by a sleep nobody waits for any more (a pending timer holds Node's event loop open).
   */
  sleep(ms: number, cut?: Promise<unknown>): Promise<void>;
}

/** Randomness for nonces, session IDs and back-off jitter. */
export interface Random {
  /** Cryptographically strong random bytes (nonces, session ids). */
  bytes(count: number): Uint8Array;
}

/** Levels of Log, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured log. Adapters decide where lines go; secrets are never passed in `fields`. */
export interface Log {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

/** Facts about the device that DevInfo and DevDetail report (docs/protocol.md §4.1, §4.2). */
export interface DeviceFacts {
  devId: string;
  manufacturer: string;
  model: string;
  oem: string;
  devType: string;
  firmwareVersion: string;
  softwareVersion: string;
  hardwareVersion: string;
  lang: string;
  /** Extra facts the platform readers find (src/device); optional so any reader may leave them out. */
  serialNumber?: string;
  /** MAC of the interface DevId scheme `mac` uses, 12 upper-case hex digits. */
  macAddress?: string;
  osName?: string;
  osVersion?: string;
  kernelVersion?: string;
}

/** Reads the device facts for DevInfo and DevDetail; a fact that cannot be read is reported as unknown, not thrown. */
export interface DeviceInfoReader {
  read(): Promise<DeviceFacts>;
  /**
   * The kernel's boot id (`/proc/sys/kernel/random/boot_id` under device.sysRoot), new at every boot: tells an agent
   * restart from a reboot. Null when it cannot be read.
   */
  bootId?(): Promise<string | null>;
}

/**
 * An interaction with a person (DM 1.2 user-interaction alerts 1100-1104, docs/protocol.md §1.8); built by `src/ui/alert.ts`.
 * Choice numbers (`defaults`, and `indexes` in the answer) count from 1, as on the wire. `maxWaitSeconds` is MAXDT
 * already capped by the configuration; when it runs out the port answers `timeout`.
 */
export type UiRequest =
  | { kind: 'display'; text: string; minDisplaySeconds?: number; maxWaitSeconds?: number }
  | { kind: 'confirm'; text: string; defaultYes?: boolean; maxWaitSeconds?: number }
  | {
      kind: 'text';
      text: string;
      defaultText?: string;
      maxLength?: number;
      inputType: 'A' | 'N' | 'D' | 'T' | 'P' | 'I';
      echo: 'T' | 'P';
      maxWaitSeconds?: number;
    }
  | { kind: 'single' | 'multiple'; text: string; choices: string[]; defaults: number[]; maxWaitSeconds?: number };

/** What the user answered to one UI alert (or that nobody did). */
export type UiAnswer =
  | { kind: 'ok' }
  | { kind: 'yes' }
  | { kind: 'no' }
  | { kind: 'cancelled' }
  | { kind: 'timeout' }
  | { kind: 'text'; value: string }
  | { kind: 'chosen'; indexes: number[] }
  /** The device cannot show this request now (no display, queue full): Status 416. */
  | { kind: 'cannotDisplay'; reason: string }
  /** User interaction is switched off on this device: Status 406. */
  | { kind: 'unsupported' };

/** Shows a DM UI alert (1100-1104) and returns the answer; a headless device answers by its configured policy. */
export interface UserInterface {
  ask(request: UiRequest): Promise<UiAnswer>;
}

/** What one try for the state directory's lock found: it is ours now, or another process holds it. */
export type LockAttempt = { ok: true } | { ok: false; holderPid: number | null };

/**
 * The exclusive lock on the agent's state directory (the file `<stateDir>/lock`): one agent at a time writes state,
 * so two sessions never interleave their DM tree, nonces and FUMO/SCOMO jobs.
 *
 * A porter must implement it with an operating-system lock that the kernel drops when the process dies (flock(2) or
 * fcntl(2) on an open descriptor), never with a "lock file exists" convention: an agent killed by SIGKILL or a power
 * cut must not leave the device locked. The descriptor is opened close-on-exec so children (curl, installers) do not
 * inherit it. After the lock is won, the holder's pid is written into the file so a second agent can name it.
 */
export interface StateLock {
  /** One try that never waits: `{ ok: true }` when this process now holds the lock. Waiting is the caller's job. */
  tryAcquire(): Promise<LockAttempt>;
  /** Gives the lock up (closing the descriptor is enough); harmless when not held. */
  release(): Promise<void>;
}

/**
 * The runtime ports the core itself runs on, as one bundle: what the agent, its session and the report sources built
 * for it use. A porter's `createPlatform(...)` returns these inside PlatformPorts (src/ports/platform.ts), which adds the
 * device extras (report sources, triggers, notification transports) the command line starts.
 */
export interface RuntimePorts {
  runtime: 'node' | 'quickjs';
  transport: Transport;
  storage: Storage;
  /** The exclusive lock `<stateDir>/lock`; commands that write state hold it (src/cli/state-lock.ts). */
  stateLock: StateLock;
  clock: Clock;
  random: Random;
  log: Log;
  deviceInfo: DeviceInfoReader;
  ui: UserInterface;
}
