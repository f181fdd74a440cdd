// Session fuzzer: whole server messages with hostile content fed to a real DmSession over an in-process scripted
// transport (no sockets: thousands of sessions per second). A case passes when run() resolves with a
// SessionOutcome or rejects with a SessionError, within the per-case time limit, and the session sent no more
// messages than server.maxMessages allows. Anything else is a crash, saved to build/fuzz-crashes/.
//
//   npx tsx scripts/fuzz-session.ts --cases N [--seed S]     (also: scripts/fuzz session --cases N)
//
// Hostile content (issue 10): Meta sizes (Size, MaxMsgSize, MaxObjSize = 2^53, negative, non-numeric), deep
// Atomic/Sequence nesting, 10^5 commands, UI alerts with absurd parameters (MAXDT=1e12, 10^4 choices), Status
// floods, wrong MsgRef/CmdRef, SessionID changes, hostile RespURI and tree URIs, servers that never end, and random
// byte mutations of the encoded messages (WBXML and XML).
import { DmSession, SessionError, type SessionDeps, type SessionSettings } from '../src/dm/session.js';
import { CommandExecutor } from '../src/dm/executor.js';
import { ClientAuthenticator } from '../src/dm/client-auth.js';
import { ServerAuthenticator } from '../src/dm/server-auth.js';
import { DmTree } from '../src/tree/dm-tree.js';
import { decodeMessage, encodeWbxml, encodeXml, MIME_WBXML, MIME_XML } from '../src/syncml/index.js';
import type { Command, Item, Meta, Status, SyncML } from '../src/syncml/model.js';
import type { HttpResponse, Log, Transport } from '../src/ports/runtime.js';
import type { TreePlugin } from '../src/tree/plugin.js';
import { utf8Encode } from '../src/bytes.js';
import { buildUpdateRequest } from '../src/alerts/update-request.js';
import { createUiAlertHandler } from '../src/agent/ui-handler.js';
import { BoundedUiQueue, HeadlessUi, DEFAULT_HEADLESS, DEFAULT_UI_LIMITS } from '../src/ui/index.js';
import { prng } from './fuzz-core.js';

type Rng = () => number;
const int = (r: Rng, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)];

export const HOSTILE_NUMBERS = ['9007199254740992', '9007199254740993', '-1', '-9007199254740992', '0', 'abc', '1e400', '', ' 12 ', '0x10', 'NaN', 'Infinity', '4294967296', '1.5', '00000000000000000000000000000001', '18446744073709551616'];
const HOSTILE_URIS = [
  './../etc/passwd', './Vendor/../DevInfo/DevId', '../x', './a/./b', './Vendor/Setting\u0000', './Vendor/\u0007bell', './' + 'x'.repeat(5000), './' + Array(2000).fill('a').join('/'),
  '', '.', './', '/abs', './Vendor//Setting', './DevInfo/DevId?list=Struct', './Vendor/%2e%2e', 'http://evil/x', './Vendor/Setting', './DevDetail/FwV', './FUMO/DownloadAndUpdate', './FUMO/DownloadAndUpdate/PkgURL', './FUMO/State',
];
const HOSTILE_STRINGS = ['', '\u0000', 'a'.repeat(70000), '\ud800', '<![CDATA[', ']]>', '&amp;&lt;', 'file:///etc/shadow', 'http://u:p@evil/fw.bin', 'ftp://evil/fw', '%00', '\u202e'];
const UI_PARAMS = ['MAXDT=1000000000000', 'MINDT=-1', 'MAXDT=-5&MINDT=9007199254740993', 'DR=99999', 'DR=1-2-3-4', 'MAXLEN=1000000000000000', 'IT=Z&ET=Q', 'IT=D&MAXLEN=-1', '&&&==&', 'MINDT=1e12', '%ZZ%', 'DR=0', 'DR=' + Array(1000).fill('1').join('-'), 'x'.repeat(10000)];

export interface SessionFuzzCrash {
  category: string;
  error: string;
  /** The server messages of the case, encoded as sent (the first one that was answered to the client is first). */
  input: Uint8Array[];
}

