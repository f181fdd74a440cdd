// Types shared by the reference DM 1.2 server's modules: what it records (events), how a scenario is written,
// and the options it starts with. The server is a test peer (docs/flows.md): it speaks DM 1.2 server side and records
// everything the client sends so that tests can assert on it.
import type { Command, Data, Item, SyncML } from '../../src/syncml/model.js';

export type Encoding = 'xml' | 'wbxml';
export type ServerAuthType = 'none' | 'basic' | 'md5' | 'hmac';

/** How the client must authenticate to us (docs/protocol.md §3.3). */
export interface ClientAuthOptions {
  type: ServerAuthType;
  user?: string;
  secret?: string;
  /** Nonce we expect for the first MD5/HMAC message (raw bytes, or base64 text). Default: random. */
  nonce?: Uint8Array | string;
  /** Send a Chal with a fresh NextNonce together with 212 (for the next session). Default true. */
  nextNonceOn212?: boolean;
  /** Failed attempts per session before the server gives up on the session. Default 3. */
  maxFailures?: number;
}

/** How we authenticate to the client: server Cred in our SyncHdr (docs/protocol.md §3.3, client→server direction). */
export interface ServerCredOptions {
  type: ServerAuthType;
  /** SRVCRED AAuthName; defaults to the server id. */
  name?: string;
  secret?: string;
  /** The nonce the client issued for us (SRVCRED AAuthData) until it sends a Chal; raw bytes or base64 text. */
  nonce?: Uint8Array | string;
  /** Send deliberately wrong credentials (the client must then execute nothing). */
  wrong?: boolean;
}

/** Fault knobs for file downloads (GET /fw/<name>). */
export interface DownloadFault {
  /** Close the connection after this many body bytes of a response. */
  dropAfterBytes?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Answer with this HTTP status instead of the file. */
  httpStatus?: number;
  /** `endless`: 200 without Content-Length, the file's bytes over and over until the client hangs up. */
  endless?: boolean;
  /** `oversize`: 200 without Content-Length, the file and then this many more bytes (more than any descriptor says). */
  oversizeBytes?: number;
  /** `trickle`: the body (with Content-Length) at this many bytes per second. */
  trickleBytesPerSec?: number;
  /** `stall`: this many body bytes, then nothing while the connection stays open. */
  stallAfterBytes?: number;
  /** Apply the fault to this many requests only (default: all). */
  times?: number;
}

/** Fault knobs for DM exchanges (POST /dm): lost responses, HTTP errors, slow answers, hostile answers. */
export interface DmFault {
  /**
   * `drop-response`: process and record the message, then cut the connection without answering (a lost response:
   * the client must retry, and a report must still count once at the application level);
   * `http-error`: answer `httpStatus` (default 503) without processing; `delay`: answer after `delayMs`;
   * `huge-body`: answer 200 with `bytes` (default 1 GiB) of filler instead of a DM message, with a Content-Length
   * only when `contentLength` is true (the client must stop reading at its MaxMsgSize);
   * `trickle`: send the real answer `chunkBytes` (default 1) at a time every `intervalMs` (default 500) (the
   * client's per-exchange deadline must still hold).
   */
  mode: 'drop-response' | 'http-error' | 'delay' | 'huge-body' | 'trickle';
  httpStatus?: number;
  delayMs?: number;
  /** huge-body: how many bytes to send (default 1 GiB). */
  bytes?: number;
  /** huge-body: announce the length in Content-Length (default false: chunked, no length). */
  contentLength?: boolean;
  /** trickle: pause between two pieces (default 500 ms). */
  intervalMs?: number;
  /** trickle: bytes per piece (default 1). */
  chunkBytes?: number;
  /** How many DM requests it applies to (default 1). */
  times?: number;
  /** Only for this device (Source/LocURI); for http-error the body is not decoded, so devId is ignored. */
  devId?: string;
}

