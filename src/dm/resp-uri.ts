// Which RespURI a server may move the session to (OMA-TS-DM_Protocol-V1_2 §6.1.1 and OMA-TS-DM_RepPro-V1_2 RespURI:
// the client sends its next message to the URI the server names). The next message carries our credentials (a
// Basic Cred is the secret itself; an MD5 digest or HMAC can be attacked offline), so a RespURI is followed only when
// it keeps the transport at least as protected and stays on a host the operator trusts (docs/security.md):
//  - an absolute http(s) URL without user info;
//  - never from https to http;
//  - its host is the configured server's host or one listed in `server.respUriHosts`.
// The caller applies it only from a message whose server passed authentication.

export type RespUriVerdict = { ok: true; url: string } | { ok: false; reason: string };

interface UrlParts {
  scheme: 'http' | 'https';
  host: string;
}

function parts(url: string): UrlParts | undefined {
  const m = /^(https?):\/\/([^/?#]*)([/?#].*)?$/i.exec(url);
  if (!m || m[2] === '' || m[2].indexOf('@') >= 0) return undefined;
  return { scheme: m[1].toLowerCase() as UrlParts['scheme'], host: hostOf(m[2]) };
}

/** Lower-case host name of an authority: `[::1]:8443` → `::1`, `Dm.Example.com:443` → `dm.example.com`. */
function hostOf(authority: string): string {
  const a = authority.toLowerCase();
  if (a.charAt(0) === '[') {
    const end = a.indexOf(']');
    return end > 0 ? a.slice(1, end) : a;
  }
  const colon = a.lastIndexOf(':');
  return colon >= 0 ? a.slice(0, colon) : a;
}

/**
 * Decides on a RespURI. `current` is where the last message went, `configured` the configured server URL,
 * `allowedHosts` the extra host names of `server.respUriHosts` (compared without port, case-insensitively).
 */
export function checkRespUri(respUri: string, current: string, configured: string, allowedHosts: string[]): RespUriVerdict {
  const url = respUri.trim();
  const next = parts(url);
  if (!next) return { ok: false, reason: `RespURI ${JSON.stringify(url.slice(0, 200))} is not an absolute http(s) URL without user info` };
  const now = parts(current);
  if (now && now.scheme === 'https' && next.scheme === 'http') {
    return { ok: false, reason: `RespURI ${url} would move the session from https to http` };
  }
  const home = parts(configured);
  const allowed = allowedHosts.map((h) => hostOf(h.trim()));
  if (home) allowed.push(home.host);
  if (allowed.indexOf(next.host) < 0) {
    return { ok: false, reason: `RespURI host ${next.host} is neither the configured server's host nor listed in server.respUriHosts` };
  }
  return { ok: true, url };
}
