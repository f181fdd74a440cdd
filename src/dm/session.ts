// One OMA DM 1.2 management session, client side (docs/protocol.md §1.9): package 1, then the server's packages answered
// with Status/Results until a server package carries no management command. Authentication both ways (§3.3),
// RespURI (§1.1), multi-message packages with Alert 1222, session abort 1223, MaxMsgSize in both directions, and a
// cap on messages per session so that a server that never ends cannot keep the agent busy forever.
import type { Clock, Log, Transport, TransportFailureCode } from '../ports/runtime.js';
import type { Command, Item, Meta, Results, Status as StatusCmd, SyncHdr, SyncML } from '../syncml/model.js';
import { decodeMessage, encodeWbxml, encodeXml, MIME_WBXML, MIME_XML } from '../syncml/index.js';
import { utf8Decode, utf8Encode } from '../bytes.js';
import { AlertCode, Status } from './codes.js';
import { ClientAuthenticator } from './client-auth.js';
import { ServerAuthenticator } from './server-auth.js';
import { dmRequestHeaders } from './http-headers.js';
import { CommandExecutor, type Reply } from './executor.js';
import { genericAlertCommand, type GenericAlert } from './generic-alert.js';
import { checkRespUri } from './resp-uri.js';

export interface SessionSettings {
  serverUrl: string;
  serverId: string;
  devId: string;
  encoding: 'wbxml' | 'xml';
  maxMsgSize: number;
  /**
   * Hard cap on a server message's bytes, read while it streams (default maxMsgSize; never below it). A message
   * between maxMsgSize and this cap is accepted with a warning (for servers that count MaxMsgSize loosely).
   */
  maxResponseBytes?: number;
  maxObjSize: number;
  maxMessages: number;
  /** One deadline per exchange (connect, send, whole answer). */
  timeoutMs: number;
  /** Hosts besides the configured server's that a RespURI may name (config `server.respUriHosts`). */
  respUriHosts?: string[];
}

export interface SessionDeps {
  transport: Transport;
  clock: Clock;
  log: Log;
  executor: CommandExecutor;
  clientAuth: ClientAuthenticator;
  serverAuth: ServerAuthenticator;
  /** DevInfo leaves for the Replace of package 1 (docs/protocol.md §1.9): [uri, value]. */
  devInfo: () => Promise<Array<[string, string]>>;
}

export interface SessionRequest {
  initiator: 'client' | 'server';
  /** Client-chosen, or for a server-initiated session the notification's id as uppercase hex (docs/protocol.md §1.3). */
  sessionId: string;
  alerts: GenericAlert[];
  /** Called when a new client package can carry more alerts (e.g. results that finished during the session). */
  moreAlerts?: () => GenericAlert[];
}

export interface AlertOutcome {
  alert: GenericAlert;
  /** Server status for the alert; undefined when none came. */
  status?: number;
}

export interface SessionOutcome {
  sessionId: string;
  messagesSent: number;
  messagesReceived: number;
  alerts: AlertOutcome[];
  /** Management commands the server sent over the whole session. */
  serverCommands: number;
  end: 'completed' | 'aborted-by-server';
  /** Set when the server failed its own authentication at least once (nothing of those messages was executed). */
  serverAuthFailures: number;
}

/**
 * `transport`: the server could not be reached or the exchange broke (worth a retry); `tls-certificate`: the server's
 * certificate was refused (unknown CA, host mismatch, expired, not pinned: a retry fails the same way), a network
 * failure all the same for the exit code.
 */
export type SessionErrorKind = 'transport' | 'tls-certificate' | 'http' | 'protocol' | 'auth' | 'limit';

export class SessionError extends Error {
  constructor(
    readonly kind: SessionErrorKind,
    message: string,
    readonly outcome?: Partial<SessionOutcome>,
  ) {
    super(message);
    this.name = 'SessionError';
  }
}

type Outgoing = Exclude<Command, never>;

export class DmSession {
  private msgId = 0;
  private url: string;
  /** The server's MaxMsgSize: our messages must not be larger (docs/protocol.md §1.3). */
  private peerMaxMsgSize = Infinity;
  private readonly sentAlerts = new Map<string, number>();
  /** MsgIDs of the server's messages in this session, to refuse a replayed one. */
  private readonly serverMsgIds = new Set<string>();
  private readonly outcome: SessionOutcome;
  /** Some message of this session passed the server's authentication (always true when none is configured). */
  private serverAuthenticated = false;