export interface ServerOptions {
  port?: number;
  host?: string;
  /** Our server identifier (DMAcc ServerID, Pkg#0 server-identifier). */
  serverId?: string;
  scenario?: string | Scenario | ScenarioFn;
  auth?: ClientAuthOptions;
  serverCred?: ServerCredOptions;
  /** Hand out a RespURI in our SyncHdr and check the client uses it (docs/protocol.md §1.1). Default true. */
  respUri?: boolean;
  /**
   * Hostile: hand out exactly this RespURI (another host, or http under https) instead of our own. The client must
   * follow it only from an authenticated message, never from https to http, and only to a host it trusts.
   */
  respUriOverride?: string;
  /** Our Meta/MaxMsgSize; a client message bigger than this is a recorded violation. Default 65536. */
  maxMsgSize?: number;
  /** Largest chunk of a large object we send (docs/protocol.md §1.10). Default: the client's MaxMsgSize minus 1 KiB, at least 256. */
  chunkSize?: number;
  /** The client message that gets Alert 1223 (session abort) instead of an answer: the cap. Default 100. */
  maxMessagesPerSession?: number;
  /** Idle time after which a session is forgotten. Default 300 s. */
  sessionTimeoutMs?: number;
  /** Files served under /fw/<name>: bytes or a path on disk. */
  files?: Record<string, Uint8Array | string>;
  /** Download faults from the start, by file name (the same as POST /admin/fault). */
  faults?: Record<string, DownloadFault>;
  /** Parameters the built-in scenarios use. */
  params?: Partial<ScenarioParams>;
  /** One line per message received/sent and other notable things. */
  log?: (line: string, record?: unknown) => void;
  /** Serve HTTPS instead of HTTP: PEM key and certificate (text, or paths to files). */
  tls?: { key: string; cert: string };
  /** A DM fault armed from the start (as setDmFault), e.g. `--dm-fault` on the command line. */
  dmFault?: DmFault;
  /** Random bytes (nonces); default node:crypto. Tests pass a deterministic one. */
  random?: (n: number) => Uint8Array;
}