export interface SessionFuzzResult {
  cases: number;
  outcomes: number;
  sessionErrors: Record<string, number>;
  crashes: SessionFuzzCrash[];
  hangs: number;
  maxMs: number;
  slowest: string;
  byCategory: Record<string, number>;
  peakRss: number;
  peakRssCategory: string;
}

export interface SessionFuzzOptions {
  cases: number;
  seed: number;
  /** Per-case wall-clock limit; a case still running then is a hang. */
  caseLimitMs?: number;
  /** Scale for the big categories (10^5 commands, 10^4 choices); lower it for CI. */
  big?: number;
  now: () => number;
  progress?: (n: number) => void;
  /** Resident memory now (bytes); sampled after every case to name the category where the peak was reached. */
  rss?: () => number;
}

const silent: Log = { log: () => undefined };

function st(msgRef: string, cmdRef: string, cmd: string, data: string, extra: Partial<Status> = {}): Status {
  return { kind: 'Status', cmdID: '0', msgRef, cmdRef, cmd, targetRefs: [], sourceRefs: [], data, items: [], ...extra };
}

function ackAll(client: SyncML, alertCode = '200'): Status[] {
  const out: Status[] = [st(client.hdr.msgID, '0', 'SyncHdr', '200')];
  for (const c of client.body) {
    if (c.kind === 'Status' || c.kind === 'Results') continue;
    out.push(st(client.hdr.msgID, c.cmdID, c.kind, c.kind === 'Alert' && c.data === '1226' ? alertCode : '200'));
  }
  return out;
}

function reply(client: SyncML, body: Command[], final = true, hdrExtra: Partial<SyncML['hdr']> = {}): SyncML {
  return {
    hdr: { verDTD: '1.2', verProto: 'DM/1.2', sessionID: client.hdr.sessionID, msgID: client.hdr.msgID, target: { locURI: client.hdr.source.locURI }, source: { locURI: client.hdr.target.locURI }, ...hdrExtra },
    body,
    final,
  };
}

/** Numbers CmdIDs 1.. (nested too), unless the case wants them hostile. */
function number(cmds: Command[], next = { n: 0 }): void {
  for (const c of cmds) {
    c.cmdID = String(++next.n);
    if (c.kind === 'Atomic' || c.kind === 'Sequence') number(c.commands, next);
  }
}

function hostileMeta(r: Rng): Meta {
  const m: Meta = {};
  if (r() < 0.7) m.size = pick(r, HOSTILE_NUMBERS);
  if (r() < 0.3) m.maxObjSize = pick(r, HOSTILE_NUMBERS);
  if (r() < 0.3) m.format = pick(r, ['chr', 'bin', 'b64', 'int', 'node', 'bogus', '']);
  if (r() < 0.3) m.type = pick(r, ['text/plain', 'application/octet-stream', '', 'x'.repeat(3000)]);
  return m;
}

function randomItemCommand(r: Rng): Command {
  const kind = pick(r, ['Get', 'Replace', 'Add', 'Delete', 'Copy'] as const);
  const item: Item = { target: { locURI: pick(r, HOSTILE_URIS) } };
  if (kind === 'Copy') item.source = { locURI: pick(r, HOSTILE_URIS) };
  if (kind === 'Replace' || kind === 'Add') item.data = r() < 0.5 ? pick(r, HOSTILE_STRINGS) : 'v' + int(r, 1000);
  if (r() < 0.3) item.meta = hostileMeta(r);
  if (r() < 0.2) item.moreData = true;
  return { kind, cmdID: '0', items: [item] };
}

function nest(r: Rng, depth: number): Command {
  let c: Command = randomItemCommand(r);
  for (let i = 0; i < depth; i++) c = { kind: r() < 0.5 ? 'Atomic' : 'Sequence', cmdID: '0', commands: r() < 0.8 ? [c] : [c, randomItemCommand(r)] };
  return c;
}

