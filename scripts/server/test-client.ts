// A hand-driven DM client for testing the reference server (and for poking it from a REPL): it builds client
// messages with the codec, POSTs them (following RespURI, docs/protocol.md §1.1) and decodes the answers. It makes no
// decisions: each test says exactly what the client sends.
import { decodeMessage, encodeWbxml, encodeXml, MIME_WBXML, MIME_XML } from '../../src/syncml/index.js';
import type { Alert, Command, Cred, Item, ItemCommand, Results, Status, SyncML } from '../../src/syncml/model.js';
import { formatHmacHeader, hmacMac } from '../../src/dm/auth.js';
import { numberCommands } from './commands.js';
import type { Encoding } from './types.js';

export interface SendOptions {
  final?: boolean;
  cred?: Cred;
  /** Sign with x-syncml-hmac (docs/protocol.md §3.5) using this user/secret/nonce. */
  hmac?: { user: string; secret: string; nonce: Uint8Array };
  /** Change one byte of the body after signing (to test that the server notices); needs DevInfo in the message. */
  tamper?: boolean;
  locName?: string;
  /** Post to this path instead of the RespURI the server handed out. */
  path?: string;
  maxMsgSize?: string;
  /** Send the CmdIDs as set by the caller (to test numbering checks); default: number them 1, 2, 3... */
  keepCmdIds?: boolean;
}

export interface Exchange {
  reply: SyncML;
  status: number;
  headers: Headers;
  sent: SyncML;
  bytesSent: number;
  bytesReceived: number;
}

export function genericAlert(
  type: string,
  data: string,
  o: { source?: string; target?: string; format?: string; mark?: string; correlator?: string } = {},
): Alert {
  const item: Item = { meta: { type, format: o.format || 'chr' }, data };
  if (o.mark) item.meta = { ...item.meta, mark: o.mark };
  if (o.source) item.source = { locURI: o.source };
  if (o.target) item.target = { locURI: o.target };
  const a: Alert = { kind: 'Alert', cmdID: '', data: '1226', items: [item] };
  if (o.correlator) a.correlator = o.correlator;
  return a;
}

export function sessionAlert(code: '1200' | '1201' | '1222' | '1223'): Alert {
  return { kind: 'Alert', cmdID: '', data: code, items: [] };
}

/** Replace of the DevInfo leaves that package 1 must carry (docs/protocol.md §1.9, §4.1). */
export function devInfoReplace(devId: string): ItemCommand {
  const leaves: Array<[string, string]> = [
    ['DevId', devId],
    ['Man', 'Example Gateways'],
    ['Mod', 'GW-1'],
    ['DmV', 'dm-agent 0.1'],
    ['Lang', 'en-US'],
  ];
  return {
    kind: 'Replace',
    cmdID: '',
    items: leaves.map(([k, v]) => ({ source: { locURI: `./DevInfo/${k}` }, meta: { format: 'chr', type: 'text/plain' }, data: v })),
  };
}

export class TestClient {
  msgId = 0;
  last?: SyncML;
  private respUri?: string;

  constructor(
    readonly serverUrl: string,
    readonly devId: string,
    readonly sessionId: string,
    readonly encoding: Encoding = 'xml',
  ) {}

  /** Package 1: Alert 1201 (or 1200), the given Generic Alerts, DevInfo, Final. */
  pkg1(alerts: Alert[], o: SendOptions & { initiation?: '1200' | '1201' } = {}): Promise<Exchange> {
    return this.send([sessionAlert(o.initiation || '1201'), ...alerts, devInfoReplace(this.devId)], o);
  }

  /** Status for the server's SyncHdr plus one Status per server command, code chosen per command (default 200). */
  statuses(reply: SyncML, code: (c: Command) => number | undefined = () => 200, hdrCode = 200): Status[] {
    const out: Status[] = [
      {
        kind: 'Status',
        cmdID: '',
        msgRef: reply.hdr.msgID,
        cmdRef: '0',
        cmd: 'SyncHdr',
        targetRefs: [reply.hdr.target.locURI],
        sourceRefs: [reply.hdr.source.locURI],
        data: String(hdrCode),
        items: [],
      },
    ];
    const visit = (cmds: Command[]) => {
      for (const c of cmds) {
        if (c.kind === 'Status' || c.kind === 'Results') continue;
        const n = code(c);
        if (n !== undefined)
          out.push({ kind: 'Status', cmdID: '', msgRef: reply.hdr.msgID, cmdRef: c.cmdID, cmd: c.kind, targetRefs: [], sourceRefs: [], data: String(n), items: [] });
        if (c.kind === 'Atomic' || c.kind === 'Sequence') visit(c.commands);
      }
    };
    visit(reply.body);
    return out;
  }

  results(reply: SyncML, get: Command, items: Item[]): Results {
    return { kind: 'Results', cmdID: '', msgRef: reply.hdr.msgID, cmdRef: get.cmdID, targetRefs: [], sourceRefs: [], items };
  }

  async send(body: Command[], o: SendOptions = {}): Promise<Exchange> {
    this.msgId++;
    if (!o.keepCmdIds) numberCommands(body);
    const sent: SyncML = {
      hdr: {
        verDTD: '1.2',
        verProto: 'DM/1.2',
        sessionID: this.sessionId,
        msgID: String(this.msgId),
        target: { locURI: this.serverUrl },
        source: o.locName ? { locURI: this.devId, locName: o.locName } : { locURI: this.devId },
        cred: o.cred,
        meta: { maxMsgSize: o.maxMsgSize || '16384' },
      },
      body,
      final: o.final !== false,
    };
    const bytes = this.encoding === 'wbxml' ? encodeWbxml(sent) : new Uint8Array(Buffer.from(encodeXml(sent), 'utf8'));
    const headers: Record<string, string> = { 'content-type': this.encoding === 'wbxml' ? MIME_WBXML : MIME_XML };
    if (o.hmac) headers['x-syncml-hmac'] = formatHmacHeader(o.hmac.user, hmacMac(o.hmac.user, o.hmac.secret, o.hmac.nonce, bytes));
    if (o.tamper) {
      // Change the DevInfo model GW-1 into GW-2: still a valid message, but not the signed one.
      const at = Buffer.from(bytes).indexOf('GW-1');
      if (at < 0) throw new Error('tamper needs the DevInfo Replace in the message');
      bytes[at + 3] = 0x32;
    }
    let url = this.respUri || this.serverUrl;
    if (o.path) url = new URL(o.path, this.serverUrl).toString();
    const res = await fetch(url, { method: 'POST', headers, body: bytes });
    const raw = new Uint8Array(await res.arrayBuffer());
    if (res.status !== 200) throw new Error(`server answered HTTP ${res.status}: ${Buffer.from(raw).toString('utf8')}`);
    const reply = decodeMessage(raw, res.headers.get('content-type') || '');
    this.last = reply;
    if (reply.hdr.respURI) this.respUri = reply.hdr.respURI;
    return { reply, status: res.status, headers: res.headers, sent, bytesSent: bytes.length, bytesReceived: raw.length };
  }
}

/** The commands of a reply other than Status/Results. */
export function commandsOf(reply: SyncML): Command[] {
  return reply.body.filter((c) => c.kind !== 'Status' && c.kind !== 'Results');
}

/** The Status the server wrote for one of our commands (by CmdRef) or for our SyncHdr ('0'). */
export function statusFor(reply: SyncML, cmdRef: string): Status | undefined {
  return reply.body.find((c): c is Status => c.kind === 'Status' && c.cmdRef === cmdRef);
}
