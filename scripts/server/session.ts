// One DM 1.2 session, server side (docs/protocol.md §1.4, §1.9, §1.10, §3.3): checks and answers every client message,
// records what the client did, and asks the scenario for the next package each time the client completes one.
import { base64Decode } from '../../src/bytes.js';
import { dataSize, joinData, splitPackage } from './large-object.js';
import type { Alert, Command, Data, Item, ItemCommand, Results, Status, SyncHdr, SyncML } from '../../src/syncml/model.js';
import { checkClient, serverCred } from './auth.js';
import { cloneCommand, controlAlert, flatten, numberCommands, status, targetOf } from './commands.js';
import { noteStatus, type StatusesSeen } from './item-statuses.js';
import { dataText, Recorder, reportKind } from './recorder.js';
import type {
  ClientAuthOptions,
  GenericAlertRecord,
  ResultsRecord,
  Scenario,
  ScenarioContext,
  ScenarioParams,
  ServerCredOptions,
  SessionRecord,
  StatusRecord,
} from './types.js';

/** What a session needs from the server around it. */
export interface SessionEnv {
  serverId: string;
  auth: ClientAuthOptions;
  serverCred: ServerCredOptions;
  respUri: boolean;
  respUriOverride?: string;
  maxMsgSize: number;
  chunkSize?: number;
  maxMessagesPerSession: number;
  params: ScenarioParams;
  rec: Recorder;
  baseUrl(): string;
  /** Nonce we issued to this device (CLCRED side), and storing a new one. */
  clientNonce(devId: string): Uint8Array;
  setClientNonce(devId: string, n: Uint8Array): void;
  /** Nonce the device issued to us (SRVCRED side). */
  serverNonce(devId: string): Uint8Array;
  setServerNonce(devId: string, n: Uint8Array): void;
  random(n: number): Uint8Array;
  firmware: ScenarioContext['firmware'];
  newCorrelator(prefix: string): string;
  log(line: string): void;
}

const DEVINFO_LEAVES = ['DevId', 'Man', 'Mod', 'DmV', 'Lang'];

interface SentCommand {
  cmd: Command;
  msgId: string;
  /** A Status (or, for a Get, Results) arrived, or the missing one was already reported. */
  answered: boolean;
  /** A Status arrived (Results must come after the Get's Status, docs/protocol.md §1.4). */
  statusSeen: boolean;
  /** Statuses so far: one for the whole command, or one per Item (./item-statuses.ts). */
  seen?: StatusesSeen;
}

interface InChunk {
  parts: Data[];
  declaredSize?: number;
  first: Item;
}

export class DmSession {
  readonly record: SessionRecord;
  readonly respToken: string;
  ended = false;
  lastActivity = Date.now();
  private lastClientMsgId = 0;
  private serverMsgId = 0;
  private step = 0;
  private authenticated = false;
  private sent = new Map<string, SentCommand>();
  private packageStatuses: StatusRecord[] = [];
  private packageResults: ResultsRecord[] = [];
  private alerts: GenericAlertRecord[] = [];
  /** Remaining messages of our current package (large objects, docs/protocol.md §1.10). */
  private outQueue: Command[][] = [];
  private inChunks = new Map<string, InChunk>();
  private clientMaxMsgSize?: number;
  private readonly state: Record<string, unknown> = {};
  /** Our last message had no Final: the client must not send Final yet (docs/protocol.md §1.9). */
  private serverPackageOpen = false;
  /** The client's status for our SyncHdr in the message being handled. */
  private hdrStatusNow?: number;
  /** The commands of our last package, re-sent when the client rejects our credentials (docs/protocol.md §3.3). */
  private lastPackage: Command[] = [];
  private serverAuthRetries = 0;
  /** The client answered 212 to our SyncHdr: no more server Cred this session (docs/protocol.md §3.3). */
  private serverAuthenticated = false;
  /** Our last message carried commands other than Status/Results. */
  private lastMessageHadCommands = false;

  constructor(
    readonly key: string,
    first: SyncHdr,
    private readonly scenario: Scenario,
    private readonly env: SessionEnv,
  ) {
    this.respToken = Array.from(env.random(6), (b) => (b < 16 ? '0' : '') + b.toString(16)).join('');
    this.record = {
      key,
      devId: first.source.locURI,
      sessionId: first.sessionID,
      scenario: scenario.name,
      startedAt: Date.now(),
      messagesIn: 0,
      messagesOut: 0,
      authenticated: false,
      authFailures: 0,
      devInfo: {},
      serverHdrStatuses: [],
    };
    env.rec.events.sessions.push(this.record);
  }

