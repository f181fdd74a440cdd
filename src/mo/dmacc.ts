// ./DMAcc/<X> (DM 1.2, docs/protocol.md §4.3, urn:oma:mo:oma-dm-dmacc:1.0): one account per server, with its address and
// credentials (docs/protocol.md §3.4: AppAuth/<Y> with AAuthLevel CLCRED for what we send, SRVCRED for what the server sends;
// AAuthData holds the nonce as raw bytes). Static nodes, persisted with the tree.
//
// AAuthSecret and AAuthData have no Get (docs/protocol.md §4.3 "no Get"). That is a property of the node type (its DDF
// AccessType), the same for every server, so a Get answers 405 "command not allowed on the target", not 425, which
// docs/protocol.md §1.6 keeps for "the ACL forbids the command for this server". A server may still Replace them.
//
// The account's ACL names its own server only (Get, Replace, Add): other servers cannot read another's account,
// and no server may Delete the account that lets it manage the device.

import { sha256 } from '@noble/hashes/sha2';
import { hex, utf8Decode, utf8Encode } from '../bytes.js';
import type { AclCommand } from '../tree/acl.js';
import type { DmTree } from '../tree/dm-tree.js';
import { escapeSegment, formatUri } from '../tree/uri.js';

export const DMACC_URN = 'urn:oma:mo:oma-dm-dmacc:1.0';
export const DMACC_ROOT = './DMAcc';

export type AuthKind = 'none' | 'basic' | 'md5' | 'hmac';
export type AuthLevel = 'CLCRED' | 'SRVCRED';

export interface AuthSettings {
  type: AuthKind;
  name?: string;
  secret?: string;
}

/** The part of the agent configuration the account is built from (src/config.ts ServerConfig fits). */
export interface DmAccConfig {
  server: {
    url: string;
    id: string;
    /** Display name (DMAcc/<X>/Name); default the server id. */
    name?: string;
    clientAuth: AuthSettings;
    serverAuth: AuthSettings;
  };
}

export interface AccountAuth {
  type: AuthKind;
  /** The AAuthType text as stored (BASIC, DIGEST, HMAC, or another type this agent does not speak). */
  aauthType: string;
  name: string;
  secret: string;
  /** AAuthData: CLCRED = the nonce the server gave us; SRVCRED = the nonce we gave the server. Empty when none. */
  nonce: Uint8Array;
}

export interface DmAccount {
  serverId: string;
  /** ./DMAcc/<X> */
  uri: string;
  name: string;
  /** The server URL (AppAddr with AddrType URI). */
  addr: string;
  port?: number;
  /** AAuthPref mapped like AAuthType ('' when not set). */
  authPref: string;
  clientAuth: AccountAuth;
  serverAuth: AccountAuth;
}

export class DmAccError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DmAccError';
  }
}

/** docs/protocol.md §3.1: config type -> DMAcc AAuthType. */
const TO_AAUTH: Record<AuthKind, string> = { none: '', basic: 'BASIC', md5: 'DIGEST', hmac: 'HMAC' };

export function toAAuthType(kind: AuthKind): string {
  return TO_AAUTH[kind];
}

export function fromAAuthType(text: string): AuthKind {
  switch (text.trim().toUpperCase()) {
    case 'BASIC':
      return 'basic';
    case 'DIGEST':
      return 'md5';
    case 'HMAC':
      return 'hmac';
  }
  return 'none';
}

const NO_GET: AclCommand[] = ['Add', 'Replace', 'Delete'];
const AUTH_NODE: Record<AuthLevel, string> = { CLCRED: 'CLCRED', SRVCRED: 'SRVCRED' };

/** A node name for the account from the server id (docs/protocol.md §1.12: no `/` in names); stable for the same id. */
export function accountName(serverId: string): string {
  const n = serverId.replace(/[^A-Za-z0-9._-]/g, '_');
  return n === '' || n === '.' || n === '..' ? 'Server' : n;
}