function uiAlert(r: Rng, big: number): Command {
  const code = pick(r, ['1100', '1101', '1102', '1103', '1104', '1105', '1199']);
  const items: Item[] = [{ data: pick(r, UI_PARAMS) }, { data: r() < 0.2 ? 'x'.repeat(100000) : 'Install?' }];
  const choices = code === '1103' || code === '1104' ? pick(r, [0, 1, 3, big]) : r() < 0.1 ? 50 : 0;
  for (let i = 0; i < choices; i++) items.push({ data: 'choice ' + i });
  return { kind: 'Alert', cmdID: '0', data: code, items };
}

/** One fuzz category: what the fake server answers to client message n (1-based), and whether the case is "big". */
export interface Category {
  name: string;
  maxMsgSize?: number;
  script(client: SyncML, n: number, r: Rng, big: number): SyncML;
}

const CATEGORIES: Category[] = [
  {
    name: 'hdr-meta',
    script: (c, n, r) => {
      const m = reply(c, n === 1 ? [...ackAll(c), { kind: 'Get', cmdID: '0', items: [{ target: { locURI: pick(r, ['./DevDetail/Big', './DevInfo/DevId', './Vendor']) } }] }] : ackAll(c));
      m.hdr.meta = { maxMsgSize: pick(r, HOSTILE_NUMBERS), maxObjSize: pick(r, HOSTILE_NUMBERS) };
      return m;
    },
  },
  {
    name: 'item-meta-size',
    script: (c, n, r) => {
      if (n > 3) return reply(c, ackAll(c));
      const cmds: Command[] = [];
      for (let i = 0, k = 1 + int(r, 4); i < k; i++) {
        const kind = pick(r, ['Replace', 'Add', 'Exec'] as const);
        const item: Item = { target: { locURI: pick(r, ['./Vendor/Setting', './Vendor/New' + i, './FUMO/DownloadAndUpdate', './FUMO/DownloadAndUpdate/PkgURL']) }, data: 'chunk' + i, meta: hostileMeta(r) };
        if (r() < 0.6) item.moreData = true;
        cmds.push(kind === 'Exec' ? { kind, cmdID: '0', items: [item] } : { kind, cmdID: '0', meta: r() < 0.3 ? hostileMeta(r) : undefined, items: [item] });
      }
      number(cmds);
      return reply(c, [...ackAll(c), ...cmds], r() < 0.7);
    },
  },
  {
    name: 'nesting',
    script: (c, n, r) => {
      if (n > 1) return reply(c, ackAll(c));
      const cmds = [nest(r, pick(r, [2, 10, 20, 25, 26, 30, 100, 1000, 3000]))];
      number(cmds);
      return reply(c, [...ackAll(c), ...cmds]);
    },
    maxMsgSize: 4 * 1024 * 1024,
  },
  {
    name: 'many-commands',
    maxMsgSize: 16 * 1024 * 1024,
    script: (c, n, r, big) => {
      if (n > 1) return reply(c, ackAll(c));
      const count = pick(r, [100, 1000, big]);
      const kind = pick(r, ['Get', 'Replace', 'Delete', 'Alert'] as const);
      const cmds: Command[] = [];
      for (let i = 0; i < count; i++) {
        if (kind === 'Alert') cmds.push({ kind, cmdID: '0', data: '1100', items: [{ data: 'MINDT=1' }, { data: 'hi' }] });
        else cmds.push({ kind, cmdID: '0', items: [{ target: { locURI: i % 2 ? './Vendor/Setting' : './DevInfo/DevId' }, data: kind === 'Replace' ? 'x' : undefined }] });
      }
      number(cmds);
      return reply(c, [...ackAll(c), ...cmds]);
    },
  },
  {
    name: 'ui-alerts',
    maxMsgSize: 4 * 1024 * 1024,
    script: (c, n, r, big) => {
      if (n > 2) return reply(c, ackAll(c));
      const cmds: Command[] = [];
      for (let i = 0, k = 1 + int(r, 5); i < k; i++) cmds.push(uiAlert(r, big / 10));
      number(cmds);
      return reply(c, [...ackAll(c), ...cmds]);
    },
  },
  {
    name: 'status-flood',
    maxMsgSize: 4 * 1024 * 1024,
    script: (c, n, r, big) => {
      if (n > 3) return reply(c, ackAll(c));
      const body: Command[] = [];
      const count = pick(r, [10, 1000, big / 10]);
      for (let i = 0; i < count; i++) {
        const s = st(pick(r, [c.hdr.msgID, '0', '999', '-1', 'x']), pick(r, ['0', '1', '2', '3', String(i), 'abc']), pick(r, ['SyncHdr', 'Alert', 'Replace', 'Bogus']), pick(r, ['200', '401', '407', '212', '500', '1223', 'abc', '', '99999999999']));
        if (r() < 0.05) s.chal = { meta: { type: pick(r, ['syncml:auth-md5', 'syncml:auth-basic', 'syncml:auth-MAC', 'x']), format: 'b64', nextNonce: pick(r, ['AAAA', '!!!', '', 'x'.repeat(1000)]) } };
        body.push(s);
      }
      number(body);
      return reply(c, body, r() < 0.8);
    },
  },
  {
    name: 'wrong-refs',
    script: (c, n, r) => {
      if (n > 4) return reply(c, ackAll(c));
      const body: Command[] = ackAll(c).map((s) => ({ ...s, msgRef: pick(r, [s.msgRef, '0', '77', '']), cmdRef: pick(r, [s.cmdRef, '0', '99', '']) }));
      for (let i = 0, k = int(r, 4); i < k; i++) body.push(randomItemCommand(r));
      for (const x of body) x.cmdID = pick(r, ['1', '1', '0', '', '-3', 'abc', String(int(r, 1e9))]);
      return reply(c, body, r() < 0.7, r() < 0.3 ? { msgID: pick(r, ['0', '1', c.hdr.msgID, '99', '']) } : {});
    },
  },
  {
    name: 'session-id',
    script: (c, n, r) => reply(c, [...ackAll(c), { kind: 'Get', cmdID: '9', items: [{ target: { locURI: './DevInfo/DevId' } }] }], true, n >= 1 + int(r, 3) ? { sessionID: pick(r, ['1B', '', '0', c.hdr.sessionID + ' ', 'x'.repeat(300)]) } : {}),
  },
  {
    name: 'resp-uri',
    script: (c, n, r) => reply(c, n > 3 ? ackAll(c) : [...ackAll(c), { kind: 'Get', cmdID: '9', items: [{ target: { locURI: './DevInfo/Mod' } }] }], true, { respURI: pick(r, ['', ' ', 'file:///etc/passwd', 'ftp://x/', 'http://u:p@evil/dm', 'javascript:1', 'x'.repeat(10000), 'http://dm.example/dm?s=1', '\u0000']) }),
  },
  {
    name: 'tree-commands',
    script: (c, n, r) => {
      if (n > 3) return reply(c, ackAll(c));
      const cmds: Command[] = [];
      for (let i = 0, k = 1 + int(r, 8); i < k; i++) {
        if (r() < 0.2) cmds.push({ kind: 'Exec', cmdID: '0', correlator: r() < 0.5 ? pick(r, HOSTILE_STRINGS) : undefined, items: r() < 0.1 ? [] : [{ target: { locURI: pick(r, HOSTILE_URIS) }, data: r() < 0.5 ? pick(r, HOSTILE_STRINGS) : undefined }] });
        else if (r() < 0.1) cmds.push({ kind: 'Alert', cmdID: '0', data: pick(r, ['1222', '1223', '1224', '1226', '1201', '9999', '']), items: [] });
        else cmds.push(randomItemCommand(r));
      }
      number(cmds);
      return reply(c, [...ackAll(c), ...cmds], r() < 0.8);
    },
  },
  {
    name: 'never-final',
    script: (c, n, r) => reply(c, [...ackAll(c), ...(r() < 0.5 ? [{ kind: 'Get' as const, cmdID: '5', items: [{ target: { locURI: './DevInfo/DevId' } }] }] : [])], false),
  },
  {
    name: 'large-object',
    script: (c, n, r) => {
      if (n > 6) return reply(c, ackAll(c));
      const total = pick(r, HOSTILE_NUMBERS.concat(['10', '100', '5']));
      const cmd: Command = { kind: 'Replace', cmdID: '0', items: [{ target: { locURI: './Vendor/Setting' }, meta: n === 1 ? { size: total } : undefined, data: 'abcdefgh'.repeat(1 + int(r, 4)), moreData: r() < 0.8 }] };
      const cmds: Command[] = [cmd];
      if (r() < 0.3) cmds.push(randomItemCommand(r));
      number(cmds);
      return reply(c, [...ackAll(c), ...cmds], false);
    },
  },
];

