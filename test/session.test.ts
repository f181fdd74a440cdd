// The session engine against a scripted server: package flow, statuses, auth both ways, aborts, caps, splitting.
import { describe, expect, it } from 'vitest';
import { DmSession, SessionError, type SessionDeps, type SessionSettings } from '../src/dm/session.js';
import { CommandExecutor, type UiAlertHandler } from '../src/dm/executor.js';
import { ClientAuthenticator } from '../src/dm/client-auth.js';
import { ServerAuthenticator } from '../src/dm/server-auth.js';
import { DmTree } from '../src/tree/dm-tree.js';
import { decodeMessage, encodeWbxml, encodeXml, MIME_WBXML, MIME_XML } from '../src/syncml/index.js';
import type { Command, ItemCommand, Status, SyncML } from '../src/syncml/model.js';
import type { HttpRequest, Transport } from '../src/ports/runtime.js';
import { base64Decode, base64Encode, utf8Encode } from '../src/bytes.js';
import { md5CredData, hmacMac, formatHmacHeader } from '../src/dm/auth.js';
import { buildUpdateRequest } from '../src/alerts/update-request.js';

type Script = (msg: SyncML, req: HttpRequest, n: number) => SyncML | { msg: SyncML; headers?: Record<string, string>; raw?: (b: Uint8Array) => Record<string, string> };

function scriptedTransport(script: Script, log: SyncML[]): Transport {
  let n = 0;
  return {
    async post(req) {
      const msg = decodeMessage(req.body, req.headers['content-type']);
      log.push(msg);
      const r = script(msg, req, ++n);
      const out = 'hdr' in r ? r : r.msg;
      const xml = req.headers['content-type'] === MIME_XML;
      const body = xml ? utf8Encode(encodeXml(out)) : encodeWbxml(out);
      const headers: Record<string, string> = { 'content-type': xml ? MIME_XML : MIME_WBXML };
      if (!('hdr' in r) && r.raw) Object.assign(headers, r.raw(body));
      return { status: 200, headers, body };
    },
  };
}

function serverMsg(client: SyncML, body: Command[], final = true, extra: Partial<SyncML['hdr']> = {}): SyncML {
  return {
    hdr: {
      verDTD: '1.2',
      verProto: 'DM/1.2',
      sessionID: client.hdr.sessionID,
      msgID: client.hdr.msgID,
      target: { locURI: client.hdr.source.locURI },
      source: { locURI: client.hdr.target.locURI },
      ...extra,
    },
    body,
    final,
  };
}

function st(cmdID: string, msgRef: string, cmdRef: string, cmd: string, data: string, extra: Partial<Status> = {}): Status {
  return { kind: 'Status', cmdID, msgRef, cmdRef, cmd, targetRefs: [], sourceRefs: [], data, items: [], ...extra };
}

/** Statuses for everything in a client message: 200 for its header and commands, `alertCode` for Generic Alerts. */
function ackAll(client: SyncML, alertCode = '202', hdrCode = '200'): Status[] {
  let id = 0;
  const out: Status[] = [st(String(++id), client.hdr.msgID, '0', 'SyncHdr', hdrCode)];
  for (const c of client.body) {
    if (c.kind === 'Status' || c.kind === 'Results') continue;
    const code = c.kind === 'Alert' && c.data === '1226' ? alertCode : '200';
    out.push(st(String(++id), client.hdr.msgID, c.cmdID, c.kind, code));
  }
  return out;
}

const settings: SessionSettings = {
  serverUrl: 'http://dm.example/dm',
  serverId: 'srv',
  devId: 'MAC:0011223344',
  encoding: 'wbxml',
  maxMsgSize: 65536,
  maxObjSize: 1 << 20,
  maxMessages: 12,
  timeoutMs: 1000,
};

function memNonces() {
  let c = utf8Encode('client-nonce');
  let s = utf8Encode('server-nonce');
  return {
    clientNonce: () => c,
    setClientNonce: async (n: Uint8Array) => void (c = n),
    serverNonce: () => s,
    setServerNonce: async (n: Uint8Array) => void (s = n),
  };
}

const yesUi: UiAlertHandler = { handle: async () => ({ code: 200, items: [], skipRest: false }) };

