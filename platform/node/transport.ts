// Transport port on Node: node-fetch with an https.Agent (CA file, client certificate for mutual TLS, public-key
// pinning in curl's `sha256//<base64>` form so both runtimes take the same config). Redirects are refused unless
// configured: a DM server moves a session with RespURI, not with HTTP redirects.
//
// One connection per session (HTTP/1.1 keep-alive, docs/transport.md "HTTP headers and connections"): the agents
// keep the socket of the first message for the next ones (at most one socket: messages go one at a time) and are
// destroyed by endSession(), so an idle connection is never carried into a later session.
//
// Bounds (docs/transport.md): the body is counted while it streams and the connection is dropped as soon as it passes
// the request's maxResponseBytes (TransportError 'too-large'), so a hostile server cannot make the agent buffer
// gigabytes; one timer covers the whole exchange, body included; a refused server certificate is 'tls-certificate'
// (not worth a retry) with the reason in words.
//
// node-fetch is loaded when the first message is sent, not when the agent starts: its module graph costs several
// MiB and commands such as `status` or `info` never send a message (in dist/node/cli.js it is bundled, and this
// import() runs its module bodies; scripts/build.mjs).
import type { Response } from 'node-fetch';
import * as https from 'node:https';
import * as http from 'node:http';
import * as tls from 'node:tls';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { HttpRequest, HttpResponse, Transport } from '../../src/ports/runtime.js';
import { NODE_USER_AGENT } from './user-agent.js';

export interface NodeTransportOptions {
  followRedirects?: boolean;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** `sha256//<base64 of the SHA-256 of the DER SubjectPublicKeyInfo>`, several separated by `;`. */
  pinnedPubKey?: string;
  insecure?: boolean;
  userAgent?: string;
}

export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: 'timeout' | 'refused' | 'dns' | 'tls' | 'tls-certificate' | 'redirect' | 'network' | 'too-large',
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

type NodeFetch = typeof import('node-fetch');
let nodeFetch: Promise<NodeFetch> | null = null;
/** node-fetch, imported on first use and shared by every transport of the process. */
function loadNodeFetch(): Promise<NodeFetch> {
  if (!nodeFetch) nodeFetch = import('node-fetch');
  return nodeFetch;
}