  /** The client's Meta/MaxMsgSize (docs/protocol.md §1.3), once it sent one. */
  get clientMaxMsgSizeValue(): number | undefined {
    return this.clientMaxMsgSize;
  }

  get respPath(): string {
    return `/dm/s/${this.respToken}`;
  }

  private violation(code: string, message: string, msgId?: string): void {
    this.env.rec.violation({ sessionKey: this.key, devId: this.record.devId, msgId, code, message });
    this.env.log(`!! ${this.record.devId} s=${this.record.sessionId} ${code}: ${message}`);
  }

  private end(reason: NonNullable<SessionRecord['endReason']>): void {
    if (this.ended) return;
    this.ended = true;
    this.record.endedAt = Date.now();
    this.record.endReason = reason;
  }

  /** Closes a session that went idle (the server's clean expiry). */
  expire(): void {
    this.end('expired');
  }

  /**
   * Answers one client message. `path` is the HTTP path it came on, `body` its exact bytes (for HMAC), `measure`
   * the encoded size of a message in this exchange's encoding (to fit large-object chunks into MaxMsgSize).
   */
  handle(msg: SyncML, body: Uint8Array, hmacHeader: string | undefined, path: string, measure?: (m: SyncML) => number): SyncML {
    const hdr = msg.hdr;
    const devId = this.record.devId;
    this.lastActivity = Date.now();
    this.record.messagesIn++;
    this.checkHeader(msg, body, path);
    this.checkBody(msg);
    this.hdrStatusNow = undefined;
    if (this.ended) return this.afterEnd(msg);
    if (hdr.meta && hdr.meta.maxMsgSize) this.clientMaxMsgSize = parseInt(hdr.meta.maxMsgSize, 10) || undefined;

    const verdict = checkClient(this.env.auth, hdr, hmacHeader, body, this.authenticated, this.env.clientNonce(devId), () => {
      const n = this.env.random(16);
      this.env.setClientNonce(devId, n);
      return n;
    });
    const hdrStatus = status(hdr.msgID, '0', 'SyncHdr', verdict.code, {
      targetRefs: [hdr.target.locURI],
      sourceRefs: [hdr.source.locURI],
      chal: verdict.chal,
    });
    const out: Command[] = [hdrStatus];

    if (!verdict.ok) {
      // docs/protocol.md §1.4: after an authentication failure the answer holds only Status commands, one per command.
      this.record.authFailures++;
      this.env.log(`!! ${devId} s=${hdr.sessionID} auth ${verdict.code}: ${verdict.reason}`);
      for (const c of msg.body) if (c.kind !== 'Status' && c.kind !== 'Results') out.push(status(hdr.msgID, c.cmdID, c.kind, verdict.code));
      if (this.record.authFailures >= (this.env.auth.maxFailures || 3)) {
        if (hdrStatus.chal) hdrStatus.chal = undefined;
        this.end('auth-failed');
      }
      return this.assemble(hdr, out, true);
    }
    if (verdict.code === 212 || this.env.auth.type === 'none' || this.env.auth.type === 'hmac') this.authenticated = true;
    this.record.authenticated = true;

    if (this.record.messagesIn >= this.env.maxMessagesPerSession) {
      // Our own cap: abort the session with Alert 1223 + Final (docs/protocol.md §1.9 session abort).
      this.violation('session-capped', `${this.env.maxMessagesPerSession} messages in one session: aborting it`, hdr.msgID);
      out.push(...this.answerCommands(msg).statuses, controlAlert('1223'));
      this.end('capped');
      return this.assemble(hdr, out, true);
    }

    const { statuses, clientAbort } = this.answerCommands(msg);
    out.push(...statuses);
    if (clientAbort) {
      // docs/protocol.md §1.9: answer a 1223 with statuses for SyncHdr and the Alert only, and Final.
      const keep = out.filter((c) => c.kind === 'Status' && (c.cmd === 'SyncHdr' || c.cmd === 'Alert'));
      this.end('client-abort');
      return this.assemble(hdr, keep, true);
    }
    const wantFinal = this.scenario.final !== false;
    if (this.outQueue.length > 0) {
      const next = this.outQueue.shift() as Command[];
      out.push(...next);
      return this.assemble(hdr, out, this.outQueue.length === 0 && wantFinal);
    }
    if (!msg.final) {
      // The client's package continues in its next message: "next message" answer, no Final (docs/protocol.md §1.9).
      out.push(controlAlert('1222'));
      const reply = this.assemble(hdr, out, false);
      // A "next message" answer carries no Final, yet our package is not open: it is the client's that continues.
      this.serverPackageOpen = this.scenario.final === false;
      return reply;
    }
    if (this.ended) return this.assemble(hdr, out, wantFinal);

    // The client completed a package: check it answered all our commands, then ask the scenario.
    this.checkAllAnswered(hdr.msgID);
    let cmds: Command[];
    if ((this.hdrStatusNow === 401 || this.hdrStatusNow === 407) && this.lastMessageHadCommands) {
      // The client refused our credentials and executed nothing (docs/protocol.md §3.3): send the same package again with
      // credentials made from the nonce of its Chal, twice at most; without credentials to offer, give up.
      // (A refused message that held only statuses loses nothing: the next one simply carries the new Cred.)
      if (this.env.serverCred.type === 'none' || this.serverAuthRetries >= 2 || this.lastPackage.length === 0) {
        this.env.log(`!! ${devId} s=${hdr.sessionID} client refused our credentials (${this.hdrStatusNow}); ending the session`);
        this.packageStatuses = [];
        this.end('auth-failed');
        return this.assemble(hdr, out, true);
      }
      this.serverAuthRetries++;
      this.env.log(`.. ${devId} s=${hdr.sessionID} client refused our credentials (${this.hdrStatusNow}); re-sending the package`);
      cmds = this.lastPackage.map((c) => cloneCommand(c));
    } else {
      const ctx = this.context();
      if (this.step === 0) this.checkPackage1(hdr.msgID);
      cmds = this.scenario.next(ctx).map((c) => cloneCommand(c));
      this.step++;
      this.lastPackage = cmds.map((c) => cloneCommand(c));
    }
    this.packageStatuses = [];
    this.packageResults = [];
    if (cmds.length === 0) {
      if (wantFinal) this.end('completed');
      return this.assemble(hdr, out, wantFinal);
    }
    const messages = this.splitToFit(hdr, out, cmds, wantFinal, measure);
    cmds = messages.shift() as Command[];
    out.push(...cmds);
    this.outQueue = messages;
    return this.assemble(hdr, out, messages.length === 0 && wantFinal);
  }