function makeSession(
  script: Script,
  opts: { log?: SyncML[]; tree?: DmTree; clientAuth?: ['none' | 'basic' | 'md5' | 'hmac', string, string]; serverAuth?: ['none' | 'basic' | 'md5' | 'hmac', string, string]; encoding?: 'xml' | 'wbxml'; ui?: UiAlertHandler; maxMessages?: number; nonces?: ReturnType<typeof memNonces>; settings?: Partial<SessionSettings> } = {},
) {
  const log = opts.log || [];
  const tree = opts.tree || new DmTree();
  tree.setValue('./DevDetail/FwV', { data: '1.0.0' }, { acl: 'Get=*' });
  tree.setValue('./Vendor/Setting', { data: 'old' }, { acl: 'Get=*&Replace=*' });
  const nonces = opts.nonces || memNonces();
  const [ct, cn, cs] = opts.clientAuth || ['none', '', ''];
  const [stt, sn, ss] = opts.serverAuth || ['none', '', ''];
  let counter = 0;
  const deps: SessionDeps = {
    transport: scriptedTransport(script, log),
    clock: { now: () => 0, sleep: async () => {} },
    log: { log: () => {} },
    executor: new CommandExecutor(tree, opts.ui || yesUi),
    clientAuth: new ClientAuthenticator({ type: ct, name: cn, secret: cs }, nonces),
    serverAuth: new ServerAuthenticator({ type: stt, name: sn, secret: ss }, nonces, () => utf8Encode(`fresh-${++counter}`)),
    devInfo: async () => [
      ['./DevInfo/DevId', 'MAC:0011223344'],
      ['./DevInfo/Man', 'Acme'],
      ['./DevInfo/Mod', 'GW-1'],
      ['./DevInfo/DmV', 'dm-agent 0.1'],
      ['./DevInfo/Lang', 'en-US'],
    ],
  };
  const alert = buildUpdateRequest('device', { kind: 'fumo' });
  const s = new DmSession({ ...settings, encoding: opts.encoding || 'wbxml', maxMessages: opts.maxMessages || settings.maxMessages, ...opts.settings }, deps, {
    initiator: 'client',
    sessionId: '1A',
    alerts: [alert],
  });
  return { session: s, log, tree, nonces };
}