export function createNodeTransport(options: NodeTransportOptions = {}): Transport {
  const pins = (options.pinnedPubKey || '')
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => {
      if (p.indexOf('sha256//') !== 0) throw new TransportError(`pinnedPubKey entry ${JSON.stringify(p)} must start with sha256//`, 'tls');
      return p.slice(8);
    });
  const tlsOptions: https.AgentOptions = {
    ca: options.caFile ? readFileSync(options.caFile) : undefined,
    cert: options.certFile ? readFileSync(options.certFile) : undefined,
    key: options.keyFile ? readFileSync(options.keyFile) : undefined,
    rejectUnauthorized: !options.insecure,
    checkServerIdentity: (host, cert) => {
      const err = tls.checkServerIdentity(host, cert);
      if (err) return err;
      if (pins.length > 0) {
        const spki = createHash('sha256').update(cert.pubkey as Buffer).digest('base64');
        if (pins.indexOf(spki) < 0) return Object.assign(new Error(`server public key sha256//${spki} is not pinned`), { code: PIN_MISMATCH });
      }
      return undefined;
    },
  };
  let agents: { http: http.Agent; https: https.Agent } | null = null;
  const session = () =>
    agents ||
    (agents = {
      http: new http.Agent({ keepAlive: true, maxSockets: 1 }),
      https: new https.Agent({ ...tlsOptions, keepAlive: true, maxSockets: 1 }),
    });
  return {
    endSession(): void {
      if (!agents) return;
      agents.http.destroy();
      agents.https.destroy();
      agents = null;
    },
    async post(req: HttpRequest): Promise<HttpResponse> {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), req.timeoutMs);
      try {
        const headers: Record<string, string> = { ...req.headers };
        headers['user-agent'] = options.userAgent || NODE_USER_AGENT;
        const { default: fetch } = await loadNodeFetch();
        const res = await fetch(req.url, {
          method: 'POST',
          headers,
          body: Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength),
          redirect: options.followRedirects ? 'follow' : 'manual',
          signal: controller.signal,
          agent: (url: URL) => (url.protocol === 'https:' ? session().https : session().http),
        });
        if (res.status >= 300 && res.status < 400 && !options.followRedirects) {
          throw new TransportError(`server redirected (HTTP ${res.status} to ${res.headers.get('location')}); redirects are not followed (server.followRedirects)`, 'redirect');
        }
        const body = await readCapped(res, req, () => controller.abort());
        const out: Record<string, string> = {};
        res.headers.forEach((v, k) => {
          out[k.toLowerCase()] = v;
        });
        return { status: res.status, headers: out, body };
      } catch (e) {
        throw classify(e, req);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Reads the body, counting bytes as they arrive; stops (and drops the connection) past req.maxResponseBytes. */
async function readCapped(res: Response, req: HttpRequest, hangUp: () => void): Promise<Uint8Array> {
  const cap = req.maxResponseBytes;
  const tooLarge = (what: string) =>
    new TransportError(`the answer from ${req.url} ${what}, over the ${cap}-byte limit; reading stopped`, 'too-large');
  const announced = Number(res.headers.get('content-length'));
  const stream = res.body;
  if (announced > cap) {
    hangUp();
    throw tooLarge(`announces ${announced} bytes (Content-Length)`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  if (stream) {
    for await (const chunk of stream) {
      const b = chunk as Buffer;
      total += b.length;
      if (total > cap) {
        hangUp();
        throw tooLarge(`passed ${total} bytes`);
      }
      chunks.push(b);
    }
  }
  const all = Buffer.concat(chunks, total);
  return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
}

/** Set on the error our checkServerIdentity returns for a public key that is not pinned. */
const PIN_MISMATCH = 'ERR_DM_PIN_MISMATCH';

/**
 * OpenSSL / Node verification codes of a server certificate that was refused, in words a person can act on. These
 * fail the same way on every attempt, so the session does not retry them.
 */
const CERTIFICATE_REASONS: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown CA',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown CA',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'unknown CA (self-signed certificate)',
  SELF_SIGNED_CERT_IN_CHAIN: 'unknown CA (self-signed certificate in the chain)',
  CERT_UNTRUSTED: 'unknown CA',
  CERT_SIGNATURE_FAILURE: 'unknown CA (bad signature)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'host mismatch',
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'not yet valid',
  CERT_REVOKED: 'revoked',
  INVALID_PURPOSE: 'not a server certificate',
  [PIN_MISMATCH]: 'public key not pinned (server.tls.pinnedPubKey)',
};

function classify(e: unknown, req: HttpRequest): Error {
  if (e instanceof TransportError) return e;
  // node-fetch's AbortError, matched by name so that classifying needs no import of the module.
  if ((e as Error).name === 'AbortError') {
    return new TransportError(`no answer within ${req.timeoutMs} ms`, 'timeout');
  }
  const err = e as Error & { code?: string };
  const code = err.code || '';
  const reason = CERTIFICATE_REASONS[code];
  if (reason) return new TransportError(`TLS certificate of ${hostOf(req.url)} refused: ${reason} [${code}]: ${err.message}`, 'tls-certificate');
  if (code === 'ECONNREFUSED') return new TransportError('connection refused', 'refused');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new TransportError(`host not found (${code})`, 'dns');
  if (/CERT|SSL|TLS|pinned/i.test(code + ' ' + err.message)) return new TransportError(`TLS: ${err.message}`, 'tls');
  return new TransportError(err.message, 'network');
}

function hostOf(url: string): string {
  const m = /^[a-z]+:\/\/([^/?#]+)/i.exec(url);
  return m ? m[1] : url;
}
