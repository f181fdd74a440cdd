// The server authenticating itself to the client (OMA-TS-DM_Security-V1_2 §5.1, OMA-TS-DM_Protocol-V1_2 §8.3): the
// server's SyncHdr Cred is checked against SRVCRED, using the nonce WE issued. A server that fails gets 401/407 with
// our Chal and a fresh NextNonce, and no command of its message is executed.
//
// A fresh nonce takes effect only once the message carrying it has reached the server (`nonceDelivered`): a Chal
// that is never sent (the session ended because the server's last message held no command) must not change the
// nonce the server will use next time, or every other session of an honest server fails (docs/security.md).
import type { Chal, Cred } from '../syncml/model.js';
import { base64Encode } from '../bytes.js';
import { AUTH_META_TYPE, authTypeFromMeta, basicCredData, hmacMac, md5CredData, parseHmacHeader, sameSecret, type AuthType } from './auth.js';
import { Status } from './codes.js';

export interface ServerNonceStore {
  /** The nonce we issued to the server (SRVCRED AAuthData), raw bytes. */
  serverNonce(): Uint8Array;
  setServerNonce(nonce: Uint8Array): Promise<void>;
}

export interface ServerCheck {
  /** Status for the server's SyncHdr: 212 / 200 when accepted, 401 / 407 when not. */
  code: number;
  accepted: boolean;
  chal?: Chal;
  reason?: string;
}

export class ServerAuthenticator {
  private authenticated = false;
  private failures = 0;
  /** The nonce of the last Chal we built, not yet known to be at the server. */
  private pending: Uint8Array | undefined;

  constructor(
    private readonly config: { type: AuthType; name: string; secret: string },
    private readonly store: ServerNonceStore,
    private readonly newNonce: () => Uint8Array,
    readonly maxFailures = 3,
  ) {}

  get failureCount(): number {
    return this.failures;
  }

  /** Checks one server message: its SyncHdr Cred, or for HMAC the x-syncml-hmac header over the exact body bytes. */
  async check(cred: Cred | undefined, hmacHeader: string | undefined, body: Uint8Array): Promise<ServerCheck> {
    const t = this.config.type;
    if (t === 'none') return { code: Status.OK, accepted: true };
    if (t === 'hmac') {
      // HMAC: every message is signed; SyncHdr status is 200, each answer carries a fresh nonce (docs/protocol.md §3.3).
      if (hmacHeader === undefined) return this.fail(Status.MissingCredentials, 'server message has no x-syncml-hmac header');
      const h = parseHmacHeader(hmacHeader);
      if (!h) return this.fail(Status.InvalidCredentials, 'server x-syncml-hmac header is malformed');
      const want = hmacMac(this.config.name, this.config.secret, this.store.serverNonce(), body);
      if (h.username !== this.config.name || !sameSecret(h.mac, want)) {
        return this.fail(Status.InvalidCredentials, 'server HMAC does not match');
      }
      return { code: Status.OK, accepted: true, chal: await this.freshChal() };
    }
    if (this.authenticated) return { code: Status.OK, accepted: true };
    if (!cred) return this.fail(Status.MissingCredentials, 'server sent no credentials');
    const got = authTypeFromMeta(cred.meta && cred.meta.type) || 'basic';
    if (got !== t) return this.fail(Status.InvalidCredentials, `server used ${got} credentials, ${t} required`);
    const want =
      t === 'basic'
        ? basicCredData(this.config.name, this.config.secret)
        : md5CredData(this.config.name, this.config.secret, this.store.serverNonce());
    if (!sameSecret(cred.data.trim(), want)) return this.fail(Status.InvalidCredentials, 'server credentials do not match');
    this.authenticated = true;
    // 212: authenticated for the whole session; a new nonce for the next session goes with it.
    return { code: Status.AuthAccepted, accepted: true, chal: t === 'md5' ? await this.freshChal() : undefined };
  }

  /**
   * The message carrying our last Chal was answered by the server (HTTP 200): its NextNonce is now the one the server
   * will sign with, in this session (HMAC) and the next one (MD5), so it becomes the stored SRVCRED nonce.
   */
  async nonceDelivered(): Promise<void> {
    const n = this.pending;
    this.pending = undefined;
    if (n) await this.store.setServerNonce(n);
  }

  private async fail(code: number, reason: string): Promise<ServerCheck> {
    this.failures++;
    return { code, accepted: false, chal: await this.freshChal(), reason };
  }

  private async freshChal(): Promise<Chal> {
    const nonce = this.newNonce();
    this.pending = nonce;
    const type = this.config.type === 'none' ? 'basic' : this.config.type;
    return { meta: { type: AUTH_META_TYPE[type], format: 'b64', nextNonce: base64Encode(nonce) } };
  }
}