function esc(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function rawCommand(c: Command): string {
  if (c.kind === 'Atomic' || c.kind === 'Sequence') return `<${c.kind}><CmdID>${esc(c.cmdID)}</CmdID>${c.commands.map(rawCommand).join('')}</${c.kind}>`;
  if (c.kind === 'Status' || c.kind === 'Results') return '';
  const items = (c as Exclude<Command, { kind: 'Atomic' | 'Sequence' | 'Status' | 'Results' }>).items
    .map((i: Item) => `<Item>${i.target ? `<Target><LocURI>${esc(i.target.locURI)}</LocURI></Target>` : ''}${typeof i.data === 'string' ? `<Data>${esc(i.data)}</Data>` : ''}</Item>`)
    .join('');
  return `<${c.kind}><CmdID>${esc(c.cmdID)}</CmdID>${c.kind === 'Alert' && c.data ? `<Data>${esc(c.data)}</Data>` : ''}${items}</${c.kind}>`;
}

/** A server message as plain XML text, without the encoder's limits (statuses are left out). */
function rawXml(m: SyncML): string {
  const h = m.hdr;
  return (
    `<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>${esc(h.sessionID)}</SessionID><MsgID>${esc(h.msgID)}</MsgID>` +
    `<Target><LocURI>${esc(h.target.locURI)}</LocURI></Target><Source><LocURI>${esc(h.source.locURI)}</LocURI></Source></SyncHdr><SyncBody>` +
    m.body.map(rawCommand).join('') +
    (m.final ? '<Final/>' : '') +
    '</SyncBody></SyncML>'
  );
}

function mutate(b: Uint8Array, r: Rng): Uint8Array {
  const o = b.slice();
  const how = int(r, 4);
  if (how === 0) {
    for (let i = 0, k = 1 + int(r, 8); i < k; i++) o[int(r, o.length)] ^= 1 << int(r, 8);
    return o;
  }
  if (how === 1) return o.subarray(0, int(r, o.length));
  if (how === 2) {
    for (let i = 0, k = 1 + int(r, 4); i < k; i++) o[int(r, o.length)] = pick(r, [0, 1, 3, 0x40, 0x43, 0x83, 0xc3, 0xff, 0x80]);
    return o;
  }
  // Duplicate a slice in place (grows nesting / repeats elements).
  const a = int(r, o.length);
  const len = Math.min(o.length - a, 1 + int(r, 64));
  const out = new Uint8Array(o.length + len);
  out.set(o.subarray(0, a + len), 0);
  out.set(o.subarray(a, a + len), a + len);
  out.set(o.subarray(a + len), a + 2 * len);
  return out;
}

const DEV_INFO: Array<[string, string]> = [
  ['./DevInfo/DevId', 'MAC:0011223344'],
  ['./DevInfo/Man', 'Acme'],
  ['./DevInfo/Mod', 'GW-1'],
  ['./DevInfo/DmV', 'dm-agent 0.1'],
  ['./DevInfo/Lang', 'en-US'],
];

export interface Effects {
  execs: number;
  replaces: number;
}

export function fuzzTree(effects: Effects): DmTree {
  const tree = new DmTree();
  for (const [uri, v] of DEV_INFO) tree.setValue(uri, { data: v }, { acl: 'Get=*' });
  tree.setValue('./DevDetail/FwV', { data: '1.0.0' }, { acl: 'Get=*' });
  tree.setValue('./DevDetail/Big', { data: 'B'.repeat(20000) }, { acl: 'Get=*' });
  tree.setValue('./Vendor/Setting', { data: 'old' }, { acl: 'Get=*&Replace=*&Add=*&Delete=*' });
  tree.ensureInterior('./Vendor', { acl: 'Get=*&Add=*&Replace=*' });
  const fumo: TreePlugin = {
    stat: async (p) => (p.length === 0 ? { kind: 'interior', acl: 'Get=*&Exec=*&Replace=*' } : p[0] === 'DownloadAndUpdate' ? (p.length === 1 ? { kind: 'interior' } : p.length === 2 && p[1] === 'PkgURL' ? { kind: 'leaf' } : null) : p[0] === 'State' && p.length === 1 ? { kind: 'leaf' } : null),
    list: async (p) => (p.length === 0 ? ['DownloadAndUpdate', 'State'] : p.length === 1 && p[0] === 'DownloadAndUpdate' ? ['PkgURL'] : []),
    read: async () => ({ data: '10' }),
    replace: async () => (effects.replaces++, 200),
    exec: async () => (effects.execs++, 202),
  };
  tree.mount('./FUMO', fumo);
  return tree;
}

/**
 * What must hold after any session, whatever the server sent: Get-only values unchanged (ACL, docs/protocol.md §1.12); and
 * when the agent requires server credentials (the fuzz server never sends any), nothing executed at all (§3.3).
 */
export async function invariantBroken(tree: DmTree, effects: Effects, serverAuthOn: boolean): Promise<string | null> {
  for (const [uri, v] of DEV_INFO) {
    const got = await tree.getValue(uri);
    if (!got || got.data !== v) return `invariant: Get-only ${uri} changed to ${JSON.stringify(got && got.data)}`;
  }
  const fw = await tree.getValue('./DevDetail/FwV');
  if (!fw || fw.data !== '1.0.0') return 'invariant: Get-only ./DevDetail/FwV changed';
  if (serverAuthOn) {
    if (effects.execs || effects.replaces) return `invariant: unauthenticated server got ${effects.execs} Exec / ${effects.replaces} Replace executed`;
    const setting = await tree.getValue('./Vendor/Setting');
    if (!setting || setting.data !== 'old') return 'invariant: unauthenticated server changed ./Vendor/Setting';
    const kids = await tree.children('./Vendor');
    if (!kids || kids.join(',') !== 'Setting') return `invariant: unauthenticated server changed ./Vendor children: ${kids && kids.join(',')}`;
  }
  return null;
}

export interface CaseResult {
  kind: 'outcome' | 'session-error' | 'crash' | 'hang';
  detail: string;
  /** The SessionError's message, for a session-error. */
  message?: string;
  ms: number;
  input: Uint8Array[];
}

/** Runs one fuzz case: category `cat`, seeded `r`; never throws. */
export async function runSessionCase(cat: Category, r: Rng, big: number, limitMs: number, now: () => number): Promise<CaseResult> {
  const encoding = r() < 0.5 ? 'wbxml' : 'xml';
  const mutateProb = r() < 0.25 ? 0.6 : 0;
  const maxMessages = pick(r, [5, 12, 50]);
  const settings: SessionSettings = { serverUrl: 'http://dm.example/dm', serverId: 'srv', devId: 'MAC:0011223344', encoding, maxMsgSize: cat.maxMsgSize || 65536, maxObjSize: pick(r, [512, 65536, 1 << 20]), maxMessages, timeoutMs: 1000 };
  const sent: Uint8Array[] = [];
  let posts = 0;
  let rawSent = false;
  let scriptError: Error | undefined;
  const transport: Transport = {
    async post(req): Promise<HttpResponse> {
      posts++;
      const client = decodeMessage(req.body, req.headers['content-type']);
      let msg: SyncML;
      try {
        msg = cat.script(client, posts, r, big);
      } catch (e) {
        scriptError = e as Error;
        throw e;
      }
      let xml = req.headers['content-type'] === MIME_XML;
      let body: Uint8Array;
      try {
        body = xml ? utf8Encode(encodeXml(msg)) : encodeWbxml(msg);
      } catch {
        // Our own encoder refuses what it would never produce (e.g. nesting past its limit): send the message as
        // hand-written XML text instead, whatever the session's encoding — a hostile server is not bound by it.
        body = utf8Encode(rawXml(msg));
        xml = true;
        rawSent = true;
      }
      if (mutateProb && r() < mutateProb) body = mutate(body, r);
      sent.push(body);
      if (r() < 0.01) return { status: pick(r, [500, 503, 404, 302, 0]), headers: {}, body };
      return { status: 200, headers: { 'content-type': xml ? MIME_XML : MIME_WBXML }, body };
    },
  };
  const nonces = { c: utf8Encode('cn'), s: utf8Encode('sn') };
  const clientNonces = { clientNonce: () => nonces.c, setClientNonce: async (n: Uint8Array) => void (nonces.c = n) };
  const serverNonces = { serverNonce: () => nonces.s, setServerNonce: async (n: Uint8Array) => void (nonces.s = n) };
  const serverAuthOn = r() < 0.1;
  const effects: Effects = { execs: 0, replaces: 0 };
  const tree = fuzzTree(effects);
  const deps: SessionDeps = {
    transport,
    clock: { now: () => 0, sleep: async () => undefined },
    log: silent,
    executor: new CommandExecutor(tree, createUiAlertHandler(new BoundedUiQueue(new HeadlessUi(DEFAULT_HEADLESS, silent), 4, silent), silent, DEFAULT_UI_LIMITS), settings.maxObjSize),
    clientAuth: new ClientAuthenticator({ type: 'none', name: '', secret: '' }, clientNonces),
    serverAuth: new ServerAuthenticator(serverAuthOn ? { type: 'basic', name: 'srv', secret: 'pw' } : { type: 'none', name: '', secret: '' }, serverNonces, () => utf8Encode('fresh')),
    devInfo: async () => DEV_INFO,
  };
  const session = new DmSession(settings, deps, { initiator: r() < 0.5 ? 'client' : 'server', sessionId: '1A', alerts: [buildUpdateRequest('device', { kind: 'fumo' })] });
  const t0 = now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), limitMs)));
  try {
    const res = await Promise.race([session.run(), hang]);
    const ms = now() - t0;
    if (res === 'hang') return { kind: 'hang', detail: `no end after ${limitMs} ms`, ms, input: sent };
    if (scriptError) return { kind: 'crash', detail: `fuzzer script failed: ${scriptError.message}`, ms, input: sent };
    if (posts > maxMessages) return { kind: 'crash', detail: `sent ${posts} messages, cap ${maxMessages}`, ms, input: sent };
    const broken = await invariantBroken(tree, effects, serverAuthOn);
    if (broken) return { kind: 'crash', detail: broken, ms, input: sent };
    return { kind: 'outcome', detail: res.end + (rawSent ? ' (raw xml)' : ''), ms, input: sent };
  } catch (e) {
    const ms = now() - t0;
    if (e instanceof SessionError && !scriptError) {
      if (posts > maxMessages) return { kind: 'crash', detail: `sent ${posts} messages, cap ${maxMessages}`, ms, input: sent };
      const broken = await invariantBroken(tree, effects, serverAuthOn);
      if (broken) return { kind: 'crash', detail: broken, ms, input: sent };
      return { kind: 'session-error', detail: e.kind, message: e.message, ms, input: sent };
    }
    const err = e as Error;
    return { kind: 'crash', detail: `${err && err.name}: ${err && err.message}\n${err && err.stack ? err.stack.split('\n').slice(1, 6).join('\n') : ''}`, ms, input: sent };
  } finally {
    clearTimeout(timer);
  }
}