  /**
   * A message of a session that is over (completed, aborted by us or the client, authentication failed, expired):
   * nothing of it is executed or recorded as the client's work, and the answer is Final with nothing to act on — for a
   * session we aborted, Alert 1223 once more (docs/protocol.md §1.9) — never a "next message" request nor a new
   * package, so a client that missed the end stops instead of keeping the exchange going for ever.
   */
  private afterEnd(msg: SyncML): SyncML {
    const hdr = msg.hdr;
    const reason = this.record.endReason;
    this.violation('message-after-end', `message ${hdr.msgID} arrived after the session had ended (${reason}); answered Final with nothing to do (docs/protocol.md §1.9)`, hdr.msgID);
    const code = reason === 'auth-failed' ? 401 : 200;
    const out: Command[] = [status(hdr.msgID, '0', 'SyncHdr', code, { targetRefs: [hdr.target.locURI], sourceRefs: [hdr.source.locURI] })];
    if (reason === 'capped' || reason === 'auth-failed') out.push(controlAlert('1223'));
    return this.assemble(hdr, out, true);
  }

  private checkHeader(msg: SyncML, body: Uint8Array, path: string): void {
    const h = msg.hdr;
    if (h.verDTD !== '1.2') this.violation('verdtd', `VerDTD is ${h.verDTD}, expected 1.2 (docs/protocol.md §1.3)`, h.msgID);
    if (h.verProto !== 'DM/1.2') this.violation('verproto', `VerProto is ${h.verProto}, expected DM/1.2 (docs/protocol.md §1.3)`, h.msgID);
    const id = parseInt(h.msgID, 10);
    if (String(id) !== h.msgID.trim() || id !== this.lastClientMsgId + 1)
      this.violation('msgid-order', `MsgID ${h.msgID} after ${this.lastClientMsgId}; expected ${this.lastClientMsgId + 1} (docs/protocol.md §1.3)`, h.msgID);
    if (!isNaN(id)) this.lastClientMsgId = id;
    if (body.length > this.env.maxMsgSize)
      this.violation('message-too-large', `message of ${body.length} bytes exceeds our MaxMsgSize ${this.env.maxMsgSize}`, h.msgID);
    if (this.env.respUri && !this.env.respUriOverride && this.serverMsgId > 0 && path !== this.respPath)
      this.violation('respuri-ignored', `message posted to ${path}, but our RespURI was ${this.respPath} (docs/protocol.md §1.1)`, h.msgID);
  }

