// What package 0 arrives wrapped in, and how to unwrap it (docs/protocol.md §8.3). One function for every transport, since an
// SMS daemon may hand over any of these and a UDP sender may or may not add the WSP push header:
//   hex text         gammu-smsd style dumps: "FD3502D3..." (whitespace allowed)
//   smstools file    "From: ...\nAlphabet: binary\n...\n\n" + body (the body is unwrapped again)
//   SMS user data header  with an application port element (16-bit IE 0x05 or 8-bit IE 0x04), as WDP over SMS
//                    puts in front of the push; concatenated parts (IE 0x00 / 0x08) are refused, not reassembled
//   WSP push         connectionless Push PDU (wsp.ts)
//   raw              package 0 itself
import { fromHex, utf8Decode } from '../bytes.js';
import { NotificationError } from './errors.js';
import { parsePkg0, type Pkg0Limits } from './pkg0.js';
import { parseWspPush, WAP_PUSH_PORT, WSP_PDU_PUSH } from './wsp.js';

export type EnvelopeLayer = 'hex' | 'smstools' | 'udh' | 'wsp';

export interface Unwrapped {
  pkg0: Uint8Array;
  /** Outermost first, e.g. ['smstools', 'udh', 'wsp']; empty for raw package 0. */
  layers: EnvelopeLayer[];
}

function isHexText(bytes: Uint8Array): boolean {
  let digits = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)) digits++;
    else if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return false;
  }
  return digits > 0 && digits % 2 === 0;
}

/** smstools3 message file: "Name: value" lines, a blank line, then the body. Null when the bytes are not one. */
function splitSmstools(bytes: Uint8Array): { headers: Record<string, string>; body: Uint8Array } | null {
  // The header block is short ASCII; look for the blank line in the first 2 KiB only.
  const limit = Math.min(bytes.length, 2048);
  let end = -1;
  let bodyAt = -1;
  for (let i = 0; i + 1 < limit; i++) {
    if (bytes[i] === 0x0a && bytes[i + 1] === 0x0a) {
      end = i;
      bodyAt = i + 2;
      break;
    }
    if (bytes[i] === 0x0a && bytes[i + 1] === 0x0d && i + 2 < limit && bytes[i + 2] === 0x0a) {
      end = i;
      bodyAt = i + 3;
      break;
    }
  }
  if (end < 0) return null;
  for (let i = 0; i < end; i++) if (bytes[i] > 0x7e || (bytes[i] < 0x20 && bytes[i] !== 0x0a && bytes[i] !== 0x0d && bytes[i] !== 0x09)) return null;
  const lines = utf8Decode(bytes, 0, end).split(/\r?\n/);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const m = /^([A-Za-z][A-Za-z0-9_-]*):\s*(.*)$/.exec(line);
    if (!m) return null;
    headers[m[1].toLowerCase()] = m[2].trim();
  }
  if (headers.from === undefined) return null; // every smstools incoming file names its sender
  return { headers, body: bytes.subarray(bodyAt) };
}

/**
 * Reads an SMS user data header (3GPP TS 23.040 §9.2.3.24). Returns the bytes after it when it is a WDP header for
 * the push port, null when the bytes do not start with a well-formed UDH carrying an application port.
 */
function stripUdh(bytes: Uint8Array, required: boolean): Uint8Array | null {
  const udhl = bytes[0];
  if (bytes.length < 1 + udhl || udhl < 2) {
    if (required) throw new NotificationError('truncated', 'sms.udh', `user data header length ${udhl} does not fit the message`);
    return null;
  }
  let at = 1;
  let port: number | undefined;
  while (at < 1 + udhl) {
    const iei = bytes[at];
    const len = bytes[at + 1];
    if (at + 2 + len > 1 + udhl) {
      if (required) throw new NotificationError('invalid', 'sms.udh', 'information element runs past the user data header');
      return null;
    }
    const v = bytes.subarray(at + 2, at + 2 + len);
    if (iei === 0x05 && len === 4) port = (v[0] << 8) | v[1];
    else if (iei === 0x04 && len === 2) port = v[0];
    else if ((iei === 0x00 && len === 3) || (iei === 0x08 && len === 4)) {
      const parts = iei === 0x00 ? v[1] : v[2];
      if (parts > 1) {
        throw new NotificationError('unsupported', 'sms.udh', `part of a ${parts}-part concatenated SMS: the SMS daemon must reassemble it`);
      }
    }
    at += 2 + len;
  }
  if (port === undefined) return required ? bytes.subarray(1 + udhl) : null;
  if (port !== WAP_PUSH_PORT && !required) return null;
  return bytes.subarray(1 + udhl);
}

function looksLikePkg0(bytes: Uint8Array, limits: Pkg0Limits): boolean {
  try {
    return parsePkg0(bytes, limits).version >= 10;
  } catch {
    return false;
  }
}

/** Unwraps whatever surrounds package 0. Throws NotificationError naming the envelope field that was wrong. */
export function unwrapNotification(bytes: Uint8Array, limits: Pkg0Limits = {}): Unwrapped {
  const layers: EnvelopeLayer[] = [];
  let data = bytes;
  if (isHexText(data)) {
    data = fromHex(utf8Decode(data));
    layers.push('hex');
  }
  const sms = splitSmstools(data);
  if (sms) {
    layers.push('smstools');
    data = sms.body;
    if (isHexText(data)) {
      data = fromHex(utf8Decode(data));
      layers.push('hex');
    }
    if (data.length === 0) throw new NotificationError('truncated', 'sms.text', 'SMS file has headers but no body');
    const udhFlag = (sms.headers.udh || '').toLowerCase() === 'true';
    const stripped = stripUdh(data, udhFlag);
    if (stripped) {
      data = stripped;
      layers.push('udh');
    }
  } else if (data.length > 0 && data[0] >= 2 && data[0] <= 12 && data[1] !== WSP_PDU_PUSH) {
    // A bare UDH only counts when it parses completely and addresses the push port (a raw digest rarely does).
    const stripped = stripUdh(data, false);
    if (stripped && (stripped[1] === WSP_PDU_PUSH || looksLikePkg0(stripped, limits))) {
      data = stripped;
      layers.push('udh');
    }
  }
  if (data.length >= 2 && data[1] === WSP_PDU_PUSH) {
    try {
      const push = parseWspPush(data);
      layers.push('wsp');
      return { pkg0: push.body, layers };
    } catch (e) {
      // 1 raw digest in 256 has 0x06 as its second byte: fall back to raw package 0 when that reads well.
      if (looksLikePkg0(data, limits)) return { pkg0: data, layers };
      throw e;
    }
  }
  return { pkg0: data, layers };
}