export async function runSessionFuzz(opts: SessionFuzzOptions): Promise<SessionFuzzResult> {
  const r = prng(opts.seed);
  const big = opts.big || 100000;
  const limit = opts.caseLimitMs || 10000;
  const res: SessionFuzzResult = { cases: 0, outcomes: 0, sessionErrors: {}, crashes: [], hangs: 0, maxMs: 0, slowest: '', byCategory: {}, peakRss: 0, peakRssCategory: '' };
  for (let i = 0; i < opts.cases; i++) {
    const cat = CATEGORIES[i % CATEGORIES.length];
    // The expensive categories run at full size one time in 50, otherwise scaled down 100x.
    const scale = cat.name === 'many-commands' || cat.name === 'ui-alerts' || cat.name === 'status-flood' ? (r() < 0.02 ? big : Math.max(10, Math.floor(big / 100))) : big;
    const c = await runSessionCase(cat, r, scale, limit, opts.now);
    res.cases++;
    res.byCategory[cat.name] = (res.byCategory[cat.name] || 0) + 1;
    if (c.ms > res.maxMs) {
      res.maxMs = c.ms;
      res.slowest = `${cat.name} (${c.kind}: ${c.detail.split('\n')[0]})`;
    }
    if (c.kind === 'outcome') res.outcomes++;
    else if (c.kind === 'session-error') res.sessionErrors[c.detail] = (res.sessionErrors[c.detail] || 0) + 1;
    else if (c.kind === 'hang') {
      res.hangs++;
      res.crashes.push({ category: cat.name, error: c.detail, input: c.input });
    } else res.crashes.push({ category: cat.name, error: c.detail, input: c.input });
    if (opts.rss) {
      const m = opts.rss();
      if (m > res.peakRss) {
        res.peakRss = m;
        res.peakRssCategory = `${cat.name} (${c.kind}${c.message ? ': ' + c.message.slice(0, 80) : ''})`;
      }
    }
    if (opts.progress) opts.progress(i + 1);
  }
  return res;
}

