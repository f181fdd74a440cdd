// Session-level findings of the robustness work (issue 10), each pinned by a test:
// a replayed server message (same MsgID twice in one session) is refused, not executed again (docs/protocol.md §1.3:
// MsgID identifies each message within the session per sender).
import { describe, expect, it } from 'vitest';
import { DmSession, SessionError } from '../src/dm/session.js';
import { CommandExecutor } from '../src/dm/executor.js';
import { ClientAuthenticator } from '../src/dm/client-auth.js';
import { ServerAuthenticator } from '../src/dm/server-auth.js';
import { DmTree } from '../src/tree/dm-tree.js';
import { decodeMessage, encodeWbxml, MIME_WBXML } from '../src/syncml/index.js';
import type { Command, SyncML } from '../src/syncml/model.js';
import type { Transport } from '../src/ports/runtime.js';
import type { TreePlugin } from '../src/tree/plugin.js';
import { utf8Encode } from '../src/bytes.js';
import { buildUpdateRequest } from '../src/alerts/update-request.js';

function fumoTree(onExec: () => void): DmTree {
  const tree = new DmTree();
  const plugin: TreePlugin = {
    stat: async (p) => (p.length === 0 ? { kind: 'interior', acl: 'Get=*&Exec=*' } : p[0] === 'DownloadAndUpdate' && p.length === 1 ? { kind: 'interior' } : null),
    list: async () => ['DownloadAndUpdate'],
    read: async () => ({ data: '' }),
    exec: async () => {
      onExec();
      return 202;
    },
  };
  tree.mount('./FUMO', plugin);
  return tree;
}

function serverMsg(client: SyncML, msgID: string, body: Command[]): SyncML {
  return { hdr: { verDTD: '1.2', verProto: 'DM/1.2', sessionID: client.hdr.sessionID, msgID, target: { locURI: client.hdr.source.locURI }, source: { locURI: client.hdr.target.locURI } }, body, final: true };
}

const hdrOk = (client: SyncML): Command => ({ kind: 'Status', cmdID: '1', msgRef: client.hdr.msgID, cmdRef: '0', cmd: 'SyncHdr', targetRefs: [], sourceRefs: [], data: '200', items: [] });

function run(transport: Transport, tree: DmTree) {
  const nonces = { clientNonce: () => utf8Encode('a'), setClientNonce: async () => undefined, serverNonce: () => utf8Encode('b'), setServerNonce: async () => undefined };
  return new DmSession(
    { serverUrl: 'http://dm.example/dm', serverId: 'srv', devId: 'MAC:0011223344', encoding: 'wbxml', maxMsgSize: 65536, maxObjSize: 65536, maxMessages: 10, timeoutMs: 1000 },
    {
      transport,
      clock: { now: () => 0, sleep: async () => undefined },
      log: { log: () => undefined },
      executor: new CommandExecutor(tree, { handle: async () => ({ code: 200, items: [], skipRest: false }) }),
      clientAuth: new ClientAuthenticator({ type: 'none', name: '', secret: '' }, nonces),
      serverAuth: new ServerAuthenticator({ type: 'none', name: '', secret: '' }, nonces, () => utf8Encode('n')),
      devInfo: async () => [['./DevInfo/DevId', 'MAC:0011223344']],
    },
    { initiator: 'client', sessionId: '1A', alerts: [buildUpdateRequest('device', { kind: 'fumo' })] },
  ).run();
}

describe('replayed server messages', () => {
  it('the same server message (same MsgID) answered twice: its Exec runs once, the session ends with a protocol error', async () => {
    let execs = 0;
    let replay: Uint8Array | undefined;
    const transport: Transport = {
      async post(req) {
        const m = decodeMessage(req.body, req.headers['content-type']);
        // A network that replays the first answer for every later message (the fault proxy's `duplicate`).
        if (!replay) replay = encodeWbxml(serverMsg(m, '1', [hdrOk(m), { kind: 'Exec', cmdID: '2', correlator: 'c1', items: [{ target: { locURI: './FUMO/DownloadAndUpdate' } }] }]));
        return { status: 200, headers: { 'content-type': MIME_WBXML }, body: replay };
      },
    };
    const err = await run(transport, fumoTree(() => execs++)).catch((e) => e);
    expect(err).toBeInstanceOf(SessionError);
    expect((err as SessionError).kind).toBe('protocol');
    expect((err as SessionError).message).toMatch(/message ID 1 repeated/);
    expect(execs).toBe(1);
  });

  it('distinct MsgIDs are executed normally (the check does not refuse a well-behaved server)', async () => {
    let execs = 0;
    let n = 0;
    const transport: Transport = {
      async post(req) {
        const m = decodeMessage(req.body, req.headers['content-type']);
        n++;
        const body: Command[] = [hdrOk(m)];
        if (n === 1) body.push({ kind: 'Exec', cmdID: '2', correlator: 'c1', items: [{ target: { locURI: './FUMO/DownloadAndUpdate' } }] });
        return { status: 200, headers: { 'content-type': MIME_WBXML }, body: encodeWbxml(serverMsg(m, String(n), body)) };
      },
    };
    const out = await run(transport, fumoTree(() => execs++));
    expect(out.end).toBe('completed');
    expect(execs).toBe(1);
    expect(out.messagesSent).toBe(2);
  });
});
