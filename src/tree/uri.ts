// DM tree URIs (docs/protocol.md §1.12): `.` is the root, `./A/B` a node, `A/B` the same node written relative to the root.
// A URI must not end with `/`, has no empty segments, and no `.`/`..` segments other than the leading root; `/`
// never appears inside a node name. Segments may be percent-escaped (UTF-8), and are decoded one by one after the
// split so that `%2F` can never smuggle in a path separator (a decoded `/` is refused).
// Limits are the ones DevDetail/URI reports (docs/protocol.md §4.2: MaxDepth, MaxTotLen, MaxSegLen, 0 = unlimited); going
// past one is 414 "URI too long" (docs/protocol.md §1.6); every other malformation is 400.

import { isValidUtf8, utf8Decode, utf8Encode } from '../bytes.js';
import { DmStatus, TreeError } from './status.js';

export interface UriLimits {
  /** Most segments below the root (0 = unlimited). */
  maxDepth: number;
  /** Most characters in the whole URI, query excluded (0 = unlimited). */
  maxTotLen: number;
  /** Most characters in one decoded segment (0 = unlimited). */
  maxSegLen: number;
}

/** Defaults for a gateway: generous enough for FUMO/SCOMO trees, small enough to bound memory. */
export const DEFAULT_URI_LIMITS: UriLimits = { maxDepth: 32, maxTotLen: 1024, maxSegLen: 128 };

/** Node properties addressable with `?prop=` (docs/protocol.md §1.12). */
export const NODE_PROPERTIES = ['ACL', 'Format', 'Name', 'Size', 'Title', 'TStamp', 'Type', 'VerNo'] as const;
export type NodeProperty = (typeof NODE_PROPERTIES)[number];

export type ListKind = 'Struct' | 'StructData' | 'TNDS';

export interface ListRequest {
  kind: ListKind;
  /** `+Prop+Prop` after the kind: include only these properties. */
  include?: string[];
  /** `-Prop-Prop` after the kind: exclude these properties. */
  exclude?: string[];
}

export interface ParsedUri {
  /** Decoded node names below the root; [] is the root. */
  segments: string[];
  /** Canonical form: `.` or `./a/b` with names escaped by escapeSegment. */
  path: string;
  prop?: NodeProperty;
  list?: ListRequest;
}

export class UriError extends TreeError {
  constructor(status: number, message: string) {
    super(status, message);
    this.name = 'UriError';
  }
}

function isControl(code: number): boolean {
  return code < 0x20 || code === 0x7f;
}

/** Decodes `%XX` escapes (UTF-8) in one segment; throws UriError 400 on a broken escape. */
export function unescapeSegment(segment: string): string {
  if (segment.indexOf('%') < 0) return segment;
  const bytes: number[] = [];
  let out = '';
  const flush = () => {
    if (bytes.length) {
      const raw = Uint8Array.from(bytes);
      if (!isValidUtf8(raw)) {
        throw new UriError(DmStatus.BadRequest, `URI segment ${JSON.stringify(segment)} has escapes that are not UTF-8`);
      }
      out += utf8Decode(raw);
      bytes.length = 0;
    }
  };
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i];
    if (ch === '%') {
      const h = segment.substr(i + 1, 2);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) {
        throw new UriError(DmStatus.BadRequest, `URI segment ${JSON.stringify(segment)} has a broken %-escape at ${i}`);
      }
      bytes.push(parseInt(h, 16));
      i += 2;
    } else {
      flush();
      out += ch;
    }
  }
  flush();
  return out;
}

/** Escapes what would otherwise break parsing: `%`, `/`, `?`, `#`, space and control characters. */
export function escapeSegment(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    const code = name.charCodeAt(i);
    if (ch === '%' || ch === '/' || ch === '?' || ch === '#' || ch === ' ' || isControl(code)) {
      const b = utf8Encode(ch);
      for (let k = 0; k < b.length; k++) out += '%' + (b[k] < 16 ? '0' : '') + b[k].toString(16).toUpperCase();
    } else out += ch;
  }
  return out;
}

/** Why a decoded name cannot be a node name, or null when it can. */
export function nodeNameProblem(name: string): string | null {
  if (name === '') return 'an empty node name';
  if (name === '.' || name === '..') return `the dot segment ${JSON.stringify(name)}`;
  if (name.indexOf('/') >= 0) return `a "/" inside the node name ${JSON.stringify(name)}`;
  for (let i = 0; i < name.length; i++) {
    if (isControl(name.charCodeAt(i))) return `a control character (0x${name.charCodeAt(i).toString(16)}) in a node name`;
  }
  return null;
}

/** Throws UriError 400 unless `name` can name a node. */
export function assertNodeName(name: string): void {
  const problem = nodeNameProblem(name);
  if (problem) throw new UriError(DmStatus.BadRequest, `invalid node name: ${problem}`);
}

export function formatUri(segments: string[]): string {
  if (segments.length === 0) return '.';
  return './' + segments.map(escapeSegment).join('/');
}

