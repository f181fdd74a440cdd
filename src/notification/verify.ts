// Checking a package 0 against the server's credentials (docs/protocol.md §8.2, §3.2 "Pkg#0 digest", §3.4 SRVCRED):
//   digest = H( B64(H(server-id ":" secret)) ":" nonce ":" B64(H(trigger)) ), raw 16 bytes, H = MD5
// with secret = SRVCRED AAuthSecret and nonce = SRVCRED AAuthData, the nonce WE issued to the server.
// When that fails, the server may have lost our nonce: it then signs with the resync nonce "0x00000000", whose byte
// form is unconfirmed (docs/protocol.md §9 #8: MOTO four 0x00 bytes, LIBDMC the ASCII text), so both are tried; a match
// starts the session flagged for resync (both sides exchange fresh nonces through Chal). Anything else is dropped.
import { md5 } from '@noble/hashes/legacy';
import { base64Encode, concatBytes, utf8Encode } from '../bytes.js';
import { userDigest } from '../dm/auth.js';
import type { Log } from '../ports/runtime.js';
import { NotificationError } from './errors.js';
import { PKG0_VERSION, type Pkg0Notification } from './pkg0.js';

/** SRVCRED of one DM account (docs/protocol.md §3.4): what a notification from that server must be signed with. */
export interface ServerCredentials {
  /** DMAcc ServerID; the digest is computed over it (docs/protocol.md §9 #16). */
  serverId: string;
  /** SRVCRED AAuthSecret. */
  secret: string;
  /** SRVCRED AAuthData: the nonce we issued to this server, raw bytes, read at check time (it changes per session). */
  nonce(): Uint8Array;
  /** SRVCRED AAuthName, when it differs from serverId: LIBDMC signs with it instead (docs/protocol.md §8.2), so it is tried too. */
  authName?: string;
}

/** Which nonce matched. */
export type NonceForm = 'issued' | 'issued-base64-text' | 'resync-zero-bytes' | 'resync-ascii';

export interface VerifiedNotification extends Pkg0Notification {
  /** True when only a resync nonce matched: the session must renegotiate nonces (docs/protocol.md §8.2). */
  resync: boolean;
  nonceForm: NonceForm;
  /** The nonce bytes that matched (the session builds its first credentials with it when resyncing). */
  nonce: Uint8Array;
}

export interface VerifyOptions {
  /** Lowest version field accepted (default 10: 1.0 and up; 11 is nominal, docs/protocol.md §9 #9). */
  minVersion?: number;
  log?: Log;
}

/** The resync nonce in its two byte forms (docs/protocol.md §8.2). */
export const RESYNC_NONCE_ZERO_BYTES = new Uint8Array(4);
export const RESYNC_NONCE_ASCII = utf8Encode('0x00000000');

const COLON = utf8Encode(':');

/** H(B64(H(name ":" secret)) ":" nonce ":" B64(H(trigger))), raw 16 bytes (docs/protocol.md §3.2). */
export function pkg0Digest(name: string, secret: string, nonce: Uint8Array, trigger: Uint8Array): Uint8Array {
  return md5(concatBytes([utf8Encode(userDigest(name, secret)), COLON, nonce, COLON, utf8Encode(base64Encode(md5(trigger)))]));
}

/** Compares without stopping at the first difference (no timing hint about how much of a digest matched). */
function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length && i < b.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

function findCredentials(serverId: string, known: ServerCredentials | ServerCredentials[]): ServerCredentials {
  const list = Array.isArray(known) ? known : [known];
  for (const c of list) if (c.serverId === serverId) return c;
  throw new NotificationError(
    'unknown-server',
    'serverId',
    `no SRVCRED for server id ${JSON.stringify(serverId)} (known: ${list.map((c) => JSON.stringify(c.serverId)).join(', ') || 'none'})`,
  );
}

/**
 * Checks version, server id and digest. Returns the notification with the nonce that matched, or throws
 * NotificationError: 'invalid' version, 'unknown-server' server id, 'bad-digest' digest.
 */
export function verifyNotification(
  n: Pkg0Notification,
  known: ServerCredentials | ServerCredentials[],
  options: VerifyOptions = {},
): VerifiedNotification {
  const minVersion = options.minVersion === undefined ? 10 : options.minVersion;
  if (n.version < minVersion) {
    throw new NotificationError('invalid', 'version', `version ${n.version} is below ${minVersion} (1.1 is sent as 11)`);
  }
  const log = options.log;
  if (log && n.version !== PKG0_VERSION) {
    log.log('info', 'package 0 version is not 11; accepted leniently (docs/protocol.md §9 #9)', { version: n.version, serverId: n.serverId });
  }
  if (log && n.futureUse !== 0) {
    log.log('info', 'package 0 future-use bits are not 0; ignored', { futureUse: n.futureUse, serverId: n.serverId });
  }
  const creds = findCredentials(n.serverId, known);
  const names = [creds.serverId];
  if (creds.authName !== undefined && creds.authName !== creds.serverId) names.push(creds.authName);
  const issued = creds.nonce();
  const tries: [NonceForm, Uint8Array][] = [
    ['issued', issued],
    // MOTO's interop fallback: a server that kept our nonce as its base64 text and hashed the text (docs/protocol.md §3.2).
    ['issued-base64-text', utf8Encode(base64Encode(issued))],
    ['resync-zero-bytes', RESYNC_NONCE_ZERO_BYTES],
    ['resync-ascii', RESYNC_NONCE_ASCII],
  ];
  for (const [form, nonce] of tries) {
    for (const name of names) {
      if (sameDigest(pkg0Digest(name, creds.secret, nonce, n.trigger), n.digest)) {
        const resync = form === 'resync-zero-bytes' || form === 'resync-ascii';
        if (log && resync) log.log('warn', 'package 0 signed with the resync nonce: the session will renegotiate nonces', { serverId: n.serverId, form });
        return { ...n, resync, nonceForm: form, nonce: nonce.slice() };
      }
    }
  }
  throw new NotificationError('bad-digest', 'digest', `digest does not match the credentials of ${JSON.stringify(n.serverId)} with the issued nonce or either resync nonce`);
}

/**
 * SRVCRED of the configured server (src/config.ts `server.id` and `server.serverAuth`), with the nonce read from the
 * agent's durable nonce store at check time (`agent nonces.serverNonce`).
 */
export function serverCredentialsFrom(server: { id: string; serverAuth: { name: string; secret: string } }, nonce: () => Uint8Array): ServerCredentials {
  const c: ServerCredentials = { serverId: server.id, secret: server.serverAuth.secret, nonce };
  if (server.serverAuth.name && server.serverAuth.name !== server.id) c.authName = server.serverAuth.name;
  return c;
}