describe('DM session engine', () => {
  it('story A: package 1 carries 1201, DevInfo and the request; a 202 with no commands ends the session', async () => {
    const { session, log } = makeSession((m) => serverMsg(m, ackAll(m, '202')));
    const out = await session.run();
    expect(out.alerts[0].status).toBe(202);
    expect(out.messagesSent).toBe(1);
    const p1 = log[0];
    expect(p1.hdr).toMatchObject({ verDTD: '1.2', verProto: 'DM/1.2', sessionID: '1A', msgID: '1', target: { locURI: settings.serverUrl }, source: { locURI: 'MAC:0011223344' } });
    expect(p1.hdr.meta!.maxMsgSize).toBe('65536');
    expect(p1.final).toBe(true);
    expect(p1.body.map((c) => c.kind + ':' + ('data' in c ? c.data : ''))).toEqual(['Alert:1201', 'Replace:', 'Alert:1226']);
    const ga = p1.body[2] as Extract<Command, { kind: 'Alert' }>;
    expect(ga.items[0].meta).toMatchObject({ type: 'org.openmobilealliance.dm.firmwareupdate.devicerequest', format: 'chr' });
    expect(ga.items[0].data).toBe(''); // Data is always present, empty when there is nothing to say
    expect((p1.body[1] as ItemCommand).items.map((i) => i.source!.locURI)).toEqual([
      './DevInfo/DevId', './DevInfo/Man', './DevInfo/Mod', './DevInfo/DmV', './DevInfo/Lang',
    ]);
  });

  it('story B: a 200 followed by commands: Get/Replace/Exec are answered with correct refs, then the session ends', async () => {
    const tree = new DmTree();
    const execs: string[] = [];
    tree.mount('./FUMO', {
      stat: async (p) =>
        p.length === 0 ? { kind: 'interior', acl: 'Get=*&Exec=*' } : p[0] === 'DownloadAndUpdate' && p.length === 1 ? { kind: 'interior' } : null,
      list: async (p) => (p.length === 0 ? ['DownloadAndUpdate'] : []),
      read: async () => ({ data: '' }),
      exec: async (p, args) => {
        execs.push(p.join('/') + '@' + args.correlator);
        return 202;
      },
    });
    const { session, log } = makeSession((m, _r, n) => {
      if (n === 1)
        return serverMsg(m, [
          ...ackAll(m, '200'),
          { kind: 'Get', cmdID: '7', items: [{ target: { locURI: './DevDetail/FwV' } }] },
          { kind: 'Replace', cmdID: '8', items: [{ target: { locURI: './Vendor/Setting' }, data: 'new' }] },
          { kind: 'Exec', cmdID: '9', correlator: 'corr-1', items: [{ target: { locURI: './FUMO/DownloadAndUpdate' } }] },
        ]);
      return serverMsg(m, ackAll(m));
    }, { tree });
    const out = await session.run();
    expect(out.alerts[0].status).toBe(200);
    expect(out.messagesSent).toBe(2);
    expect(execs).toEqual(['DownloadAndUpdate@corr-1']);
    const p3 = log[1];
    expect(p3.hdr.msgID).toBe('2');
    const byRef = (ref: string) => p3.body.find((c) => c.kind === 'Status' && c.cmdRef === ref) as Status;
    expect(byRef('0')).toMatchObject({ cmd: 'SyncHdr', msgRef: '1', data: '200', targetRefs: ['MAC:0011223344'], sourceRefs: [settings.serverUrl] });
    expect(byRef('7')).toMatchObject({ cmd: 'Get', data: '200' });
    expect(byRef('8')).toMatchObject({ cmd: 'Replace', data: '200' });
    expect(byRef('9')).toMatchObject({ cmd: 'Exec', data: '202' });
    const results = p3.body.find((c) => c.kind === 'Results')!;
    expect(results).toMatchObject({ cmdRef: '7', msgRef: '1' });
    expect((results as { items: { source?: { locURI: string }; data?: unknown }[] }).items[0]).toMatchObject({ source: { locURI: './DevDetail/FwV' }, data: '1.0.0' });
    expect((await tree.getValue('./Vendor/Setting'))!.data).toBe('new');
    // CmdIDs are unique within the message.
    const ids = p3.body.map((c) => c.cmdID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('md5: a 401 with Chal makes the client resend package 1 with a digest over the decoded nonce; 212 stops Cred', async () => {
    const nonce = utf8Encode('server-said-this');
    const { session, log, nonces } = makeSession(
      (m, _r, n) => {
        if (n === 1)
          return serverMsg(m, [
            st('1', m.hdr.msgID, '0', 'SyncHdr', '401', { chal: { meta: { type: 'syncml:auth-md5', format: 'b64', nextNonce: base64Encode(nonce) } } }),
          ]);
        if (n === 2) return serverMsg(m, [...ackAll(m, '200', '212'), { kind: 'Get', cmdID: '3', items: [{ target: { locURI: './DevDetail/FwV' } }] }]);
        return serverMsg(m, ackAll(m));
      },
      { clientAuth: ['md5', 'dev', 'pw'] },
    );
    const out = await session.run();
    expect(out.alerts[0].status).toBe(200);
    expect(log[1].hdr.cred!.data).toBe(md5CredData('dev', 'pw', nonce));
    expect(log[1].hdr.source.locName).toBe('dev');
    expect(log[1].body.map((c) => c.kind)).toEqual(['Status', 'Alert', 'Replace', 'Alert']);
    expect(log[2].hdr.cred).toBeUndefined(); // 212: authenticated for the rest of the session
    expect(Array.from(nonces.clientNonce())).toEqual(Array.from(nonce)); // kept for the next session
  });

  it('gives up after repeated auth failures with a clear error', async () => {
    const { session } = makeSession(
      (m) => serverMsg(m, [st('1', m.hdr.msgID, '0', 'SyncHdr', '401', { chal: { meta: { type: 'syncml:auth-md5', format: 'b64', nextNonce: 'AAAA' } } })]),
      { clientAuth: ['md5', 'dev', 'wrong'] },
    );
    await expect(session.run()).rejects.toMatchObject({ kind: 'auth' });
  });

  it('a server that fails its own authentication gets 401 and none of its commands runs', async () => {
    const tree = new DmTree();
    const { session, log } = makeSession(
      (m, _r, n) => {
        if (n === 1)
          return serverMsg(m, [...ackAll(m, '200'), { kind: 'Replace', cmdID: '5', items: [{ target: { locURI: './Vendor/Setting' }, data: 'evil' }] }], true, {
            cred: { meta: { type: 'syncml:auth-md5', format: 'b64' }, data: md5CredData('srv', 'WRONG', utf8Encode('server-nonce')) },
          });
        return serverMsg(m, ackAll(m));
      },
      { tree, serverAuth: ['md5', 'srv', 'right'] },
    );
    // A server that never proved itself ends the session as an authentication failure (exit 6), not as a success.
    const err = await session.run().catch((e) => e);
    expect(err).toBeInstanceOf(SessionError);
    expect(err.kind).toBe('auth');
    expect(err.outcome.serverAuthFailures).toBe(2); // its second message had no credentials either
    expect((await tree.getValue('./Vendor/Setting'))!.data).toBe('old');
    const hdrStatus = log[1].body[0] as Status;
    expect(hdrStatus).toMatchObject({ cmd: 'SyncHdr', data: '401' });
    expect(hdrStatus.chal!.meta.nextNonce).toBeTruthy();
    expect(log[1].body.find((c) => c.kind === 'Status' && c.cmdRef === '5')).toMatchObject({ data: '401' });
  });

  it('a server with the right md5 credentials is accepted with 212 and its commands run', async () => {
    const tree = new DmTree();
    const { session, log } = makeSession(
      (m, _r, n) => {
        if (n === 1)
          return serverMsg(m, [...ackAll(m, '200'), { kind: 'Replace', cmdID: '5', items: [{ target: { locURI: './Vendor/Setting' }, data: 'fine' }] }], true, {
            cred: { meta: { type: 'syncml:auth-md5', format: 'b64' }, data: md5CredData('srv', 'right', utf8Encode('server-nonce')) },
          });
        return serverMsg(m, ackAll(m));
      },
      { tree, serverAuth: ['md5', 'srv', 'right'] },
    );
    await session.run();
    expect((await tree.getValue('./Vendor/Setting'))!.data).toBe('fine');
    expect(log[1].body[0]).toMatchObject({ cmd: 'SyncHdr', data: '212' });
  });

  it('hmac: every client message carries x-syncml-hmac over the exact body; the server HMAC is verified', async () => {
    const seen: HttpRequest[] = [];
    const nonces = memNonces();
    // Like a real server, it signs with the NextNonce of the client's last Chal (the client's stored nonce before that).
    let srvNonce = nonces.serverNonce();
    const { session } = makeSession(
      (m, req, n) => {
        seen.push(req);
        const hs = m.body.find((c) => c.kind === 'Status' && c.cmdRef === '0') as Status | undefined;
        if (hs && hs.chal && hs.chal.meta.nextNonce) srvNonce = base64Decode(hs.chal.meta.nextNonce);
        const msg = serverMsg(m, n === 1 ? [...ackAll(m, '200'), { kind: 'Get', cmdID: '4', items: [{ target: { locURI: './DevDetail/FwV' } }] }] : ackAll(m));
        return { msg, raw: (body) => ({ 'x-syncml-hmac': formatHmacHeader('srv', hmacMac('srv', 'sk', srvNonce, body)) }) };
      },
      { clientAuth: ['hmac', 'dev', 'ck'], serverAuth: ['hmac', 'srv', 'sk'], nonces },
    );
    const first = nonces.clientNonce();
    const out = await session.run();
    expect(out.serverAuthFailures).toBe(0);
    expect(seen[0].headers['x-syncml-hmac']).toBe(formatHmacHeader('dev', hmacMac('dev', 'ck', first, seen[0].body)));
    expect(seen[1].headers['x-syncml-hmac']).toContain('username="dev"');
  });

  it('Alert 1223 from the server ends the session without an answer', async () => {
    const { session, log } = makeSession((m) => serverMsg(m, [...ackAll(m, '200'), { kind: 'Alert', cmdID: '9', data: '1223', items: [] }]));
    const out = await session.run();
    expect(out.end).toBe('aborted-by-server');
    expect(log.length).toBe(1);
  });

  it('a server that never ends is cut off by the message cap', async () => {
    const { session } = makeSession((m) => serverMsg(m, [...ackAll(m, '200'), { kind: 'Get', cmdID: '2', items: [{ target: { locURI: './DevDetail/FwV' } }] }]), { maxMessages: 5 });
    const err = await session.run().catch((e) => e);
    expect(err).toBeInstanceOf(SessionError);
    expect(err.kind).toBe('limit');
    expect(err.outcome.messagesSent).toBe(5);
  });

  it('asks the transport to stop at our MaxMsgSize; past it the session fails as a protocol error, a refused certificate as tls-certificate', async () => {
    const caps: number[] = [];
    const failing = (code: string) => (_m: SyncML, req: HttpRequest): SyncML => {
      caps.push(req.maxResponseBytes);
      throw Object.assign(new Error(`transport says ${code}`), { code });
    };
    const tooLarge = await makeSession(failing('too-large')).session.run().catch((e) => e);
    expect(tooLarge).toBeInstanceOf(SessionError);
    expect(tooLarge.kind).toBe('protocol');
    expect(tooLarge.message).toMatch(/larger than 65536 bytes \(our MaxMsgSize 65536/);
    const cert = await makeSession(failing('tls-certificate')).session.run().catch((e) => e);
    expect(cert.kind).toBe('tls-certificate');
    expect(cert.message).toMatch(/cannot trust the DM server/);
    const other = await makeSession(failing('timeout')).session.run().catch((e) => e);
    expect(other.kind).toBe('transport');
    expect(caps).toEqual([65536, 65536, 65536]);
  });

  it('a server message without Final is answered with statuses and Alert 1222, and no Final', async () => {
    const { session, log } = makeSession((m, _r, n) => {
      if (n === 1) return serverMsg(m, [...ackAll(m, '200'), { kind: 'Get', cmdID: '2', items: [{ target: { locURI: './DevDetail/FwV' } }] }], false);
      return serverMsg(m, ackAll(m));
    });
    await session.run();
    expect(log[1].final).toBe(false);
    expect(log[1].body.some((c) => c.kind === 'Alert' && c.data === '1222')).toBe(false); // it had Results to send
    expect(log.length).toBe(2);
  });

  it('asks for the next server message with Alert 1222 when it has nothing else to say', async () => {
    const { session, log } = makeSession((m, _r, n) => {
      if (n === 1) return serverMsg(m, ackAll(m, '200'), false);
      if (n === 2) return serverMsg(m, [...ackAll(m), { kind: 'Get', cmdID: '3', items: [{ target: { locURI: './DevDetail/FwV' } }] }]);
      return serverMsg(m, ackAll(m));
    });
    await session.run();
    expect(log[1].final).toBe(false);
    expect(log[1].body.some((c) => c.kind === 'Alert' && c.data === '1222')).toBe(true);
    expect(log[2].final).toBe(true);
    expect(log[2].body.some((c) => c.kind === 'Results')).toBe(true);
  });

  it('splits a package over several messages when the server MaxMsgSize is small; Final only on the last', async () => {
    const { session, log } = makeSession(
      (m, _r, n) => {
        if (n === 1) {
          const gets: Command[] = [];
          for (let i = 0; i < 30; i++) gets.push({ kind: 'Get', cmdID: String(10 + i), items: [{ target: { locURI: './DevDetail/FwV' } }] });
          return serverMsg(m, [...ackAll(m, '200'), ...gets], true, { meta: { maxMsgSize: '700' } });
        }
        if (!m.final) return serverMsg(m, [...ackAll(m), { kind: 'Alert', cmdID: '99', data: '1222', items: [] }], false, { meta: { maxMsgSize: '700' } });
        return serverMsg(m, ackAll(m));
      },
      { encoding: 'wbxml', maxMessages: 40 },
    );
    await session.run();
    const client = log.slice(1);
    expect(client.length).toBeGreaterThan(2);
    for (const m of client.slice(0, -1)) expect(m.final).toBe(false);
    expect(client[client.length - 1].final).toBe(true);
    for (const m of client) expect(encodeWbxml(m).length).toBeLessThanOrEqual(700);
    const refs = client.flatMap((m) => m.body.filter((c) => c.kind === 'Status' && c.cmd === 'Get').map((c) => (c as Status).cmdRef));
    expect(new Set(refs).size).toBe(30);
  });

  it('Atomic: a failing command rolls the others back (507, 216, failing code)', async () => {
    const tree = new DmTree();
    const { session, log } = makeSession(
      (m, _r, n) => {
        if (n === 1)
          return serverMsg(m, [
            ...ackAll(m, '200'),
            {
              kind: 'Atomic',
              cmdID: '20',
              commands: [
                { kind: 'Replace', cmdID: '21', items: [{ target: { locURI: './Vendor/Setting' }, data: 'atomic' }] },
                { kind: 'Replace', cmdID: '22', items: [{ target: { locURI: './Vendor/Missing' }, data: 'x' }] },
              ],
            },
          ]);
        return serverMsg(m, ackAll(m));
      },
      { tree },
    );
    await session.run();
    const codes = Object.fromEntries(log[1].body.filter((c) => c.kind === 'Status').map((c) => [(c as Status).cmdRef, (c as Status).data]));
    expect(codes['20']).toBe('507');
    expect(codes['21']).toBe('216');
    expect(codes['22']).toBe('404');
    expect((await tree.getValue('./Vendor/Setting'))!.data).toBe('old');
  });

  it('a declined confirmation makes the rest of the package 215', async () => {
    const ui: UiAlertHandler = { handle: async () => ({ code: 304, items: [], skipRest: true }) };
    const { session, log } = makeSession(
      (m, _r, n) => {
        if (n === 1)
          return serverMsg(m, [
            ...ackAll(m, '200'),
            { kind: 'Alert', cmdID: '30', data: '1101', items: [{ data: '' }, { data: 'Install now?' }] },
            { kind: 'Replace', cmdID: '31', items: [{ target: { locURI: './Vendor/Setting' }, data: 'x' }] },
          ]);
        return serverMsg(m, ackAll(m));
      },
      { ui },
    );
    await session.run();
    const codes = Object.fromEntries(log[1].body.filter((c) => c.kind === 'Status').map((c) => [(c as Status).cmdRef, (c as Status).data]));
    expect(codes['30']).toBe('304');
    expect(codes['31']).toBe('215');
  });

  it('works the same in XML', async () => {
    const { session, log } = makeSession((m) => serverMsg(m, ackAll(m, '202')), { encoding: 'xml' });
    const out = await session.run();
    expect(out.alerts[0].status).toBe(202);
    expect(log.length).toBe(1);
  });

  it('follows RespURI for later messages', async () => {
    const urls: string[] = [];
    const { session } = makeSession((m, req, n) => {
      urls.push(req.url);
      if (n === 1) return serverMsg(m, [...ackAll(m, '200'), { kind: 'Get', cmdID: '2', items: [{ target: { locURI: './DevDetail/FwV' } }] }], true, { respURI: 'http://dm.example/dm?s=1A' });
      return serverMsg(m, ackAll(m));
    });
    await session.run();
    expect(urls).toEqual(['http://dm.example/dm', 'http://dm.example/dm?s=1A']);
  });

  it('large object in: chunks get 213 (and 1222), the reassembled value is stored; Size mismatch gives 424', async () => {
    const tree = new DmTree();
    const big = 'x'.repeat(2500) + 'é'.repeat(100);
    const parts = [big.slice(0, 1000), big.slice(1000, 2000), big.slice(2000)];
    const size = String(Buffer.byteLength(big));
    const { session, log } = makeSession(
      (m, _r, n) => {
        if (n <= 3) {
          const item = { target: { locURI: './Vendor/Setting' }, data: parts[n - 1], ...(n < 3 ? { moreData: true } : {}), ...(n === 1 ? { meta: { size } } : {}) };
          return serverMsg(m, [...ackAll(m, '200'), { kind: 'Replace', cmdID: String(10 + n), items: [item] }], n === 3);
        }
        return serverMsg(m, ackAll(m));
      },
      { tree },
    );
    await session.run();
    const codeFor = (msg: SyncML, ref: string) => (msg.body.find((c) => c.kind === 'Status' && c.cmdRef === ref) as Status).data;
    expect(codeFor(log[1], '11')).toBe('213');
    expect(log[1].body.some((c) => c.kind === 'Alert' && c.data === '1222')).toBe(true);
    expect(log[1].final).toBe(false);
    expect(codeFor(log[2], '12')).toBe('213');
    expect(codeFor(log[3], '13')).toBe('200');
    expect((await tree.getValue('./Vendor/Setting'))!.data).toBe(big);
  });

  it('large object in: a declared Size that does not match gives 424 and nothing is stored', async () => {
    const tree = new DmTree();
    const { session, log } = makeSession(
      (m, _r, n) => {
        if (n === 1) return serverMsg(m, [...ackAll(m, '200'), { kind: 'Replace', cmdID: '5', items: [{ target: { locURI: './Vendor/Setting' }, data: 'abc', moreData: true, meta: { size: '10' } }] }], false);
        if (n === 2) return serverMsg(m, [...ackAll(m), { kind: 'Replace', cmdID: '6', items: [{ target: { locURI: './Vendor/Setting' }, data: 'de' }] }]);
        return serverMsg(m, ackAll(m));
      },
      { tree },
    );
    await session.run();
    expect((log[2].body.find((c) => c.kind === 'Status' && c.cmdRef === '6') as Status).data).toBe('424');
    expect((await tree.getValue('./Vendor/Setting'))!.data).toBe('old');
  });

  it('large object in: a new command before the last chunk gets Alert 1225 and the partial object is dropped', async () => {
    const tree = new DmTree();
    const { session, log } = makeSession(
      (m, _r, n) => {
        if (n === 1) return serverMsg(m, [...ackAll(m, '200'), { kind: 'Replace', cmdID: '5', items: [{ target: { locURI: './Vendor/Setting' }, data: 'abc', moreData: true, meta: { size: '10' } }] }], false);
        if (n === 2) return serverMsg(m, [...ackAll(m), { kind: 'Get', cmdID: '6', items: [{ target: { locURI: './DevDetail/FwV' } }] }]);
        return serverMsg(m, ackAll(m));
      },
      { tree },
    );
    await session.run();
    const alert = log[2].body.find((c) => c.kind === 'Alert' && c.data === '1225');
    expect(alert).toBeTruthy();
    expect((await tree.getValue('./Vendor/Setting'))!.data).toBe('old');
  });

  it('large object out: a Results larger than the server MaxMsgSize goes in MoreData chunks with Size first', async () => {
    const tree = new DmTree();
    const value = 'v'.repeat(5000);
    tree.setValue('./Vendor/Big', { data: value }, { acl: 'Get=*' });
    const { session, log } = makeSession(
      (m, _r, n) => {
        if (n === 1) return serverMsg(m, [...ackAll(m, '200'), { kind: 'Get', cmdID: '7', items: [{ target: { locURI: './Vendor/Big' } }] }], true, { meta: { maxMsgSize: '1500' } });
        if (!m.final) {
          const chunked = m.body.find((c) => c.kind === 'Results');
          const st213 = chunked ? [st('90', m.hdr.msgID, chunked.cmdID, 'Results', '213')] : [];
          return serverMsg(m, [...ackAll(m), ...st213, { kind: 'Alert', cmdID: '99', data: '1222', items: [] }], false, { meta: { maxMsgSize: '1500' } });
        }
        return serverMsg(m, ackAll(m));
      },
      { tree, maxMessages: 20, encoding: 'xml' },
    );
    await session.run();
    const results = log.slice(1).flatMap((m) => m.body.filter((c) => c.kind === 'Results')) as Array<{ items: Array<{ data?: unknown; moreData?: boolean; meta?: { size?: string } }> }>;
    expect(results.length).toBeGreaterThan(3);
    expect(results[0].items[0].meta!.size).toBe('5000');
    expect(results.slice(1).every((r) => !r.items[0].meta || r.items[0].meta.size === undefined)).toBe(true);
    expect(results.slice(0, -1).every((r) => r.items[0].moreData === true)).toBe(true);
    expect(results[results.length - 1].items[0].moreData).toBeFalsy();
    expect(results.map((r) => r.items[0].data).join('')).toBe(value);
    for (const m of log.slice(1)) expect(Buffer.byteLength(encodeXml(m))).toBeLessThanOrEqual(1500);
  });

  it('an illegal Atomic (Get inside) fails with 500 and leaves no transaction open for the next Atomic', async () => {
    const tree = new DmTree();
    const { session, log } = makeSession(
      (m, _r, n) => {
        if (n === 1)
          return serverMsg(m, [
            ...ackAll(m, '200'),
            { kind: 'Atomic', cmdID: '40', commands: [{ kind: 'Get', cmdID: '41', items: [{ target: { locURI: './DevDetail/FwV' } }] }] },
            { kind: 'Atomic', cmdID: '42', commands: [{ kind: 'Replace', cmdID: '43', items: [{ target: { locURI: './Vendor/Setting' }, data: 'ok' }] }] },
          ]);
        return serverMsg(m, ackAll(m));
      },
      { tree },
    );
    await session.run();
    const codes = Object.fromEntries(log[1].body.filter((c) => c.kind === 'Status').map((c) => [(c as Status).cmdRef, (c as Status).data]));
    expect(codes['40']).toBe('500');
    expect(codes['42']).toBe('200');
    expect(codes['43']).toBe('200');
    expect((await tree.getValue('./Vendor/Setting'))!.data).toBe('ok');
  });
});

/** Server credentials for a scripted message: right or wrong md5 over the client's stored SRVCRED nonce. */
function srvMd5(nonce: Uint8Array, secret: string): Partial<SyncML['hdr']> {
  return { cred: { meta: { type: 'syncml:auth-md5', format: 'b64' }, data: md5CredData('srv', secret, nonce) } };
}

describe('trust boundary: nothing of an unauthenticated server message takes effect (OMA-TS-DM_Security-V1_2 §5.1)', () => {
  it('a Chal weaker than the configured scheme ends the session as an auth failure and no weaker credential is sent', async () => {
    for (const configured of ['md5', 'hmac'] as const) {
      const { session, log } = makeSession(
        (m) => serverMsg(m, [st('1', m.hdr.msgID, '0', 'SyncHdr', '401', { chal: { meta: { type: 'syncml:auth-basic', format: 'b64' } } })]),
        { clientAuth: [configured, 'dev', 'ck'] },
      );
      const err = await session.run().catch((e) => e);
      expect(err).toBeInstanceOf(SessionError);
      expect(err.kind).toBe('auth');
      expect(err.message).toMatch(/weaker than the configured/);
      expect(log.length).toBe(1); // package 1 only: no second message, so no basic Cred ever left the device
      expect(log[0].hdr.cred === undefined || log[0].hdr.cred.meta!.type !== 'syncml:auth-basic').toBe(true);
    }
  });

  it('a stronger Chal is followed (md5 configured, hmac asked)', async () => {
    const { session, log } = makeSession(
      (m, _r, n) =>
        n === 1
          ? serverMsg(m, [st('1', m.hdr.msgID, '0', 'SyncHdr', '401', { chal: { meta: { type: 'syncml:auth-MAC', format: 'b64', nextNonce: base64Encode(utf8Encode('n2')) } } })])
          : serverMsg(m, ackAll(m, '202')),
      { clientAuth: ['md5', 'dev', 'ck'] },
    );
    const out = await session.run();
    expect(out.alerts[0].status).toBe(202);
    expect(log.length).toBe(2);
  });

  it("an impostor's 200 for a report and 202 for the request count for nothing; its nonce is not stored", async () => {
    const nonces = memNonces();
    const before = nonces.clientNonce();
    const { session } = makeSession(
      (m) =>
        serverMsg(m, ackAll(m, '200', '212').map((x) => (x.cmdRef === '0' ? { ...x, chal: { meta: { type: 'syncml:auth-md5', format: 'b64', nextNonce: base64Encode(utf8Encode('evil')) } } } : x)), true, srvMd5(nonces.serverNonce(), 'WRONG')),
      { clientAuth: ['md5', 'dev', 'ck'], serverAuth: ['md5', 'srv', 'right'], nonces },
    );
    const err = await session.run().catch((e) => e);
    expect(err.kind).toBe('auth');
    expect(err.outcome.alerts[0].status).toBeUndefined();
    expect(nonces.clientNonce()).toEqual(before);
  });

  it('RespURI: ignored from an unauthenticated message; followed from an authenticated one only to an allowed host', async () => {
    // Unauthenticated: the message with our Cred (the refusal of its commands) goes to the configured URL.
    const nonces = memNonces();
    const seen: string[] = [];
    const impostor = makeSession(
      (m, req, n) => {
        seen.push(req.url);
        if (n === 1) return serverMsg(m, [...ackAll(m), { kind: 'Get', cmdID: '9', items: [{ target: { locURI: './DevDetail/FwV' } }] }], true, { ...srvMd5(nonces.serverNonce(), 'WRONG'), respURI: 'http://evil.example/steal' });
        return serverMsg(m, ackAll(m), true, srvMd5(nonces.serverNonce(), 'WRONG'));
      },
      { clientAuth: ['md5', 'dev', 'ck'], serverAuth: ['md5', 'srv', 'right'], nonces },
    );
    await impostor.session.run().catch(() => undefined);
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.every((u) => u === settings.serverUrl)).toBe(true);

    const run = async (respURI: string, extra: Partial<SessionSettings> = {}) => {
      const urls: string[] = [];
      const { session } = makeSession(
        (m, req, n) => {
          urls.push(req.url);
          return n === 1 ? serverMsg(m, [...ackAll(m), { kind: 'Get', cmdID: '9', items: [{ target: { locURI: './DevDetail/FwV' } }] }], true, { respURI }) : serverMsg(m, ackAll(m));
        },
        { settings: extra },
      );
      const result = await session.run().catch((e) => e);
      return { result, urls };
    };
    const same = await run('http://dm.example:8080/dm/s/1');
    expect(same.urls).toEqual(['http://dm.example/dm', 'http://dm.example:8080/dm/s/1']);
    const foreign = await run('http://other.example/dm');
    expect(foreign.result).toBeInstanceOf(SessionError);
    expect(foreign.result.kind).toBe('protocol');
    expect(foreign.result.message).toMatch(/respUriHosts/);
    expect(foreign.urls.length).toBe(1);
    const listed = await run('http://other.example/dm', { respUriHosts: ['other.example'] });
    expect(listed.urls).toEqual(['http://dm.example/dm', 'http://other.example/dm']);
    const down = await run('http://dm.example/dm/s/2', { serverUrl: 'https://dm.example/dm' });
    expect(down.result.message).toMatch(/from https to http/);
    expect(down.urls.length).toBe(1);
  });

  it('a fresh server nonce is stored only once the message carrying it reached the server', async () => {
    // 212 + our Chal, but the server's message has no command: the session ends, the Chal is never sent.
    const nonces = memNonces();
    const n0 = nonces.serverNonce();
    const quiet = makeSession((m) => serverMsg(m, ackAll(m, '202', '212'), true, srvMd5(n0, 'right')), { clientAuth: ['md5', 'dev', 'ck'], serverAuth: ['md5', 'srv', 'right'], nonces });
    expect((await quiet.session.run()).alerts[0].status).toBe(202);
    expect(nonces.serverNonce()).toEqual(n0);
    // Same server, now with a command: our answer carries the Chal, and its nonce is stored once the server answered.
    const sent: string[] = [];
    const busy = makeSession(
      (m, _r, n) => {
        const hs = m.body.find((c) => c.kind === 'Status' && c.cmdRef === '0') as Status | undefined;
        if (hs && hs.chal) sent.push(hs.chal.meta.nextNonce!);
        return n === 1 ? serverMsg(m, [...ackAll(m, '202', '212'), { kind: 'Get', cmdID: '9', items: [{ target: { locURI: './DevDetail/FwV' } }] }], true, srvMd5(n0, 'right')) : serverMsg(m, ackAll(m));
      },
      { clientAuth: ['md5', 'dev', 'ck'], serverAuth: ['md5', 'srv', 'right'], nonces },
    );
    await busy.session.run();
    expect(sent.length).toBe(1);
    expect(base64Encode(nonces.serverNonce())).toBe(sent[0]);
  });
});
