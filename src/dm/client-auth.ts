// The client's side of DM authentication (OMA-TS-DM_Security-V1_2 §5.1, OMA-TS-DM_Protocol-V1_2 §8.3): which
// credentials go into each message, and how the server's answer (212, 200, 401/407 with Chal, NextNonce) changes that
// for the rest of the session and the next one. Two rules guard against a server that has not proved who it is
// (docs/security.md): a challenge never moves us to a weaker scheme than configured, and a nonce is stored for later
// sessions only when it came in a message whose server passed authentication.
import type { Chal, Cred, Meta } from '../syncml/model.js';
import { base64Decode } from '../bytes.js';
import { AUTH_META_TYPE, authTypeFromMeta, basicCredData, formatHmacHeader, hmacMac, md5CredData, type AuthType } from './auth.js';
import { Status } from './codes.js';

export interface NonceStore {
  /** The last nonce the server issued to us (CLCRED AAuthData), raw bytes. */
  clientNonce(): Uint8Array;
  setClientNonce(nonce: Uint8Array): Promise<void>;
}

export class AuthFailedError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'AuthFailedError';
  }
}

/** Strength order of the schemes: a Chal may move the client up this list, never down it. */
const STRENGTH: Record<AuthType, number> = { none: 0, basic: 1, md5: 2, hmac: 3 };

export class ClientAuthenticator {
  private type: AuthType;
  /** 212 received: no more credentials this session (not for HMAC, which signs every message). */
  private authenticated = false;
  private challenges = 0;
  private nonce: Uint8Array;

  constructor(
    private readonly config: { type: AuthType; name: string; secret: string },
    private readonly store: NonceStore,
    private readonly maxChallenges = 2,
  ) {
    this.type = config.type;
    this.nonce = store.clientNonce();
  }

  get authType(): AuthType {
    return this.type;
  }

  /** SyncHdr Source/LocName: the user id for MD5/HMAC (docs/protocol.md §1.3). */
  locName(): string | undefined {
    return this.type === 'md5' || this.type === 'hmac' ? this.config.name : undefined;
  }

  /** The Cred for the next message's SyncHdr, or undefined (none, HMAC, or already authenticated with 212). */
  cred(): Cred | undefined {
    if (this.authenticated || this.type === 'none' || this.type === 'hmac') return undefined;
    const meta: Meta = { type: AUTH_META_TYPE[this.type], format: 'b64' };
    const data =
      this.type === 'basic'
        ? basicCredData(this.config.name, this.config.secret)
        : md5CredData(this.config.name, this.config.secret, this.nonce);
    return { meta, data };
  }

  /** Extra HTTP headers for a message body: the x-syncml-hmac header in HMAC mode (docs/protocol.md §3.5). */
  headers(body: Uint8Array): Record<string, string> {
    if (this.type !== 'hmac') return {};
    return { 'x-syncml-hmac': formatHmacHeader(this.config.name, hmacMac(this.config.name, this.config.secret, this.nonce, body)) };
  }

  /**
   * Takes the server's Status for our SyncHdr. Returns 'resend' when package 1 must be sent again with new
   * credentials, 'ok' otherwise; throws AuthFailedError when the server keeps refusing or asks for a weaker scheme.
   * `trusted`: the message passed the server's own authentication (or none is configured). An untrusted message can
   * still challenge us (the nonce is then used for this session only, OMA-TS-DM_Security-V1_2 §5.1.3 nonce
   * recommendation), but its 200/212 does not end our credentials and its nonce is not stored.
   */
  async onHeaderStatus(code: number, chal: Chal | undefined, trusted: boolean): Promise<'ok' | 'resend'> {
    if (chal) await this.takeChallenge(chal, trusted);
    if (!trusted && (code === Status.AuthAccepted || code === Status.OK)) return 'ok';
    if (code === Status.AuthAccepted) {
      if (this.type !== 'hmac') this.authenticated = true;
      return 'ok';
    }
    if (code === Status.InvalidCredentials || code === Status.MissingCredentials) {
      this.challenges++;
      if (!chal) throw new AuthFailedError(`server refused our credentials (${code}) without a challenge`, code);
      if (this.challenges > this.maxChallenges) {
        throw new AuthFailedError(`server refused our credentials ${this.challenges} times (last status ${code})`, code);
      }
      return 'resend';
    }
    return 'ok';
  }

  /**
   * A Chal names the auth type to use and a NextNonce. The type may only be as strong as configured or stronger: a
   * server asking for less (an impostor fishing for `B64(name:secret)`) ends the session before any credential of
   * the weaker kind is built. The nonce is used at once; it is stored for later sessions only from a trusted message.
   */
  private async takeChallenge(chal: Chal, trusted: boolean): Promise<void> {
    const wanted = authTypeFromMeta(chal.meta.type);
    if (chal.meta.type !== undefined) {
      if (!wanted) throw new AuthFailedError(`server asks for unsupported authentication ${JSON.stringify(chal.meta.type)}`, Status.InvalidCredentials);
      if (this.config.type === 'none' || !this.config.name) {
        throw new AuthFailedError(`server asks for ${chal.meta.type} but no client credentials are configured`, Status.MissingCredentials);
      }
      if (STRENGTH[wanted] < STRENGTH[this.config.type]) {
        throw new AuthFailedError(
          `server challenged with ${chal.meta.type}, weaker than the configured ${AUTH_META_TYPE[this.config.type as Exclude<AuthType, 'none'>]}: refused, no credentials sent`,
          Status.InvalidCredentials,
        );
      }
      this.type = wanted;
    }
    if (chal.meta.nextNonce !== undefined) {
      const text = chal.meta.nextNonce.trim();
      // NextNonce Format must be b64; fall back to the text bytes when a server sends something else.
      let nonce: Uint8Array;
      try {
        nonce = chal.meta.format === undefined || chal.meta.format === 'b64' ? base64Decode(text) : stringBytes(text);
      } catch {
        nonce = stringBytes(text);
      }
      this.nonce = nonce;
      if (trusted) await this.store.setClientNonce(nonce);
    }
  }
}

function stringBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}
