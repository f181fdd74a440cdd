// The on-disk form of one durable JSON document: a small envelope with a format version and a SHA-256 of the
// payload text, so a truncated or bit-flipped file is detected instead of being half-believed.
//   {"dmAgentState":1,"sha256":"<64 hex>","payload":"<JSON text of the document>"}
// The payload is kept as text inside the envelope so the checksum covers exactly the bytes that were written.

import { sha256 } from '@noble/hashes/sha2';
import { hex, utf8Decode, utf8Encode } from '../bytes.js';

export const STATE_FORMAT_VERSION = 1;

export class StateFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateFormatError';
  }
}

export function sealDocument(value: unknown): Uint8Array {
  const payload = JSON.stringify(value === undefined ? null : value);
  const envelope = { dmAgentState: STATE_FORMAT_VERSION, sha256: hex(sha256(utf8Encode(payload))), payload };
  return utf8Encode(JSON.stringify(envelope) + '\n');
}

/** Opens an envelope; throws StateFormatError naming what is wrong (not JSON, wrong version, checksum mismatch). */
export function openDocument(bytes: Uint8Array): unknown {
  let env: unknown;
  try {
    env = JSON.parse(utf8Decode(bytes));
  } catch (e) {
    throw new StateFormatError(`not a JSON envelope (${bytes.length} bytes; truncated or overwritten?)`);
  }
  if (!env || typeof env !== 'object') throw new StateFormatError('envelope is not an object');
  const o = env as Record<string, unknown>;
  if (typeof o.dmAgentState !== 'number') throw new StateFormatError('envelope has no format version');
  if (o.dmAgentState !== STATE_FORMAT_VERSION) {
    throw new StateFormatError(`envelope format ${o.dmAgentState} is not the supported ${STATE_FORMAT_VERSION}`);
  }
  if (typeof o.payload !== 'string' || typeof o.sha256 !== 'string') throw new StateFormatError('envelope lacks payload or checksum');
  const actual = hex(sha256(utf8Encode(o.payload)));
  if (actual !== o.sha256.toLowerCase()) throw new StateFormatError('checksum mismatch (the file was corrupted)');
  try {
    return JSON.parse(o.payload);
  } catch (e) {
    throw new StateFormatError('payload is not JSON although its checksum matches');
  }
}
