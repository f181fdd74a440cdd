// Connectionless WSP Push PDU carrying package 0 (docs/protocol.md §8.3; WAP-230 WSP §8.2.4.1 and §8.4 header encoding):
//   TID (1) | PDU type (1: 0x06 Push) | HeadersLen (uintvar) | Content-Type | headers | data = package 0
// Content-Type is application/vnd.syncml.notification: well-known code 0x44, sent as the short integer 0xC4, or as
// text, or in the general form (value length + media + parameters). X-WAP-Application-ID (field 0x2F, sent 0xAF)
// is optional; when present it must name the SyncML DM user agent: code 0x07 (0x87) or "x-wap-application:syncml.dm".
import { utf8Decode } from '../bytes.js';
import { NotificationError } from './errors.js';

export const WSP_PDU_PUSH = 0x06;
export const WSP_CONTENT_TYPE_SYNCML_NOTIFICATION = 0x44;
export const MIME_SYNCML_NOTIFICATION = 'application/vnd.syncml.notification';
export const WSP_FIELD_X_WAP_APPLICATION_ID = 0x2f;
export const WAP_APP_ID_SYNCML_DM = 0x07;
export const WAP_APP_URI_SYNCML_DM = 'x-wap-application:syncml.dm';
/** WAP Push connectionless port (docs/protocol.md §8.3). */
export const WAP_PUSH_PORT = 2948;

export interface WspPush {
  tid: number;
  pduType: number;
  /** Well-known code (0x44) or the media type text. */
  contentType: number | string;
  /** X-WAP-Application-ID when present: code or URI text. */
  appId?: number | string;
  /** Other headers by field code (well-known) or lower-case name (application headers), values as raw bytes. */
  headers: { field: number | string; value: Uint8Array }[];
  body: Uint8Array;
}

/** Reads a WSP uintvar (7 bits per octet, high bit = more follow, at most 5 octets). */
export function readUintvar(bytes: Uint8Array, at: number, field: 'wsp.headersLength' | 'wsp.headers'): { value: number; next: number } {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (at + i >= bytes.length) throw new NotificationError('truncated', field, 'uintvar runs past the end');
    const b = bytes[at + i];
    value = value * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) return { value, next: at + i + 1 };
  }
  throw new NotificationError('invalid', field, 'uintvar longer than 5 octets');
}

/** Text-string: octets up to NUL; a leading 0x7F quote is dropped (WAP-230 §8.4.2.1). */
function readText(bytes: Uint8Array, at: number, end: number, field: 'wsp.contentType' | 'wsp.headers'): { text: string; next: number } {
  let start = at;
  if (bytes[start] === 0x7f) start++;
  let i = start;
  while (i < end && bytes[i] !== 0) i++;
  if (i >= end) throw new NotificationError('truncated', field, 'text string without its NUL terminator');
  return { text: utf8Decode(bytes, start, i), next: i + 1 };
}

/** Value-length (0..30, or 31 then uintvar): the bytes that follow form the value. */
function readValueLength(bytes: Uint8Array, at: number): { length: number; next: number } {
  const b = bytes[at];
  if (b <= 30) return { length: b, next: at + 1 };
  const v = readUintvar(bytes, at + 1, 'wsp.headers');
  return { length: v.value, next: v.next };
}

/** Integer-value: short integer (0x80|n) or long integer (length 1..30, then big-endian octets). */
function readInteger(bytes: Uint8Array, at: number, end: number): { value: number; next: number } | null {
  const b = bytes[at];
  if (b >= 0x80) return { value: b & 0x7f, next: at + 1 };
  if (b >= 1 && b <= 30 && at + 1 + b <= end) {
    let v = 0;
    for (let i = 0; i < b; i++) v = v * 256 + bytes[at + 1 + i];
    return { value: v, next: at + 1 + b };
  }
  return null;
}

function readContentType(bytes: Uint8Array, at: number, end: number): { value: number | string; next: number } {
  if (at >= end) throw new NotificationError('truncated', 'wsp.contentType', 'headers end before the content type');
  const b = bytes[at];
  if (b >= 0x80) return { value: b & 0x7f, next: at + 1 };
  if (b >= 32) {
    const t = readText(bytes, at, end, 'wsp.contentType');
    return { value: t.text, next: t.next };
  }
  // Content-general-form: Value-length Media-type *(Parameter); parameters are skipped.
  const vl = readValueLength(bytes, at);
  const valueEnd = vl.next + vl.length;
  if (valueEnd > end || vl.length === 0) throw new NotificationError('truncated', 'wsp.contentType', 'content type value runs past the headers');
  const m = bytes[vl.next];
  if (m >= 32 && m < 0x80) return { value: readText(bytes, vl.next, valueEnd, 'wsp.contentType').text, next: valueEnd };
  const n = readInteger(bytes, vl.next, valueEnd);
  if (!n) throw new NotificationError('invalid', 'wsp.contentType', `unreadable media type octet 0x${m.toString(16)}`);
  return { value: n.value, next: valueEnd };
}

