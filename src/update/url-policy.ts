// PkgURL allow-list (FUMO docs/protocol.md §5.3 step 1 stores PkgURL as given by the server; we refuse to act on URLs that could
// read local files, use other protocols or leak credentials). A refused URL ends the job with 411 Malformed or Bad URL
// (docs/protocol.md §5.4) and no request is made.

import { UpdateError } from './errors.js';

export interface UrlPolicy {
  /** Host names (lower case, exact, or `*.example.com` for sub-domains) that may serve packages. Empty = any host. */
  allowedHosts: string[];
  /** Allow plain http (default true: FUMO servers often serve packages over http and the signature/hash protect them). */
  allowHttp?: boolean;
}

export interface ParsedUrl {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** Path and query, starting with `/`. */
  path: string;
}

/** Parses an absolute http(s) URL without the runtime's URL class (QuickJS has none). Throws UpdateError(411). */
export function parseHttpUrl(url: string): ParsedUrl {
  const bad = (why: string) => new UpdateError('bad-url', `bad package URL ${JSON.stringify(url)}: ${why}`);
  if (typeof url !== 'string' || url.length === 0) throw bad('empty');
  if (/[\s\u0000-\u001f\u007f]/.test(url)) throw bad('contains whitespace or control characters');
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^#]*)(#.*)?$/.exec(url);
  if (!m) throw bad('not an absolute URL');
  const scheme = m[1].toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') throw bad(`scheme ${scheme} is not allowed (only http and https)`);
  const authority = m[2];
  if (authority.indexOf('@') >= 0) throw bad('credentials in URLs are not allowed');
  let host = authority;
  let port = scheme === 'https' ? 443 : 80;
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(authority);
  if (v6) {
    host = v6[1];
    if (v6[2] !== undefined) port = Number(v6[2]);
  } else {
    const hp = /^([A-Za-z0-9.-]+)(?::(\d*))?$/.exec(authority);
    if (!hp) throw bad('invalid host');
    host = hp[1];
    if (hp[2] !== undefined && hp[2] !== '') port = Number(hp[2]);
  }
  if (host.length === 0) throw bad('no host');
  if (!(port > 0 && port < 65536)) throw bad('invalid port');
  const path = m[3] === '' ? '/' : m[3];
  if (path[0] !== '/' && path[0] !== '?') throw bad('invalid path');
  return { scheme: scheme as 'http' | 'https', host: host.toLowerCase(), port, path: path[0] === '?' ? '/' + path : path };
}

function hostAllowed(host: string, allowed: string[]): boolean {
  if (allowed.length === 0) return true;
  for (const pattern of allowed) {
    const p = pattern.toLowerCase();
    if (p.indexOf('*.') === 0) {
      const suffix = p.substring(1);
      if (host.length > suffix.length && host.substring(host.length - suffix.length) === suffix) return true;
    } else if (p === host) return true;
  }
  return false;
}

/** Throws UpdateError(411) unless `url` is an http(s) URL without credentials on an allowed host. */
export function checkPackageUrl(url: string, policy: UrlPolicy): ParsedUrl {
  const parsed = parseHttpUrl(url);
  if (parsed.scheme === 'http' && policy.allowHttp === false)
    throw new UpdateError('bad-url', `bad package URL ${JSON.stringify(url)}: plain http is not allowed`);
  if (!hostAllowed(parsed.host, policy.allowedHosts))
    throw new UpdateError('bad-url', `bad package URL ${JSON.stringify(url)}: host ${parsed.host} is not allowed`);
  return parsed;
}

/** Resolves a possibly relative reference (DD objectURI may be relative to the DD URL) against an absolute base. */
export function resolveUrl(base: string, ref: string): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(ref)) return ref;
  const b = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*)([^?#]*)/.exec(base);
  if (!b) return ref;
  if (ref.indexOf('//') === 0) return base.substring(0, base.indexOf(':') + 1) + ref;
  if (ref[0] === '/') return b[1] + ref;
  const dir = b[2].substring(0, b[2].lastIndexOf('/') + 1) || '/';
  return b[1] + dir + ref;
}