function checkConfig(config: DmAccConfig): void {
  const s = config && config.server;
  if (!s) throw new DmAccError('server section missing');
  if (typeof s.id !== 'string' || s.id === '' || /[\s&+=]/.test(s.id)) {
    throw new DmAccError(`server.id ${JSON.stringify(s && s.id)} must be non-empty without spaces, "&", "+" or "=" (it is used in ACLs)`);
  }
  if (typeof s.url !== 'string' || !/^https?:\/\/[^/?#@]+/i.test(s.url)) throw new DmAccError(`server.url ${JSON.stringify(s.url)} is not an http(s) URL`);
  for (const [key, a] of [['clientAuth', s.clientAuth], ['serverAuth', s.serverAuth]] as const) {
    if (!a || TO_AAUTH[a.type] === undefined) throw new DmAccError(`server.${key}.type must be none, basic, md5 or hmac`);
  }
}

/** Port of an http(s) URL: the explicit one, else 443/80. */
export function urlPort(url: string): number {
  const m = /^(https?):\/\/(\[[^\]]*\]|[^/:?#]*)(?::(\d+))?/i.exec(url);
  if (!m) throw new DmAccError(`server.url ${JSON.stringify(url)} is not an http(s) URL`);
  if (m[3]) return parseInt(m[3], 10);
  return m[1].toLowerCase() === 'https' ? 443 : 80;
}

function fingerprint(config: DmAccConfig): string {
  const s = config.server;
  const material = JSON.stringify([s.url, s.id, s.name || '', s.clientAuth.type, s.clientAuth.name || '', s.clientAuth.secret || '', s.serverAuth.type, s.serverAuth.name || '', s.serverAuth.secret || '']);
  return hex(sha256(utf8Encode(material)));
}

function writeAuth(tree: DmTree, base: string, level: AuthLevel, auth: AuthSettings): void {
  const at = base + '/AppAuth/' + AUTH_NODE[level];
  tree.ensureInterior(at);
  tree.setValue(at + '/AAuthLevel', { format: 'chr', data: level });
  if (auth.type === 'none') {
    tree.deleteNode(at + '/AAuthType');
    tree.deleteNode(at + '/AAuthName');
    tree.deleteNode(at + '/AAuthSecret');
    return;
  }
  tree.setValue(at + '/AAuthType', { format: 'chr', data: TO_AAUTH[auth.type] });
  tree.setValue(at + '/AAuthName', { format: 'chr', data: auth.name || '' });
  tree.setValue(at + '/AAuthSecret', { format: 'chr', data: auth.secret || '' }, { accessTypes: NO_GET });
}

/**
 * Builds (or refreshes) the account for config.server. The configuration is applied when the account is new or
 * the configuration changed since it was last applied; otherwise the tree is left alone, so credentials a server
 * replaced over DM survive a restart. Nonces (AAuthData) are always kept. Returns the account URI and whether
 * anything was written (call tree.save() then, or let the agent save at the end of the session).
 */
export async function provisionDmAcc(tree: DmTree, config: DmAccConfig): Promise<{ uri: string; changed: boolean }> {
  checkConfig(config);
  const s = config.server;
  const existing = await findAccountUri(tree, s.id);
  const uri = existing || DMACC_ROOT + '/' + accountName(s.id);
  const key = 'dmacc.fingerprint.' + s.id;
  const fp = fingerprint(config);
  if (existing && tree.getAgentData(key) === fp) return { uri, changed: false };

  tree.ensureInterior(DMACC_ROOT, { acl: 'Get=*', permanent: true });
  tree.ensureInterior(uri, { type: DMACC_URN, acl: `Get=${s.id}&Replace=${s.id}&Add=${s.id}` });
  tree.setValue(uri + '/AppID', { format: 'chr', data: 'w7' });
  tree.setValue(uri + '/ServerID', { format: 'chr', data: s.id });
  tree.setValue(uri + '/Name', { format: 'chr', data: s.name || s.id });
  tree.setValue(uri + '/AppAddr/1/Addr', { format: 'chr', data: s.url });
  tree.setValue(uri + '/AppAddr/1/AddrType', { format: 'chr', data: 'URI' });
  tree.setValue(uri + '/AppAddr/1/Port/1/PortNbr', { format: 'chr', data: String(urlPort(s.url)) });
  tree.setValue(uri + '/AAuthPref', { format: 'chr', data: TO_AAUTH[s.clientAuth.type] });
  writeAuth(tree, uri, 'CLCRED', s.clientAuth);
  writeAuth(tree, uri, 'SRVCRED', s.serverAuth);
  tree.ensureInterior(uri + '/Ext');
  tree.setAgentData(key, fp);
  return { uri, changed: true };
}

async function text(tree: DmTree, uri: string): Promise<string> {
  const v = await tree.getValue(uri);
  if (!v || v.data === undefined || v.format === 'node') return '';
  return typeof v.data === 'string' ? v.data : utf8Decode(v.data);
}

/** ./DMAcc/<X> whose ServerID is serverId (docs/protocol.md §4.3: found by ServerID, not by node name), or null. */
export async function findAccountUri(tree: DmTree, serverId: string): Promise<string | null> {
  const names = await tree.children(DMACC_ROOT);
  if (!names) return null;
  for (const name of names) {
    const uri = formatUri(['DMAcc', name]);
    if ((await text(tree, uri + '/ServerID')) === serverId) return uri;
  }
  return null;
}

/** ServerIDs of every account in the tree. */
export async function listServerIds(tree: DmTree): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await tree.children(DMACC_ROOT)) || []) {
    const id = await text(tree, formatUri(['DMAcc', name]) + '/ServerID');
    if (id) out.push(id);
  }
  return out;
}