  /** Order and numbering rules of the client's body (docs/protocol.md §1.4, §1.9). */
  private checkBody(msg: SyncML): void {
    const id = msg.hdr.msgID;
    const ids = flatten(msg.body).map((c) => c.cmdID);
    const dup = ids.filter((x, i) => ids.indexOf(x) !== i);
    if (dup.length) this.violation('cmdid-duplicate', `CmdID ${dup.join(', ')} used twice in one message (docs/protocol.md §1.4)`, id);
    if (this.serverMsgId > 0) {
      const idx = msg.body.findIndex((c) => c.kind === 'Status' && c.cmdRef === '0');
      if (idx < 0) this.violation('hdr-status-missing', `no Status for our SyncHdr (docs/protocol.md §1.4)`, id);
      else {
        if (idx !== 0) this.violation('hdr-status-not-first', `Status for our SyncHdr is command ${idx + 1}, not the first (docs/protocol.md §1.4)`, id);
        const st = msg.body[idx] as Status;
        if (st.msgRef !== String(this.serverMsgId))
          this.violation('hdr-status-msgref', `SyncHdr Status has MsgRef ${st.msgRef}, our last message was ${this.serverMsgId}`, id);
      }
    }
    if (this.serverPackageOpen && msg.final)
      this.violation('final-too-early', 'client sent Final while our package was still open (docs/protocol.md §1.9)', id);
  }

  /** docs/protocol.md §1.9: package 1 carries Alert 1200/1201 and the DevInfo leaves. */
  private checkPackage1(msgId: string): void {
    if (!this.record.initiation) this.violation('pkg1-no-alert', 'package 1 has no Alert 1200/1201 (docs/protocol.md §1.9)', msgId);
    const missing = DEVINFO_LEAVES.filter((l) => this.record.devInfo[l] === undefined);
    if (missing.length) this.violation('pkg1-devinfo', `package 1 lacks DevInfo ${missing.join(', ')} (docs/protocol.md §1.9)`, msgId);
  }

  private checkAllAnswered(msgId: string): void {
    for (const [k, s] of this.sent) {
      if (s.answered) continue;
      s.answered = true; // report once
      if ((s.cmd as { noResp?: boolean }).noResp) continue;
      this.violation('missing-status', `no Status for our ${s.cmd.kind} ${k} (${targetOf(s.cmd) || ''}) (docs/protocol.md §1.4)`, msgId);
    }
  }

  /** Statuses for the client's commands, recording its Status/Results/Alerts/Replace on the way. */
  private answerCommands(msg: SyncML): { statuses: Command[]; clientAbort: boolean } {
    const hdr = msg.hdr;
    const out: Command[] = [];
    let clientAbort = false;
    for (const c of msg.body) {
      switch (c.kind) {
        case 'Status':
          this.onStatus(c, hdr.msgID);
          break;
        case 'Results': {
          const code = this.onResults(c, hdr.msgID);
          if (code !== undefined) out.push(status(hdr.msgID, c.cmdID, 'Results', code));
          break;
        }
        case 'Alert': {
          const code = this.onAlert(c, hdr);
          if (c.data === '1223') clientAbort = true;
          out.push(status(hdr.msgID, c.cmdID, 'Alert', code));
          break;
        }
        case 'Replace':
          out.push(status(hdr.msgID, c.cmdID, 'Replace', this.onReplace(c, hdr.msgID)));
          break;
        default:
          // docs/protocol.md §1.5: a client may only send Alert, Replace, Results and Status.
          this.violation('client-command', `client sent ${c.kind}, which only a server may send (docs/protocol.md §1.5)`, hdr.msgID);
          out.push(status(hdr.msgID, c.cmdID, c.kind, 405));
      }
    }
    return { statuses: out, clientAbort };
  }