function parseQuery(query: string, uri: string): { prop?: NodeProperty; list?: ListRequest } {
  const eq = query.indexOf('=');
  const key = eq < 0 ? query : query.substring(0, eq);
  const value = eq < 0 ? '' : query.substring(eq + 1);
  if (key === 'prop') {
    for (const p of NODE_PROPERTIES) if (p === value) return { prop: p };
    // An unknown property name is an optional feature we do not have (docs/protocol.md §1.6: 406).
    throw new UriError(DmStatus.OptionalFeatureNotSupported, `unknown node property ${JSON.stringify(value)} in ${uri}`);
  }
  if (key === 'list') {
    const m = /^(StructData|Struct|TNDS)((?:[+-][A-Za-z]+)*)$/.exec(value);
    if (!m) throw new UriError(DmStatus.OptionalFeatureNotSupported, `unsupported ?list= value ${JSON.stringify(value)}`);
    const list: ListRequest = { kind: m[1] as ListKind };
    const rest = m[2];
    if (rest) {
      const signs = rest.replace(/[A-Za-z]/g, '');
      if (signs.indexOf('+') >= 0 && signs.indexOf('-') >= 0) {
        // docs/protocol.md §1.12: include (+) or exclude (-), not mixed.
        throw new UriError(DmStatus.BadRequest, `?list= mixes + and - property selectors in ${uri}`);
      }
      const names = rest.split(/[+-]/).filter((s) => s !== '');
      if (signs[0] === '+') list.include = names;
      else list.exclude = names;
    }
    return { list };
  }
  throw new UriError(DmStatus.OptionalFeatureNotSupported, `unsupported URI query ${JSON.stringify(query)} in ${uri}`);
}

/**
 * Parses a DM tree URI as received in a Target/Source LocURI.
 * Throws UriError with status 400 (malformed), 406 (unsupported query) or 414 (a limit exceeded).
 */
export function parseUri(uri: string, limits: UriLimits = DEFAULT_URI_LIMITS): ParsedUri {
  if (typeof uri !== 'string') throw new UriError(DmStatus.BadRequest, 'URI is not a string');
  const q = uri.indexOf('?');
  const pathPart = q < 0 ? uri : uri.substring(0, q);
  const query = q < 0 ? undefined : uri.substring(q + 1);
  for (let i = 0; i < pathPart.length; i++) {
    if (isControl(pathPart.charCodeAt(i))) {
      throw new UriError(DmStatus.BadRequest, `URI contains a control character (0x${pathPart.charCodeAt(i).toString(16)}) at ${i}`);
    }
  }
  if (limits.maxTotLen > 0 && pathPart.length > limits.maxTotLen) {
    throw new UriError(DmStatus.UriTooLong, `URI is ${pathPart.length} characters long, more than MaxTotLen ${limits.maxTotLen}`);
  }
  if (pathPart === '') throw new UriError(DmStatus.BadRequest, 'URI is empty');
  if (pathPart.length > 1 && pathPart[pathPart.length - 1] === '/') {
    throw new UriError(DmStatus.BadRequest, `URI ${JSON.stringify(pathPart)} ends with "/"`);
  }
  let raw: string[];
  if (pathPart === '.' || pathPart === './') {
    if (pathPart === './') throw new UriError(DmStatus.BadRequest, 'URI "./" ends with "/"');
    raw = [];
  } else if (pathPart.substring(0, 2) === './') raw = pathPart.substring(2).split('/');
  else if (pathPart[0] === '/') throw new UriError(DmStatus.BadRequest, `URI ${JSON.stringify(pathPart)} starts with "/"`);
  else raw = pathPart.split('/');
  const segments: string[] = [];
  for (const r of raw) {
    if (r === '') throw new UriError(DmStatus.BadRequest, `URI ${JSON.stringify(pathPart)} has an empty segment`);
    const name = unescapeSegment(r);
    const problem = nodeNameProblem(name);
    if (problem) throw new UriError(DmStatus.BadRequest, `URI ${JSON.stringify(pathPart)} has ${problem}`);
    if (limits.maxSegLen > 0 && name.length > limits.maxSegLen) {
      throw new UriError(DmStatus.UriTooLong, `URI segment of ${name.length} characters is longer than MaxSegLen ${limits.maxSegLen}`);
    }
    segments.push(name);
  }
  // Depth after the syntax checks, so a malformed URI is reported as such (400) whatever its length.
  if (limits.maxDepth > 0 && segments.length > limits.maxDepth) {
    throw new UriError(DmStatus.UriTooLong, `URI has ${segments.length} segments, more than MaxDepth ${limits.maxDepth}`);
  }
  const parsed: ParsedUri = { segments, path: formatUri(segments) };
  if (query !== undefined) {
    const extra = parseQuery(query, uri);
    if (extra.prop) parsed.prop = extra.prop;
    if (extra.list) parsed.list = extra.list;
  }
  return parsed;
}

/** Joins a parent URI and a child name into a canonical URI. */
export function childUri(parentSegments: string[], name: string): string {
  return formatUri(parentSegments.concat([name]));
}