  constructor(
    private readonly settings: SessionSettings,
    private readonly deps: SessionDeps,
    private readonly request: SessionRequest,
  ) {
    this.url = settings.serverUrl;
    this.outcome = {
      sessionId: request.sessionId,
      messagesSent: 0,
      messagesReceived: 0,
      alerts: request.alerts.map((alert) => ({ alert })),
      serverCommands: 0,
      end: 'completed',
      serverAuthFailures: 0,
    };
  }

  async run(): Promise<SessionOutcome> {
    const log = this.deps.log;
    let queue: Outgoing[] = await this.package1();
    let headerStatus: StatusCmd | undefined;
    let serverPackageDone = true;
    for (;;) {
      if (this.outcome.messagesSent >= this.settings.maxMessages) {
        throw new SessionError('limit', `session ended after ${this.outcome.messagesSent} messages (cap server.maxMessages)`, this.outcome);
      }
      const { msg, rest } = this.buildMessage(headerStatus, queue, serverPackageDone);
      queue = rest;
      const reply = await this.exchange(msg);
      // The server answered the message that carried our Chal: from now on it signs with that nonce.
      if (headerStatus && headerStatus.chal) await this.deps.serverAuth.nonceDelivered();
      const hdr = reply.msg.hdr;
      // A message without Final whose only command is Alert 1222 is the server asking for the rest of OUR package
      // (OMA-TS-DM_Protocol-V1_2 §8.8 "Next Message" response): its own package is complete. Any other message
      // without Final means the server's package continues.
      const serverCmds = reply.msg.body.filter((c) => c.kind !== 'Status' && c.kind !== 'Results');
      const nextMessageOnly = serverCmds.length > 0 && serverCmds.every((c) => c.kind === 'Alert' && c.data === AlertCode.NextMessage);
      serverPackageDone = reply.msg.final || (nextMessageOnly && queue.length > 0);

      // The server proves who it is before anything of its message takes effect (OMA-TS-DM_Security-V1_2 §5.1): no
      // command, no Status for our alerts (a report must not leave the outbox on an impostor's 200), no RespURI, no
      // MaxMsgSize, no stored nonce. See docs/security.md.
      const check = await this.deps.serverAuth.check(hdr.cred, reply.hmac, reply.body);
      const trusted = check.accepted;
      if (trusted) this.serverAuthenticated = true;
      const commands = serverCmds;
      this.outcome.serverCommands += trusted ? commands.length : 0;
      headerStatus = this.headerStatus(hdr, check.code, check.chal);

      // The server's Status for our SyncHdr: our credentials (a challenge is taken even from an untrusted message,
      // but never towards a weaker scheme; see ClientAuthenticator).
      let resend = false;
      for (const c of reply.msg.body) {
        if (c.kind !== 'Status' || !(c.cmdRef === '0' || c.cmd === 'SyncHdr')) continue;
        const r = await this.deps.clientAuth.onHeaderStatus(parseInt(c.data, 10), c.chal, trusted).catch((e: Error) => {
          throw new SessionError('auth', e.message, this.outcome);
        });
        if (r === 'resend') resend = true;
      }
      if (trusted) this.takeTrustedHeader(hdr, reply.msg.body);

      if (!trusted) {
        this.outcome.serverAuthFailures++;
        log.log('warn', `server authentication failed: ${check.reason}; nothing of its message takes effect`);
        if (this.deps.serverAuth.failureCount > this.deps.serverAuth.maxFailures) {
          throw new SessionError('auth', `server failed authentication ${this.deps.serverAuth.failureCount} times (last: ${check.reason})`, this.outcome);
        }
      }
      if (resend) {
        log.log('info', 'server challenged our credentials; sending package 1 again');
        this.deps.executor.newPackage();
        const refusals: Outgoing[] = trusted ? [] : commands.map((c) => this.refusal(c, check.code, hdr.msgID));
        queue = refusals.concat(await this.package1());
        serverPackageDone = true;
        continue;
      }
      if (!trusted) {
        if (commands.length === 0) {
          // No commands and no valid credentials: do not answer with a challenge-only message
          // (OMA-TS-DM_Security-V1_2 §5.1). A session whose server never proved itself is an authentication failure,
          // whatever it said about our request; one that did earlier (HMAC signs every message) just ends here.
          if (!this.serverAuthenticated) throw new SessionError('auth', `the server did not authenticate: ${check.reason}`, this.outcome);
          return this.outcome;
        }
        queue = queue.concat(commands.map((c) => this.refusal(c, check.code, hdr.msgID)));
        continue;
      }

      if (serverPackageDone) this.deps.executor.newPackage();
      const result = await this.deps.executor.run(reply.msg.body, { msgRef: hdr.msgID, access: { serverId: this.settings.serverId }, nextCmdId: () => '0' /* renumbered per message in buildMessage */ });
      if (result.aborted) {
        // A client receiving 1223 should not answer (docs/protocol.md §1.9).
        log.log('warn', 'server aborted the session (Alert 1223)');
        this.outcome.end = 'aborted-by-server';
        return this.outcome;
      }
      queue = queue.concat(result.replies as Outgoing[]);
      if (serverPackageDone && queue.length === 0 && result.commandCount === 0) {
        const more = this.request.moreAlerts ? this.request.moreAlerts() : [];
        if (more.length === 0) {
          // Only a Status for the SyncHdr would remain: that answer must not be sent; the session is over (§1.9).
          return this.outcome;
        }
        queue = more.map((a) => {
          this.outcome.alerts.push({ alert: a });
          return this.trackAlert(genericAlertCommand(a, '0'), this.outcome.alerts.length - 1);
        });
        continue;
      }
      if (!serverPackageDone && !queue.some((c) => c.kind === 'Results' || (c.kind === 'Alert' && c.data === AlertCode.NextMessage))) {
        // The server's package continues: ask for its next message (docs/protocol.md §1.9 multi-message rules, §1.10 after 213).
        queue.push({ kind: 'Alert', cmdID: '0', data: AlertCode.NextMessage, items: [] });
      }
    }
  }