async function authUri(tree: DmTree, accountUri: string, level: AuthLevel): Promise<string | null> {
  for (const name of (await tree.children(accountUri + '/AppAuth')) || []) {
    const uri = accountUri + '/AppAuth/' + escapeSegment(name);
    if ((await text(tree, uri + '/AAuthLevel')).toUpperCase() === level) return uri;
  }
  return null;
}

async function readAuth(tree: DmTree, accountUri: string, level: AuthLevel): Promise<AccountAuth> {
  const uri = await authUri(tree, accountUri, level);
  if (!uri) return { type: 'none', aauthType: '', name: '', secret: '', nonce: new Uint8Array(0) };
  const aauthType = await text(tree, uri + '/AAuthType');
  const data = await tree.getValue(uri + '/AAuthData');
  let nonce: Uint8Array = new Uint8Array(0);
  if (data && data.data !== undefined) nonce = typeof data.data === 'string' ? utf8Encode(data.data) : data.data.slice();
  return { type: fromAAuthType(aauthType), aauthType, name: await text(tree, uri + '/AAuthName'), secret: await text(tree, uri + '/AAuthSecret'), nonce };
}

/** The account of a server, read from the tree without ACL checks (for the session engine); null when none. */
export async function readAccount(tree: DmTree, serverId: string): Promise<DmAccount | null> {
  const uri = await findAccountUri(tree, serverId);
  if (!uri) return null;
  let addr = '';
  let port: number | undefined;
  for (const name of (await tree.children(uri + '/AppAddr')) || []) {
    const a = uri + '/AppAddr/' + escapeSegment(name);
    const type = (await text(tree, a + '/AddrType')).toUpperCase();
    if (type === '' || type === 'URI') {
      addr = await text(tree, a + '/Addr');
      for (const p of (await tree.children(a + '/Port')) || []) {
        const n = parseInt(await text(tree, a + '/Port/' + escapeSegment(p) + '/PortNbr'), 10);
        if (n > 0 && n < 65536) port = n;
      }
      break;
    }
  }
  const account: DmAccount = {
    serverId,
    uri,
    name: await text(tree, uri + '/Name'),
    addr,
    authPref: await text(tree, uri + '/AAuthPref'),
    clientAuth: await readAuth(tree, uri, 'CLCRED'),
    serverAuth: await readAuth(tree, uri, 'SRVCRED'),
  };
  if (port !== undefined) account.port = port;
  return account;
}

/**
 * Stores a nonce in AAuthData (docs/protocol.md §3.4: the server's NextNonce under CLCRED, the one we issued under SRVCRED)
 * and saves the tree when it has a store, so the nonce survives a reboot between sessions.
 */
export async function storeNonce(tree: DmTree, serverId: string, level: AuthLevel, nonce: Uint8Array): Promise<void> {
  const account = await findAccountUri(tree, serverId);
  if (!account) throw new DmAccError(`no DMAcc account has ServerID ${JSON.stringify(serverId)}`);
  let uri = await authUri(tree, account, level);
  if (!uri) {
    uri = account + '/AppAuth/' + AUTH_NODE[level];
    tree.setValue(uri + '/AAuthLevel', { format: 'chr', data: level });
  }
  tree.setValue(uri + '/AAuthData', { format: 'bin', data: nonce.slice() }, { accessTypes: NO_GET });
  if (tree.canSave) await tree.save();
}
