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
  /** Give up after this many milliseconds without a complete answer. */
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Uint8Array;
}

/** POSTs a DM message and returns the server's answer. Redirects are refused unless the adapter was configured otherwise. */
export interface Transport {
  post(request: HttpRequest): Promise<HttpResponse>;
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

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface Random {
  /** Cryptographically strong random bytes (nonces, session ids). */
  bytes(count: number): Uint8Array;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured log. Adapters decide where lines go; secrets are never passed in `fields`. */
export interface Log {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

/** Facts about the device that DevInfo and DevDetail report (digest §4.1, §4.2). */
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

export interface DeviceInfoReader {
  read(): Promise<DeviceFacts>;
  /**
   * The kernel's boot id (`/proc/sys/kernel/random/boot_id` under device.sysRoot), new at every boot: tells an agent
   * restart from a reboot. Null when it cannot be read.
   */
  bootId?(): Promise<string | null>;
}

/**
 * An interaction with a person (DM 1.2 user-interaction alerts 1100-1104, digest §1.8); built by `src/ui/alert.ts`.
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

export interface UserInterface {
  ask(request: UiRequest): Promise<UiAnswer>;
}