  /**
   * What a trusted server message changes beyond its commands: Statuses for our alerts (the answer to a request, the
   * acknowledgement of a report), RespURI (checked, see resp-uri.ts) and the server's MaxMsgSize.
   */
  private takeTrustedHeader(hdr: SyncHdr, body: Command[]): void {
    for (const c of body) {
      if (c.kind !== 'Status' || c.cmdRef === '0' || c.cmd === 'SyncHdr') continue;
      const index = this.sentAlerts.get(`${c.msgRef}:${c.cmdRef}`);
      if (index !== undefined) this.outcome.alerts[index].status = parseInt(c.data, 10);
    }
    if (hdr.respURI) {
      const v = checkRespUri(hdr.respURI, this.url, this.settings.serverUrl, this.settings.respUriHosts || []);
      if (!v.ok) throw new SessionError('protocol', `refused to follow the server's RespURI: ${v.reason}`, this.outcome);
      this.url = v.url;
    }
    if (hdr.meta && hdr.meta.maxMsgSize) {
      const n = parseInt(hdr.meta.maxMsgSize, 10);
      if (n > 0) this.peerMaxMsgSize = n;
    }
  }

  /** Alert 1200/1201, the DevInfo Replace, and the Generic Alerts (docs/protocol.md §1.9 package 1). */
  private async package1(): Promise<Outgoing[]> {
    const out: Outgoing[] = [];
    out.push({
      kind: 'Alert',
      cmdID: '0',
      data: this.request.initiator === 'server' ? AlertCode.ServerInitiated : AlertCode.ClientInitiated,
      items: [],
    });
    const devInfo = await this.deps.devInfo();
    const items: Item[] = devInfo.map(([uri, value], i) => {
      const item: Item = { source: { locURI: uri }, data: value };
      if (i === 0) item.meta = { format: 'chr', type: 'text/plain' };
      return item;
    });
    out.push({ kind: 'Replace', cmdID: '0', items });
    this.request.alerts.forEach((a, i) => out.push(this.trackAlert(genericAlertCommand(a, '0'), i)));
    return out;
  }

  private readonly alertIndex = new WeakMap<object, number>();

  private trackAlert<T extends object>(cmd: T, index: number): T {
    this.alertIndex.set(cmd, index);
    return cmd;
  }

  private headerStatus(hdr: SyncHdr, code: number, chal: StatusCmd['chal']): StatusCmd {
    const s: StatusCmd = {
      kind: 'Status',
      cmdID: '0',
      msgRef: hdr.msgID,
      cmdRef: '0',
      cmd: 'SyncHdr',
      targetRefs: [hdr.target.locURI],
      sourceRefs: [hdr.source.locURI],
      data: String(code),
      items: [],
    };
    if (chal) s.chal = chal;
    return s;
  }