  private onStatus(s: Status, msgId: string): void {
    const code = parseInt(s.data, 10);
    if (s.cmdRef === '0' || s.cmd === 'SyncHdr') {
      this.record.serverHdrStatuses.push(code);
      this.hdrStatusNow = code;
      if (code === 212) this.serverAuthenticated = true;
      const nn = s.chal && s.chal.meta && s.chal.meta.nextNonce;
      if (nn) {
        try {
          this.env.setServerNonce(this.record.devId, base64Decode(nn));
        } catch {
          this.violation('bad-nonce', `client Chal NextNonce is not base64: ${nn}`, msgId);
        }
      }
      return;
    }
    const key = `${s.msgRef}:${s.cmdRef}`;
    const sent = this.sent.get(key);
    if (!sent) this.violation('status-unknown', `Status for ${s.cmd} ${key}, which we never sent`, msgId);
    else {
      if (sent.cmd.kind !== s.cmd) this.violation('status-cmd', `Status says Cmd ${s.cmd} for our ${sent.cmd.kind} ${key}`, msgId);
      const dup = noteStatus(sent.seen || (sent.seen = { whole: false, items: new Set() }), sent.cmd, s);
      if (dup) this.violation('status-duplicate', `second Status for our ${sent.cmd.kind} ${key}: ${dup}`, msgId);
      sent.answered = true;
      sent.statusSeen = true;
    }
    const rec: StatusRecord = {
      time: Date.now(),
      sessionKey: this.key,
      devId: this.record.devId,
      msgRef: s.msgRef,
      cmdRef: s.cmdRef,
      cmd: s.cmd,
      code,
      target: s.targetRefs[0] || (sent ? targetOf(sent.cmd) : undefined),
      sent: sent ? sent.cmd : undefined,
      items: s.items,
    };
    this.env.rec.events.statuses.push(rec);
    this.packageStatuses.push(rec);
    if (sent && sent.cmd.kind === 'Exec') {
      const corr = sent.cmd.correlator;
      const ex = this.env.rec.events.execs.find((e) => e.sessionKey === this.key && e.correlator === corr && e.target === targetOf(sent.cmd));
      if (ex) ex.status = code;
    }
  }

  /** Records a Results, reassembling chunks (docs/protocol.md §1.10); returns a status code only when one is due. */
  private onResults(r: Results, msgId: string): number | undefined {
    const msgRef = r.msgRef || String(this.serverMsgId);
    const sent = this.sent.get(`${msgRef}:${r.cmdRef}`);
    if (!sent || sent.cmd.kind !== 'Get') this.violation('results-unknown', `Results for ${msgRef}:${r.cmdRef}, which is not a Get of ours`, msgId);
    else {
      if (!sent.statusSeen) this.violation('results-order', `Results for our Get ${msgRef}:${r.cmdRef} before its Status (docs/protocol.md §1.4)`, msgId);
      sent.answered = true;
    }
    for (const it of r.items)
      if (!it.source || !it.source.locURI) this.violation('results-no-source', `Results item without Source/LocURI (docs/protocol.md §1.4)`, msgId);
    const complete: Item[] = [];
    let code: number | undefined;
    let chunks = 1;
    for (const it of r.items) {
      const key = `${msgRef}:${r.cmdRef}:${it.source ? it.source.locURI : ''}`;
      const pending = this.inChunks.get(key);
      if (it.moreData) {
        if (!pending) {
          const size = it.meta && it.meta.size ? parseInt(it.meta.size, 10) : undefined;
          if (size === undefined) this.violation('chunk-no-size', `first chunk of ${key} has no Meta/Size (docs/protocol.md §1.10)`, msgId);
          this.inChunks.set(key, { parts: [it.data === undefined ? '' : it.data], declaredSize: size, first: it });
        } else pending.parts.push(it.data === undefined ? '' : it.data);
        code = 213;
        continue;
      }
      if (pending) {
        this.inChunks.delete(key);
        pending.parts.push(it.data === undefined ? '' : it.data);
        const data = joinData(pending.parts);
        chunks = pending.parts.length;
        if (pending.declaredSize !== undefined && dataSize(data) !== pending.declaredSize) {
          this.violation('chunk-size', `reassembled ${key} is ${dataSize(data)} bytes, Meta/Size said ${pending.declaredSize}`, msgId);
          code = 424;
        }
        complete.push({ ...pending.first, data, moreData: undefined });
      } else complete.push(it);
    }
    if (complete.length) {
      const rec: ResultsRecord = {
        time: Date.now(),
        sessionKey: this.key,
        devId: this.record.devId,
        msgRef: r.msgRef,
        cmdRef: r.cmdRef,
        get: sent ? sent.cmd : undefined,
        items: complete,
        chunks,
      };
      this.env.rec.events.results.push(rec);
      this.packageResults.push(rec);
    }
    // docs/protocol.md §1.4: no Status 200 for a Results; 213 for a buffered chunk, 424 for a size mismatch.
    return code;
  }

