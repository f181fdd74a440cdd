// The node model of the DM tree (DM 1.2 TND): interior nodes hold children, leaves hold a value, and every node
// carries the TND properties ACL, Format, Type, Title, TStamp, VerNo (Name is its key, Size is derived).
// Static nodes live here and are persisted; plugin-backed nodes are described by the plugin (./plugin.ts).

import { base64Decode, utf8Encode } from '../bytes.js';
import type { AclCommand } from './acl.js';
import { DmStatus, TreeError } from './status.js';

export type NodeData = string | Uint8Array;

/** What a command carries for a node: Meta Format/Type and Item Data. */
export interface NodeValue {
  format?: string;
  type?: string;
  data?: NodeData;
}

/** One Results item: the node URI as addressed and its value. */
export interface GetItem {
  uri: string;
  format: string;
  type?: string;
  data?: NodeData;
}

/** Who is asking: the ServerID the session authenticated (ACLs name servers by it). */
export interface AccessContext {
  serverId: string;
}

/** Meta Format values (docs/protocol.md §1.12). `b64` is a transfer encoding: stored as `bin` (docs/protocol.md §1.10). */
export const NODE_FORMATS = ['b64', 'bin', 'bool', 'chr', 'int', 'node', 'null', 'xml', 'date', 'time', 'float'] as const;

export const DEFAULT_FORMAT = 'chr';
export const DEFAULT_TYPE = 'text/plain';

export interface StaticNode {
  name: string;
  parent: StaticNode | null;
  leaf: boolean;
  format: string;
  type?: string;
  data?: NodeData;
  /** Own ACL text; '' = inherit from the nearest ancestor with a non-empty ACL. */
  acl: string;
  title?: string;
  tstamp?: number;
  verNo: number;
  /** DDF AccessType: commands the node supports at all (undefined = all). Others get 405, whoever asks. */
  accessTypes?: AclCommand[];
  /** Permanent nodes cannot be deleted or renamed, and their Format cannot change (docs/protocol.md §1.5). */
  permanent?: boolean;
  /** Interior nodes only; insertion order is the listing order. */
  children: Map<string, StaticNode>;
}

export function newNode(name: string, parent: StaticNode | null, leaf: boolean, format: string): StaticNode {
  return { name, parent, leaf, format, acl: '', verNo: 0, children: new Map() };
}

export function nodeSegments(node: StaticNode): string[] {
  const out: string[] = [];
  for (let n: StaticNode | null = node; n && n.parent; n = n.parent) out.unshift(n.name);
  return out;
}

/** Size property: bytes of the value (UTF-8 for text). */
export function dataSize(data: NodeData | undefined): number {
  if (data === undefined) return 0;
  return typeof data === 'string' ? utf8Encode(data).length : data.length;
}

/** VerNo is a 16-bit counter that wraps (DM TND). */
export function bumpVersion(node: StaticNode, now: number | undefined): void {
  node.verNo = (node.verNo + 1) & 0xffff;
  if (now !== undefined) node.tstamp = now;
}

/**
 * Checks a leaf value against its Format and normalises it: `b64` text becomes `bin` bytes (docs/protocol.md §1.10), `int`,
 * `bool` and `float` must look like one. Throws TreeError 415 for an unknown Format, 400 for data that does not fit.
 */
export function normaliseLeafValue(value: NodeValue, fallbackFormat: string): { format: string; type?: string; data: NodeData } {
  let format = value.format === undefined || value.format === '' ? fallbackFormat : value.format;
  let isKnown = false;
  for (const f of NODE_FORMATS) if (f === format) isKnown = true;
  if (!isKnown) throw new TreeError(DmStatus.UnsupportedMediaType, `unsupported Format ${JSON.stringify(format)}`);
  let data: NodeData = value.data === undefined ? '' : value.data;
  if (format === 'b64') {
    try {
      data = typeof data === 'string' ? base64Decode(data) : data;
    } catch (e) {
      throw new TreeError(DmStatus.BadRequest, `Format b64 data is not base64: ${(e as Error).message}`);
    }
    format = 'bin';
  }
  if (format === 'bin' && typeof data === 'string') data = utf8Encode(data);
  if (typeof data === 'string') {
    const t = data.trim();
    if (format === 'int' && !/^[+-]?\d+$/.test(t)) throw new TreeError(DmStatus.BadRequest, `Format int data ${JSON.stringify(data)} is not an integer`);
    if (format === 'bool' && t !== 'true' && t !== 'false') throw new TreeError(DmStatus.BadRequest, `Format bool data ${JSON.stringify(data)} is not true or false`);
    if (format === 'float' && (t === '' || isNaN(Number(t)))) throw new TreeError(DmStatus.BadRequest, `Format float data ${JSON.stringify(data)} is not a number`);
    if (format === 'null' && data !== '') throw new TreeError(DmStatus.BadRequest, 'Format null carries data');
  }
  const out: { format: string; type?: string; data: NodeData } = { format, data };
  if (value.type !== undefined && value.type !== '') out.type = value.type;
  return out;
}