  private refusal(c: Command, code: number, msgRef: string): StatusCmd {
    return { kind: 'Status', cmdID: '0', msgRef, cmdRef: c.cmdID, cmd: c.kind, targetRefs: [], sourceRefs: [], data: String(code), items: [] };
  }

  private header(): SyncHdr {
    const meta: Meta = { maxMsgSize: String(this.settings.maxMsgSize), maxObjSize: String(this.settings.maxObjSize) };
    const hdr: SyncHdr = {
      verDTD: '1.2',
      verProto: 'DM/1.2',
      sessionID: this.request.sessionId,
      msgID: String(this.msgId),
      target: { locURI: this.settings.serverUrl },
      source: { locURI: this.settings.devId },
      meta,
    };
    const name = this.deps.clientAuth.locName();
    if (name) hdr.source.locName = name;
    const cred = this.deps.clientAuth.cred();
    if (cred) hdr.cred = cred;
    return hdr;
  }

  /**
   * Builds the next message: the SyncHdr status first, then as many queued commands as fit the server's
   * MaxMsgSize. `Final` only when our package is complete and the server's last package was complete.
   */
  private buildMessage(headerStatus: StatusCmd | undefined, queue: Outgoing[], serverPackageDone: boolean): { msg: SyncML; rest: Outgoing[] } {
    this.msgId++;
    const hdr = this.header();
    const body: Command[] = [];
    if (headerStatus) body.push(headerStatus);
    let taken = 0;
    for (; taken < queue.length; taken++) {
      body.push(queue[taken]);
      if (this.peerMaxMsgSize !== Infinity && body.length > 1 && this.size({ hdr, body, final: true }) > this.peerMaxMsgSize) {
        body.pop();
        break;
      }
    }
    let rest = queue.slice(taken);
    if (taken === 0 && queue.length > 0) {
      // The next command alone does not fit: send its large item in chunks (docs/protocol.md §1.10), or, when it cannot be
      // split, send it anyway so the server answers 413 rather than the session looping.
      const split = this.splitLargeObject(queue[0], hdr, body);
      body.push(split[0]);
      rest = split.slice(1).concat(queue.slice(1));
    }
    let n = 0;
    for (const c of body) {
      c.cmdID = String(++n);
      const index = this.alertIndex.get(c);
      if (index !== undefined) this.sentAlerts.set(`${hdr.msgID}:${c.cmdID}`, index);
    }
    return { msg: { hdr, body, final: rest.length === 0 && serverPackageDone }, rest };
  }

  /**
   * Splits a Results or Replace whose single item is too large into chunk commands: every chunk but the last carries
   * MoreData, the first one Meta Size (total bytes). Returns [cmd] unchanged when it cannot be split.
   */
  private splitLargeObject(cmd: Outgoing, hdr: SyncHdr, before: Command[]): Outgoing[] {
    if ((cmd.kind !== 'Results' && cmd.kind !== 'Replace') || cmd.items.length !== 1) return [cmd];
    const item = cmd.items[0];
    const data = item.data;
    if (data === undefined) return [cmd];
    const bytes = typeof data === 'string' ? utf8Encode(data) : data;
    // Room for data = the limit minus the message without the data, with a margin for length fields and MoreData.
    const empty = { ...cmd, items: [{ ...item, data: '', moreData: true, meta: { ...(item.meta || {}), size: String(bytes.length) } }] } as Outgoing;
    const overhead = this.size({ hdr, body: before.concat([empty]), final: false }) + 32;
    let room = this.peerMaxMsgSize - overhead;
    if (room < 64) return [cmd];
    if (typeof data === 'string') room = Math.floor(room / 4) * 3; // worst case: XML escaping / multi-byte characters
    const chunks: Outgoing[] = [];
    let off = 0;
    while (off < bytes.length) {
      let end = Math.min(bytes.length, off + room);
      // Text chunks end on a character boundary, so each chunk is valid UTF-8 on its own.
      if (typeof data === 'string') while (end < bytes.length && end > off + 1 && (bytes[end] & 0xc0) === 0x80) end--;
      const part = bytes.subarray(off, end);
      const meta = { ...(item.meta || {}) };
      if (off === 0) meta.size = String(bytes.length);
      else delete meta.size;
      const chunkItem: Item = { ...item, meta, data: typeof data === 'string' ? utf8Decode(part) : part };
      if (end < bytes.length) chunkItem.moreData = true;
      else delete chunkItem.moreData;
      chunks.push({ ...cmd, items: [chunkItem] } as Outgoing);
      off = end;
    }
    return chunks;
  }