/** Knobs of the built-in scenarios (all have defaults). */
export interface ScenarioParams {
  /** FUMO node used when the client's alert names none (docs/protocol.md §5.1: `./FUMO/<x>` or `./FUMO`). */
  fumoUri: string;
  /** FUMO operation commanded by fumo-200: DownloadAndUpdate (default), Download or Update. */
  fumoOperation: 'DownloadAndUpdate' | 'Download';
  /** Name of the served file the FUMO/SCOMO scenarios point at (default: the first file). */
  firmware?: string;
  /** Point PkgURL at the OMA DL descriptor /dd/<name> instead of the file itself. */
  useDescriptor: boolean;
  pkgName: string;
  pkgVersion: string;
  uiText: string;
  /** SCOMO package node name under ./SCOMO/Download and its PkgID/Name. */
  scomoRoot: string;
  scomoPkg: string;
  scomoPkgId: string;
  scomoName: string;
  /** large-object: target of the chunked Replace, its size, and the Get whose Results may come back chunked. */
  largeTarget: string;
  largeSize: number;
  largeGet: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Records (what the server saw and did). All of them are plain JSON-able objects except message models,
// whose Uint8Array data is turned into {b64} by the /admin/state serializer.

export interface MessageRecord {
  seq: number;
  dir: 'in' | 'out';
  time: number;
  sessionKey: string;
  sessionId: string;
  devId: string;
  msgId: string;
  path: string;
  encoding: Encoding;
  bytes: number;
  httpStatus?: number;
  /** A client message's HTTP request headers, names in lower case (User-Agent, Accept, Content-Type, ...). */
  headers?: Record<string, string>;
  /** Number of the TCP connection it came on (1, 2, ... in the order the server accepted them): equal numbers in one
   * session show HTTP keep-alive at work. */
  connection?: number;
  /** The readable one-line summary also printed by the CLI. */
  summary: string;
  msg: SyncML;
}

export interface GenericAlertRecord {
  seq: number;
  time: number;
  sessionKey: string;
  devId: string;
  sessionId: string;
  msgId: string;
  cmdId: string;
  correlator?: string;
  type?: string;
  format?: string;
  mark?: string;
  source?: string;
  target?: string;
  data?: Data;
  /** Status we answered with. */
  status: number;
  /** True for FUMO result alerts and SCOMO OperationComplete (docs/protocol.md §5.3, §6.4). */
  isReport: boolean;
}

export interface ReportRecord extends GenericAlertRecord {
  kind: 'fumo' | 'scomo';
  /** FUMO: Data as number; SCOMO: <ResultCode> parsed from Data. */
  resultCode?: number;
  identifier?: string;
  /** How many times this same report (device, type, correlator, source, data) arrived, this one included. */
  occurrence: number;
  duplicate: boolean;
}

export interface StatusRecord {
  time: number;
  sessionKey: string;
  devId: string;
  msgRef: string;
  cmdRef: string;
  cmd: string;
  code: number;
  /** The Item the Status names (TargetRef), else the target of the command we sent (first item), when known. */
  target?: string;
  /** The command we sent, if the status matched one. */
  sent?: Command;
  items: Item[];
}

export interface ResultsRecord {
  time: number;
  sessionKey: string;
  devId: string;
  msgRef?: string;
  cmdRef: string;
  /** The Get this answers, when matched. */
  get?: Command;
  items: Item[];
  /** Number of chunks this Results came in (1 when not a large object). */
  chunks: number;
}

export interface SessionRecord {
  key: string;
  devId: string;
  sessionId: string;
  scenario: string;
  startedAt: number;
  endedAt?: number;
  endReason?:
    | 'completed'
    | 'client-abort'
    | 'capped'
    | 'auth-failed'
    | 'expired'
    | 'server-closed';
  messagesIn: number;
  messagesOut: number;
  authenticated: boolean;
  authFailures: number;
  /** Alert 1200 (server-initiated) or 1201 (client-initiated). */
  initiation?: string;
  devInfo: Record<string, string>;
  /** The client's status for our SyncHdr in each message (200/212/401/407...). */
  serverHdrStatuses: number[];
}

export interface ExecRecord {
  time: number;
  sessionKey: string;
  devId: string;
  target: string;
  correlator?: string;
  /** Client's status code once known. */
  status?: number;
}

export interface Violation {
  time: number;
  sessionKey: string;
  devId: string;
  msgId?: string;
  /** Short stable code for tests, e.g. `missing-status`, `msgid-order`. */
  code: string;
  message: string;
}

export interface DownloadRecord {
  time: number;
  name: string;
  method: string;
  range?: string;
  ifRange?: string;
  userAgent?: string;
  status: number;
  bytesSent: number;
  dropped: boolean;
}

export interface InstallNotifyRecord {
  time: number;
  name: string;
  code?: number;
  text: string;
  body: string;
  occurrence: number;
}

export interface NotificationRecord {
  time: number;
  via: 'udp' | 'http' | 'spool';
  to: string;
  sessionId: number;
  bytes: number;
  hex: string;
}

export interface ServerEvents {
  messages: MessageRecord[];
  genericAlerts: GenericAlertRecord[];
  reports: ReportRecord[];
  /**
   * The reports the server counts: the first arrival of each (device, type, Correlator, source, target, result).
   * Delivery is at least once, so a report whose acknowledgement was lost arrives again; that repeat is answered 200
   * (the device may drop it) and appears in `reports` flagged `duplicate`, but not here (docs/robustness.md).
   */
  countedReports: ReportRecord[];
  statuses: StatusRecord[];
  results: ResultsRecord[];
  execs: ExecRecord[];
  sessions: SessionRecord[];
  violations: Violation[];
  downloads: DownloadRecord[];
  installNotifies: InstallNotifyRecord[];
  notifications: NotificationRecord[];
  /** Hostile answers sent (dm-fault huge-body, trickle): how much got out before the client hung up. */
  dmFaults: DmFaultRecord[];
}

export interface DmFaultRecord {
  mode: 'huge-body' | 'trickle';
  devId: string;
  /** Bytes of the body the socket accepted. */
  bytesSent: number;
  /** Bytes the answer would have had. */
  bytesPlanned: number;
  /** True when the client closed the connection before the whole body was sent. */
  clientClosed: boolean;
  ms: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Scenarios

/** What a scenario sees when the client has completed a package and the server must write its next one. */
export interface ScenarioContext {
  /** 0 when answering the client's first (authenticated) package, 1 for the next, ... */
  step: number;
  devId: string;
  sessionId: string;
  /** Alert 1200 or 1201 of this session. */
  initiation?: string;
  devInfo: Record<string, string>;
  /** Generic Alerts received in this session so far. */
  alerts: GenericAlertRecord[];
  /** Client statuses for our commands, received in the package just completed. */
  statuses: StatusRecord[];
  /** Results received in the package just completed (reassembled when chunked). */
  results: ResultsRecord[];
  /** Scratch space of the scenario, one per session. */
  state: Record<string, unknown>;
  params: ScenarioParams;
  /** http://host:port of this server (no trailing slash). */
  baseUrl: string;
  /** Served file used by the update scenarios, with its URLs; undefined when no file is served. */
  firmware(name?: string): { name: string; size: number; url: string; ddUrl: string; sha256: string; bytes: Uint8Array } | undefined;
  /** A fresh correlator, also recorded with the Exec that carries it. */
  newCorrelator(prefix: string): string;
}

/** Commands of the next server package; an empty list ends the session (docs/protocol.md §1.9). */
export type ScenarioFn = (ctx: ScenarioContext) => Command[];

export interface Scenario {
  name: string;
  next: ScenarioFn;
  /** Status for a client Generic Alert that is not a result report (device/user requests...). Default 200. */
  requestStatus?: (alert: GenericAlertRecord, ctx: ScenarioContext) => number;
  /** Status for a result report (FUMO result, SCOMO OperationComplete). Default 200. */
  reportStatus?: (alert: GenericAlertRecord, ctx: ScenarioContext) => number;
  /** false: never send Final (a misbehaving server; the client must cap). Default true. */
  final?: boolean;
}

export class ServerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServerConfigError';
  }
}