/** Skips one Wap-value and returns where it ends (WAP-230 §8.4.1.2). */
function skipValue(bytes: Uint8Array, at: number, end: number): number {
  if (at >= end) throw new NotificationError('truncated', 'wsp.headers', 'header field without a value');
  const b = bytes[at];
  if (b >= 0x80) return at + 1;
  if (b >= 32) return readText(bytes, at, end, 'wsp.headers').next;
  const vl = readValueLength(bytes, at);
  if (vl.next + vl.length > end) throw new NotificationError('truncated', 'wsp.headers', 'header value runs past the headers');
  return vl.next + vl.length;
}

function isSyncmlNotification(ct: number | string): boolean {
  return ct === WSP_CONTENT_TYPE_SYNCML_NOTIFICATION || (typeof ct === 'string' && ct.trim().toLowerCase() === MIME_SYNCML_NOTIFICATION);
}

function isDmApp(id: number | string): boolean {
  return id === WAP_APP_ID_SYNCML_DM || (typeof id === 'string' && id.trim().toLowerCase() === WAP_APP_URI_SYNCML_DM);
}

/**
 * Parses a connectionless WSP Push PDU and checks it carries a SyncML notification for the DM user agent.
 * Throws NotificationError naming the WSP field that is missing or wrong.
 */
export function parseWspPush(bytes: Uint8Array): WspPush {
  if (bytes.length < 1) throw new NotificationError('truncated', 'wsp.tid', 'empty datagram');
  if (bytes.length < 2) throw new NotificationError('truncated', 'wsp.pduType', 'datagram ends after the TID');
  const tid = bytes[0];
  const pduType = bytes[1];
  if (pduType !== WSP_PDU_PUSH) throw new NotificationError('invalid', 'wsp.pduType', `PDU type 0x${pduType.toString(16)} is not Push (0x06)`);
  const hl = readUintvar(bytes, 2, 'wsp.headersLength');
  const headersEnd = hl.next + hl.value;
  if (headersEnd > bytes.length) {
    throw new NotificationError('truncated', 'wsp.headersLength', `headers length ${hl.value} runs past the ${bytes.length}-byte PDU`);
  }
  const ct = readContentType(bytes, hl.next, headersEnd);
  if (!isSyncmlNotification(ct.value)) {
    const shown = typeof ct.value === 'number' ? `0x${ct.value.toString(16)}` : JSON.stringify(ct.value);
    throw new NotificationError('invalid', 'wsp.contentType', `content type ${shown} is not ${MIME_SYNCML_NOTIFICATION} (0x44)`);
  }
  const headers: { field: number | string; value: Uint8Array }[] = [];
  let appId: number | string | undefined;
  let at = ct.next;
  while (at < headersEnd) {
    const b = bytes[at];
    if (b === 0x7f) {
      at += 2; // shift-delimiter + page identity: other header code pages are not ours to read
      continue;
    }
    if (b >= 1 && b <= 31) {
      at += 1; // short-cut shift delimiter
      continue;
    }
    let field: number | string;
    if (b >= 0x80) {
      field = b & 0x7f;
      at++;
    } else {
      const name = readText(bytes, at, headersEnd, 'wsp.headers');
      field = name.text.toLowerCase();
      at = name.next;
    }
    const valueStart = at;
    if (field === WSP_FIELD_X_WAP_APPLICATION_ID || field === 'x-wap-application-id') {
      if (at >= headersEnd) throw new NotificationError('truncated', 'wsp.appId', 'X-WAP-Application-ID without a value');
      const v = bytes[at];
      if (v >= 32 && v < 0x80) {
        const t = readText(bytes, at, headersEnd, 'wsp.headers');
        appId = t.text;
        at = t.next;
      } else {
        const n = readInteger(bytes, at, headersEnd);
        if (!n) throw new NotificationError('invalid', 'wsp.appId', `unreadable application id octet 0x${v.toString(16)}`);
        appId = n.value;
        at = n.next;
      }
    } else {
      at = skipValue(bytes, at, headersEnd);
    }
    headers.push({ field, value: bytes.slice(valueStart, at) });
  }
  if (appId !== undefined && !isDmApp(appId)) {
    throw new NotificationError('invalid', 'wsp.appId', `push is for application ${JSON.stringify(appId)}, not the SyncML DM agent (0x07)`);
  }
  const push: WspPush = { tid, pduType, contentType: ct.value, headers, body: bytes.slice(headersEnd) };
  if (appId !== undefined) push.appId = appId;
  return push;
}