  /** Bytes the transport may read for one server message: server.maxResponseBytes, never less than our MaxMsgSize. */
  private responseCap(): number {
    const hard = this.settings.maxResponseBytes;
    return hard === undefined ? this.settings.maxMsgSize : Math.max(hard, this.settings.maxMsgSize);
  }

  private size(msg: SyncML): number {
    return this.settings.encoding === 'xml' ? utf8Encode(encodeXml(msg)).length : encodeWbxml(msg).length;
  }

  private async exchange(msg: SyncML): Promise<{ msg: SyncML; body: Uint8Array; hmac?: string }> {
    const xml = this.settings.encoding === 'xml';
    const body = xml ? utf8Encode(encodeXml(msg)) : encodeWbxml(msg);
    const contentType = xml ? MIME_XML : MIME_WBXML;
    const headers = dmRequestHeaders(this.settings.encoding);
    const auth = this.deps.clientAuth.headers(body);
    for (const k of Object.keys(auth)) headers[k] = auth[k];
    this.deps.log.log('debug', `-> message ${msg.hdr.msgID} (${body.length} bytes, ${msg.body.length} commands${msg.final ? ', Final' : ''})`);
    const cap = this.responseCap();
    let res;
    try {
      res = await this.deps.transport.post({ url: this.url, headers, body, timeoutMs: this.settings.timeoutMs, maxResponseBytes: cap });
    } catch (e) {
      const code: TransportFailureCode | undefined = (e as { code?: TransportFailureCode }).code;
      const why = (e as Error).message;
      // The server ignored the MaxMsgSize we announced in our SyncHdr (OMA-TS-DM_RepPro-V1_2, Meta MaxMsgSize): the
      // port stopped reading at the cap, so this is the server's protocol error, not a network one.
      if (code === 'too-large') {
        this.outcome.messagesSent++;
        throw new SessionError('protocol', `server's answer to message ${msg.hdr.msgID} is larger than ${cap} bytes (our MaxMsgSize ${this.settings.maxMsgSize}, cap server.maxResponseBytes ${cap}): ${why}`, this.outcome);
      }
      if (code === 'tls-certificate') throw new SessionError('tls-certificate', `cannot trust the DM server at ${this.url}: ${why}`, this.outcome);
      throw new SessionError('transport', `cannot reach the DM server at ${this.url}: ${why}`, this.outcome);
    }
    this.outcome.messagesSent++;
    if (res.status !== 200) {
      throw new SessionError('http', `DM server answered HTTP ${res.status} to message ${msg.hdr.msgID}`, this.outcome);
    }
    if (res.body.length > cap) {
      // a port must not hand over more than it was allowed to read; checked again so a lax port cannot slip through
      throw new SessionError('protocol', `server message of ${res.body.length} bytes exceeds our MaxMsgSize ${this.settings.maxMsgSize} (cap ${cap})`, this.outcome);
    }
    if (res.body.length > this.settings.maxMsgSize) {
      this.deps.log.log('warn', `server message of ${res.body.length} bytes is over our MaxMsgSize ${this.settings.maxMsgSize}; accepted up to server.maxResponseBytes ${cap}`);
    }
    let decoded: SyncML;
    try {
      decoded = decodeMessage(res.body, res.headers['content-type'] || contentType);
    } catch (e) {
      throw new SessionError('protocol', `server message is malformed: ${(e as Error).message}`, this.outcome);
    }
    this.outcome.messagesReceived++;
    if (decoded.hdr.sessionID !== msg.hdr.sessionID) {
      throw new SessionError('protocol', `server answered for session ${decoded.hdr.sessionID}, expected ${msg.hdr.sessionID}`, this.outcome);
    }
    // MsgID is unique per sender within a session (docs/protocol.md §1.3): a repeated one is a replayed or duplicated message,
    // and executing it again would run its commands twice (a second Exec, a second install).
    if (this.serverMsgIds.has(decoded.hdr.msgID)) {
      throw new SessionError('protocol', `server message ID ${decoded.hdr.msgID} repeated in session ${msg.hdr.sessionID} (replayed message); nothing of it is executed`, this.outcome);
    }
    this.serverMsgIds.add(decoded.hdr.msgID);
    this.deps.log.log('debug', `<- message ${decoded.hdr.msgID} (${res.body.length} bytes, ${decoded.body.length} commands${decoded.final ? ', Final' : ''})`);
    return { msg: decoded, body: res.body, hmac: res.headers['x-syncml-hmac'] };
  }
}

export type { Reply, Results };