  private onAlert(a: Alert, hdr: SyncHdr): number {
    switch (a.data) {
      case '1200':
      case '1201':
        if (this.record.initiation && this.step > 0)
          this.violation('alert-late', `Alert ${a.data} after package 1 (docs/protocol.md §1.9)`, hdr.msgID);
        this.record.initiation = a.data;
        // docs/protocol.md §1.3: answering a Pkg#0, SessionID is the notification's id in uppercase hex without leading zeros.
        if (a.data === '1200' && !/^[1-9A-F][0-9A-F]{0,3}$/.test(hdr.sessionID))
          this.violation('sessionid-format', `SessionID "${hdr.sessionID}" of a server-initiated session is not uppercase hex without leading zeros (docs/protocol.md §1.3)`, hdr.msgID);
        return 200;
      case '1222':
      case '1223':
      case '1224':
        return 200;
      case '1225':
        this.violation('no-end-of-data', 'client sent Alert 1225: a chunked object of ours was interrupted', hdr.msgID);
        return 200;
      case '1226':
        return this.onGenericAlert(a, hdr);
      default:
        this.violation('alert-code', `client sent Alert ${a.data || '(no Data)'} (docs/protocol.md §1.7: not a client alert)`, hdr.msgID);
        return 406;
    }
  }

  /** docs/protocol.md §1.11: each Item needs Meta Type and Format and a Data; the scenario decides 200/202/500 for requests. */
  private onGenericAlert(a: Alert, hdr: SyncHdr): number {
    if (a.items.length === 0) {
      this.violation('generic-alert-empty', 'Generic Alert without Items (docs/protocol.md §1.11)', hdr.msgID);
      return 412;
    }
    let worst = 0;
    for (const it of a.items) {
      const meta = it.meta || {};
      const rec: GenericAlertRecord = {
        seq: this.env.rec.nextSeq(),
        time: Date.now(),
        sessionKey: this.key,
        devId: this.record.devId,
        sessionId: hdr.sessionID,
        msgId: hdr.msgID,
        cmdId: a.cmdID,
        correlator: a.correlator,
        type: meta.type,
        format: meta.format,
        mark: meta.mark,
        source: it.source ? it.source.locURI : undefined,
        target: it.target ? it.target.locURI : undefined,
        data: it.data,
        status: 0,
        isReport: reportKind(meta.type) !== undefined,
      };
      let code: number;
      const problems: string[] = [];
      if (!meta.type) problems.push('Meta/Type');
      if (!meta.format) problems.push('Meta/Format');
      if (it.data === undefined) problems.push('Data');
      if (problems.length) {
        this.violation('generic-alert-fields', `Generic Alert item lacks ${problems.join(', ')} (docs/protocol.md §1.11)`, hdr.msgID);
        code = 412;
      } else {
        this.alerts.push(rec);
        const ctx = this.context();
        const pick = rec.isReport ? this.scenario.reportStatus : this.scenario.requestStatus;
        code = pick ? pick(rec, ctx) : 200;
      }
      rec.status = code;
      this.env.rec.genericAlert(rec);
      if (code > worst) worst = code;
    }
    return worst;
  }

