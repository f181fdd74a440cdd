// The HTTP headers the agent sends, computed in one place for both runtimes (docs/transport.md "HTTP headers").
//
// DM messages (OMA-TS-DM_Protocol-V1_2 HTTP binding, OMA-TS-SyncML_HTTPBinding-V1_2 request headers):
//   Content-Type     the message's DM media type (OMA-TS-DM_RepPro-V1_2: application/vnd.syncml.dm+wbxml or
//                    application/vnd.syncml.dm+xml); the XML one names its charset, UTF-8, the only one DM uses
//                    (WBXML carries its charset inside the document: docs/protocol.md §2).
//   Accept           both DM media types, ours first: the session decodes either (src/syncml/index.ts decodeMessage),
//                    so a server that answers XML to a WBXML client is understood.
//   Accept-Charset   utf-8, because Accept lists the XML type.
//   Cache-Control    no-store: a DM message carries credentials and device data; no proxy may keep it.
//   User-Agent       dm-agent/<version> (<runtime>), e.g. `dm-agent/0.1.0 (node v20.19.0)` or
//                    `dm-agent/0.1.0 (quickjs 2021-03-27)`; the package GETs and install-notify POSTs send the same.
import { MIME_WBXML, MIME_XML } from '../syncml/index.js';

declare const __DM_AGENT_VERSION__: string;
/** The version in package.json, put in by scripts/build.mjs (esbuild define); `0.0.0-dev` when run from sources. */
export const AGENT_VERSION = typeof __DM_AGENT_VERSION__ === 'string' ? __DM_AGENT_VERSION__ : '0.0.0-dev';

/** `dm-agent/<version> (<runtime>)`: `runtime` names the engine and its version, e.g. `node v20.19.0`. */
export function userAgent(runtime: string): string {
  return `dm-agent/${AGENT_VERSION} (${runtime})`;
}

/** Content-Type of a DM message in this encoding. */
export function dmContentType(encoding: 'wbxml' | 'xml'): string {
  return encoding === 'xml' ? `${MIME_XML}; charset=utf-8` : MIME_WBXML;
}

/** The headers of one DM message POST (names in lower case, as HttpRequest wants them), authentication aside. */
export function dmRequestHeaders(encoding: 'wbxml' | 'xml'): Record<string, string> {
  return {
    'content-type': dmContentType(encoding),
    accept: encoding === 'xml' ? `${MIME_XML}, ${MIME_WBXML}` : `${MIME_WBXML}, ${MIME_XML}`,
    'accept-charset': 'utf-8',
    'cache-control': 'no-store',
  };
}
