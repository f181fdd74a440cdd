// Transport port on Node: node-fetch with an https.Agent (CA file, client certificate for mutual TLS, public-key
// pinning in curl's `sha256//<base64>` form so both runtimes take the same config). Redirects are refused unless
// configured: a DM server moves a session with RespURI, not with HTTP redirects.
import fetch, { AbortError } from 'node-fetch';
import * as https from 'node:https';
import * as http from 'node:http';
import * as tls from 'node:tls';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { HttpRequest, HttpResponse, Transport } from '../../src/ports.js';

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
    readonly code: 'timeout' | 'refused' | 'dns' | 'tls' | 'redirect' | 'network',
  ) {
    super(message);
    this.name = 'TransportError';
  }
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
  const httpsAgent = new https.Agent({
    keepAlive: false,
    ca: options.caFile ? readFileSync(options.caFile) : undefined,
    cert: options.certFile ? readFileSync(options.certFile) : undefined,
    key: options.keyFile ? readFileSync(options.keyFile) : undefined,
    rejectUnauthorized: !options.insecure,
    checkServerIdentity: (host, cert) => {
      const err = tls.checkServerIdentity(host, cert);
      if (err) return err;
      if (pins.length > 0) {
        const spki = createHash('sha256').update(cert.pubkey as Buffer).digest('base64');
        if (pins.indexOf(spki) < 0) return new Error(`server public key sha256//${spki} is not pinned`);
      }
      return undefined;
    },
  });
  const httpAgent = new http.Agent({ keepAlive: false });
  return {
    async post(req: HttpRequest): Promise<HttpResponse> {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), req.timeoutMs);
      try {
        const headers: Record<string, string> = { ...req.headers };
        if (options.userAgent) headers['user-agent'] = options.userAgent;
        const res = await fetch(req.url, {
          method: 'POST',
          headers,
          body: Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength),
          redirect: options.followRedirects ? 'follow' : 'manual',
          signal: controller.signal,
          agent: (url: URL) => (url.protocol === 'https:' ? httpsAgent : httpAgent),
        });
        if (res.status >= 300 && res.status < 400 && !options.followRedirects) {
          throw new TransportError(`server redirected (HTTP ${res.status} to ${res.headers.get('location')}); redirects are not followed (server.followRedirects)`, 'redirect');
        }
        const body = new Uint8Array(await res.arrayBuffer());
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

function classify(e: unknown, req: HttpRequest): Error {
  if (e instanceof TransportError) return e;
  if (e instanceof AbortError || (e as Error).name === 'AbortError') {
    return new TransportError(`no answer within ${req.timeoutMs} ms`, 'timeout');
  }
  const err = e as Error & { code?: string };
  const code = err.code || '';
  if (code === 'ECONNREFUSED') return new TransportError('connection refused', 'refused');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new TransportError(`host not found (${code})`, 'dns');
  if (/CERT|SSL|TLS|pinned/i.test(code + ' ' + err.message)) return new TransportError(`TLS: ${err.message}`, 'tls');
  return new TransportError(err.message, 'network');
}