  /**
   * A client Replace carries DevInfo (package 1, docs/protocol.md §1.9): each Item names its node in Source (or
   * Target) as `./DevInfo/<leaf>` or `DevInfo/<leaf>` (a relative URI may leave out "./", OMA-TS-DM_TND-V1_2 URI
   * rules), deeper leaves such as DevInfo/Ext/... included. The violation says which item and what was wrong.
   */
  private onReplace(c: ItemCommand, msgId: string): number {
    c.items.forEach((it, i) => {
      const uri = (it.source && it.source.locURI) || (it.target && it.target.locURI) || '';
      const where = `client Replace ${c.cmdID} item ${i + 1}`;
      if (uri === '') {
        this.violation('replace-target', `${where} has neither Source nor Target LocURI: it names no node`, msgId);
        return;
      }
      const m = /^(?:\.\/)?DevInfo\/(.+)$/.exec(uri);
      if (m && m[1].split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..')) this.record.devInfo[m[1]] = dataText(it.data) || '';
      else this.violation('replace-target', `${where} names ${JSON.stringify(uri)}, which is not a node under ./DevInfo; a client Replaces only DevInfo (docs/protocol.md §1.9)`, msgId);
    });
    return 200;
  }

  private context(): ScenarioContext {
    const env = this.env;
    return {
      step: this.step,
      devId: this.record.devId,
      sessionId: this.record.sessionId,
      initiation: this.record.initiation,
      devInfo: this.record.devInfo,
      alerts: this.alerts,
      statuses: this.packageStatuses,
      results: this.packageResults,
      state: this.state,
      params: env.params,
      baseUrl: env.baseUrl(),
      firmware: env.firmware,
      newCorrelator: (p) => env.newCorrelator(p),
    };
  }

  /** Builds our message: SyncHdr, numbered commands, Final; remembers what we sent for status matching. */
  private assemble(clientHdr: SyncHdr, commands: Command[], final: boolean): SyncML {
    const msgId = String(++this.serverMsgId);
    const msg = this.buildMessage(clientHdr, commands, final, msgId);
    for (const c of flatten(commands)) {
      if (c.kind === 'Status' || c.kind === 'Results') continue;
      this.sent.set(`${msgId}:${c.cmdID}`, { cmd: c, msgId, answered: false, statusSeen: false });
      if (c.kind === 'Exec')
        this.env.rec.events.execs.push({
          time: Date.now(),
          sessionKey: this.key,
          devId: this.record.devId,
          target: targetOf(c) || '',
          correlator: c.correlator,
        });
    }
    this.record.messagesOut++;
    this.serverPackageOpen = !final;
    this.lastMessageHadCommands = commands.some((c) => c.kind !== 'Status' && c.kind !== 'Results');
    return msg;
  }

  /** Our message around `commands` (numbered in place), without recording anything. */
  private buildMessage(clientHdr: SyncHdr, commands: Command[], final: boolean, msgId: string): SyncML {
    numberCommands(commands);
    const hdr: SyncHdr = {
      verDTD: '1.2',
      verProto: 'DM/1.2',
      sessionID: clientHdr.sessionID,
      msgID: msgId,
      target: { locURI: clientHdr.source.locURI },
      source: { locURI: clientHdr.target.locURI },
      meta: { maxMsgSize: String(this.env.maxMsgSize) },
    };
    if (this.env.respUri && !this.ended) hdr.respURI = this.env.respUriOverride || this.env.baseUrl() + this.respPath;
    if (!this.serverAuthenticated) {
      const cred = serverCred(this.env.serverCred, this.env.serverId, this.env.serverNonce(this.record.devId));
      if (cred) hdr.cred = cred;
    }
    return { hdr, body: commands, final };
  }

  /**
   * Splits our package so that its first message fits the client's MaxMsgSize (docs/protocol.md §1.3) in the encoding of
   * this exchange: start from MaxMsgSize minus 1 KiB for a chunk, measure, and shrink by the excess.
   */
  private splitToFit(clientHdr: SyncHdr, before: Command[], cmds: Command[], wantFinal: boolean, measure?: (m: SyncML) => number): Command[][] {
    if (this.env.chunkSize || !this.clientMaxMsgSize || !measure) return splitPackage(cmds, this.env.chunkSize || 15360);
    const max = this.clientMaxMsgSize;
    let limit = Math.max(256, max - 1024);
    let messages = splitPackage(cmds, limit);
    for (let tries = 0; tries < 6 && messages.length > 1; tries++) {
      const trial = [...before, ...messages[0]].map((c) => cloneCommand(c));
      const size = measure(this.buildMessage(clientHdr, trial, false, String(this.serverMsgId + 1)));
      // Grow into unused room once (WBXML overhead is small), shrink by the excess otherwise; keep 32 bytes spare.
      const next = size > max ? limit - (size - max) - 32 : tries === 0 ? limit + (max - size) - 32 : limit;
      if (next === limit) break;
      limit = Math.max(64, next);
      messages = splitPackage(cmds, limit);
    }
    return messages;
  }
}
