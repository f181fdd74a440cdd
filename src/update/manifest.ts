// The signed update manifest: a small JSON document naming the image by hash, its version and the hardware it is for,
// signed with ed25519 (docs/update-practice.md §11.1: authenticate metadata first, then check the bulk data against it).
//
//   { "sha256": "<64 hex>", "size": 1048576, "version": "2.1.0", "hardware": ["gw-a1", "gw-a2"] }
//
// The signature covers the manifest's exact bytes (no re-serialisation, so no canonical-JSON ambiguity).

import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2';
import { fromHex, utf8Decode } from '../bytes.js';
import { UpdateError } from './errors.js';

// @noble/ed25519 2.x needs a synchronous SHA-512; QuickJS has no WebCrypto, so give it the pure-JS one.
if (!ed.etc.sha512Sync) ed.etc.sha512Sync = (...m: Uint8Array[]) => sha512(ed.etc.concatBytes(...m));

export interface UpdateManifest {
  /** Lower-case hex SHA-256 of the whole image. */
  sha256: string;
  size?: number;
  version: string;
  /** Hardware identifiers the image may be installed on. */
  hardware: string[];
}

/** Parses manifest bytes; a malformed manifest is a validation failure (404, docs/protocol.md §5.4). */
export function parseManifest(bytes: Uint8Array): UpdateManifest {
  let obj: unknown;
  try {
    obj = JSON.parse(utf8Decode(bytes));
  } catch (e) {
    throw new UpdateError('bad-signature', `update manifest is not JSON: ${(e as Error).message}`);
  }
  const bad = (why: string) => new UpdateError('bad-signature', `update manifest invalid: ${why}`);
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw bad('not an object');
  const o = obj as Record<string, unknown>;
  if (typeof o.sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(o.sha256)) throw bad('sha256 must be 64 hex digits');
  if (typeof o.version !== 'string' || o.version === '') throw bad('version must be a non-empty string');
  let hardware: string[];
  if (typeof o.hardware === 'string') hardware = [o.hardware];
  else if (Array.isArray(o.hardware) && o.hardware.every((h) => typeof h === 'string')) hardware = o.hardware as string[];
  else throw bad('hardware must be a string or a list of strings');
  const m: UpdateManifest = { sha256: o.sha256.toLowerCase(), version: o.version, hardware };
  if (o.size !== undefined) {
    if (typeof o.size !== 'number' || !(o.size >= 0) || Math.floor(o.size) !== o.size) throw bad('size must be a byte count');
    m.size = o.size;
  }
  return m;
}

/** True when `signature` is a valid ed25519 signature of `message` by one of `publicKeysHex`. */
export function verifyEd25519(message: Uint8Array, signature: Uint8Array, publicKeysHex: string[]): boolean {
  if (signature.length !== 64) return false;
  for (const k of publicKeysHex) {
    let key: Uint8Array;
    try {
      key = fromHex(k);
    } catch (e) {
      continue;
    }
    if (key.length !== 32) continue;
    try {
      if (ed.verify(signature, message, key)) return true;
    } catch (e) {
      // a malformed key or point is simply not a match
    }
  }
  return false;
}

/**
 * Compares dotted versions numerically segment by segment (`1.10.0` > `1.9.3`); a non-numeric segment compares as
 * text. Returns <0, 0, >0. Pre-release tags after `-` sort before the release (`2.0.0-rc1` < `2.0.0`).
 */
export function compareVersions(a: string, b: string): number {
  const [ma, pa] = splitPre(a);
  const [mb, pb] = splitPre(b);
  const sa = ma.split('.');
  const sb = mb.split('.');
  for (let i = 0; i < Math.max(sa.length, sb.length); i++) {
    const x = sa[i] === undefined ? '0' : sa[i];
    const y = sb[i] === undefined ? '0' : sb[i];
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d < 0 ? -1 : 1;
    } else if (x !== y) return x < y ? -1 : 1;
  }
  if (pa === pb) return 0;
  if (pa === '') return 1;
  if (pb === '') return -1;
  return pa < pb ? -1 : 1;
}

function splitPre(v: string): [string, string] {
  const s = v.replace(/^v/i, '');
  const i = s.indexOf('-');
  return i < 0 ? [s, ''] : [s.substring(0, i), s.substring(i + 1)];
}