export const SESSION_FUZZ_CATEGORIES = CATEGORIES.map((c) => c.name);

/** A category by name, to re-run or measure one kind of case. */
export function sessionFuzzCategory(name: string): Category | undefined {
  return CATEGORIES.find((c) => c.name === name);
}

/** Writes the first crash inputs to build/fuzz-crashes/ (one file per server message of the case). */
export async function saveCrashes(dir: string, crashes: SessionFuzzCrash[], prefix: string): Promise<void> {
  const fs = await import('node:fs');
  const path = await import('node:path');
  fs.mkdirSync(dir, { recursive: true });
  crashes.slice(0, 10).forEach((c, i) => {
    c.input.forEach((b, j) => fs.writeFileSync(path.join(dir, `${prefix}-${i}-msg${j + 1}.bin`), b));
    fs.writeFileSync(path.join(dir, `${prefix}-${i}.txt`), `${c.category}\n${c.error}\n`);
  });
}

async function main(): Promise<void> {
  const path = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const arg = (name: string, dflt: number) => {
    const i = process.argv.indexOf(name);
    return i >= 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : dflt;
  };
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const cases = arg('--cases', 20000);
  const seed = arg('--seed', Date.now() % 0x7fffffff);
  const big = arg('--big', 100000);
  let peak = process.memoryUsage().rss;
  const t0 = Date.now();
  const res = await runSessionFuzz({
    cases,
    seed,
    big,
    now: () => performance.now(),
    rss: () => process.memoryUsage().rss,
    progress: (n) => {
      if (n % 100 === 0) peak = Math.max(peak, process.memoryUsage().rss);
      if (n % 10000 === 0) process.stderr.write(`  ${n} cases, ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    },
  });
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(`session fuzz: seed ${seed}, big ${big}`);
  console.log(`cases:          ${res.cases}`);
  console.log(`outcomes:       ${res.outcomes}`);
  console.log(`session errors: ${Object.entries(res.sessionErrors).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(`crashes:        ${res.crashes.length} (hangs ${res.hangs})`);
  console.log(`max ms/case:    ${res.maxMs.toFixed(1)} (${res.slowest})`);
  console.log(`peak RSS:       ${(Math.max(peak, res.peakRss) / 1048576).toFixed(1)} MiB (reached in ${res.peakRssCategory})`);
  console.log(`by category:    ${Object.entries(res.byCategory).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(`wall time:      ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (res.crashes.length) {
    const dir = path.join(repoRoot, 'build', 'fuzz-crashes');
    await saveCrashes(dir, res.crashes, `session-${seed}`);
    for (const c of res.crashes.slice(0, 10)) console.log(`  crash [${c.category}]: ${c.error.split('\n')[0]}`);
    console.log(`inputs written to ${dir}`);
    process.exitCode = 1;
  }
}

if (typeof process !== 'undefined' && process.argv[1] && /fuzz-session\.ts$/.test(process.argv[1])) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 2;
  });
}
