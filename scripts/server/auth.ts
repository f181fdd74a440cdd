// Server side of DM authentication (docs/protocol.md §3.2-§3.5): checking the client's credentials, issuing challenges, and
// writing our own credentials for the client to check. The formulas come from src/dm/auth.ts (tested against the
// digest vectors); the decisions here are deliberately written independently of the client's engine, because this
// server is the peer that tests the client.
import type { Chal, Cred, SyncHdr } from '../../src/syncml/model.js';
import { base64Decode, base64Encode } from '../../src/bytes.js';
import {
  AUTH_META_TYPE,
  authTypeFromMeta,
  basicCredData,
  formatHmacHeader,
  hmacMac,
  md5CredData,
  parseHmacHeader,
  sameSecret,
} from '../../src/dm/auth.js';
import type { ClientAuthOptions, ServerCredOptions } from './types.js';

export interface AuthVerdict {
  /** Status for the client's SyncHdr: 200, 212, 401 or 407 (docs/protocol.md §3.3). */
  code: number;
  ok: boolean;
  /** Challenge to put in that Status (with a fresh NextNonce for md5/hmac). */
  chal?: Chal;
  /** Why it failed, for the log and violation records. */
  reason?: string;
}

export function toNonce(n: Uint8Array | string | undefined, fallback: () => Uint8Array): Uint8Array {
  if (n === undefined) return fallback();
  return typeof n === 'string' ? base64Decode(n) : n;
}

function chalFor(type: 'basic' | 'md5' | 'hmac', nonce?: Uint8Array): Chal {
  const meta: Chal['meta'] = { type: AUTH_META_TYPE[type], format: 'b64' };
  if (nonce) meta.nextNonce = base64Encode(nonce);
  return { meta };
}

/**
 * Checks one client message. `nonce` is the nonce we issued to this client (used for md5/hmac); `issue` makes a
 * fresh one and stores it (the caller keeps nonces per device, across sessions, like a real server's account store).
 */
export function checkClient(
  opts: ClientAuthOptions,
  hdr: SyncHdr,
  hmacHeader: string | undefined,
  body: Uint8Array,
  sessionAuthenticated: boolean,
  nonce: Uint8Array,
  issue: () => Uint8Array,
): AuthVerdict {
  const type = opts.type;
  if (type === 'none') return { code: 200, ok: true };
  const user = opts.user || '';
  const secret = opts.secret || '';
  if (type === 'hmac') {
    // docs/protocol.md §3.3: HMAC signs every message, SyncHdr status is 200 and every answer carries a new NextNonce.
    if (!hmacHeader) return { code: 407, ok: false, chal: chalFor('hmac', issue()), reason: 'x-syncml-hmac header missing' };
    const h = parseHmacHeader(hmacHeader);
    if (!h) return { code: 401, ok: false, chal: chalFor('hmac', issue()), reason: `x-syncml-hmac unparseable: ${hmacHeader}` };
    if (h.algorithm.toUpperCase() !== 'MD5')
      return { code: 401, ok: false, chal: chalFor('hmac', issue()), reason: `unsupported HMAC algorithm ${h.algorithm}` };
    if (h.username !== user) return { code: 401, ok: false, chal: chalFor('hmac', issue()), reason: `HMAC username ${h.username} unknown` };
    const want = hmacMac(user, secret, nonce, body);
    if (!sameSecret(h.mac, want)) return { code: 401, ok: false, chal: chalFor('hmac', issue()), reason: 'HMAC mac mismatch' };
    return { code: 200, ok: true, chal: chalFor('hmac', issue()) };
  }
  const cred = hdr.cred;
  if (!cred) {
    // After 212 the client stops sending Cred (docs/protocol.md §3.3).
    if (sessionAuthenticated) return { code: 200, ok: true };
    return { code: 407, ok: false, chal: chalFor(type, type === 'md5' ? issue() : undefined), reason: 'no Cred' };
  }
  const credType = authTypeFromMeta(cred.meta && cred.meta.type);
  // The type of the Cred must be the one we asked for; default Meta/Type of a Cred is basic (SyncML RepPro).
  const effective = credType || (cred.meta && cred.meta.type ? undefined : 'basic');
  if (effective !== type)
    return {
      code: 401,
      ok: false,
      chal: chalFor(type, type === 'md5' ? issue() : undefined),
      reason: `Cred type ${(cred.meta && cred.meta.type) || '(none)'} but ${AUTH_META_TYPE[type]} required`,
    };
  if (cred.meta && cred.meta.format && cred.meta.format !== 'b64')
    return { code: 401, ok: false, chal: chalFor(type, type === 'md5' ? issue() : undefined), reason: `Cred Format ${cred.meta.format}, b64 required` };
  const data = cred.data.trim();
  if (type === 'basic') {
    if (!sameSecret(data, basicCredData(user, secret))) return { code: 401, ok: false, chal: chalFor('basic'), reason: 'basic Cred mismatch' };
    return { code: 212, ok: true };
  }
  // md5: docs/protocol.md §3.2; LocName carries the user id (docs/protocol.md §1.2). Some clients omit it: only a mismatch fails.
  const locName = hdr.source.locName;
  if (locName !== undefined && locName !== user)
    return { code: 401, ok: false, chal: chalFor('md5', issue()), reason: `LocName ${locName} is not the configured user` };
  if (!sameSecret(data, md5CredData(user, secret, nonce))) return { code: 401, ok: false, chal: chalFor('md5', issue()), reason: 'md5 Cred mismatch' };
  const next = opts.nextNonceOn212 === false ? undefined : chalFor('md5', issue());
  return { code: 212, ok: true, chal: next };
}

/** Our Cred for the client to verify (SRVCRED, docs/protocol.md §3.3); undefined for none/hmac (hmac goes in a header). */
export function serverCred(opts: ServerCredOptions, serverId: string, clientNonce: Uint8Array): Cred | undefined {
  const name = opts.name || serverId;
  const secret = (opts.secret || '') + (opts.wrong ? '-wrong' : '');
  if (opts.type === 'basic') return { meta: { type: AUTH_META_TYPE.basic, format: 'b64' }, data: basicCredData(name, secret) };
  if (opts.type === 'md5') return { meta: { type: AUTH_META_TYPE.md5, format: 'b64' }, data: md5CredData(name, secret, clientNonce) };
  return undefined;
}

/** x-syncml-hmac header for our response body when we authenticate with HMAC (docs/protocol.md §3.5). */
export function serverHmacHeader(opts: ServerCredOptions, serverId: string, clientNonce: Uint8Array, body: Uint8Array): string | undefined {
  if (opts.type !== 'hmac') return undefined;
  const name = opts.name || serverId;
  const secret = (opts.secret || '') + (opts.wrong ? '-wrong' : '');
  return formatHmacHeader(name, hmacMac(name, secret, clientNonce, body));
}
