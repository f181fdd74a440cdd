// What a lookup finds in the DM tree (a static node or a plugin node, with its TND properties) and the small
// helpers the command handlers of ./dm-tree.ts share.

import type { AclCommand } from './acl.js';
import type { StaticNode } from './node.js';
import type { TreePlugin } from './plugin.js';
import { DmStatus, TreeError } from './status.js';

export interface Mount {
  segments: string[];
  plugin: TreePlugin;
}

/** A node found by lookup, static or plugin-backed, with its properties. */
export interface Resolved {
  segments: string[];
  leaf: boolean;
  format: string;
  type?: string;
  acl: string;
  title?: string;
  tstamp?: number;
  verNo: number;
  accessTypes?: AclCommand[];
  permanent?: boolean;
  node?: StaticNode;
  mount?: Mount;
  rel?: string[];
}

export function countNodes(n: StaticNode): number {
  let total = 1;
  n.children.forEach((c) => (total += countNodes(c)));
  return total;
}

export function statusOf(e: unknown): number {
  return e instanceof TreeError ? e.status : DmStatus.CommandFailed;
}

export function supports(r: Resolved, cmd: AclCommand): boolean {
  return !r.accessTypes || r.accessTypes.indexOf(cmd) >= 0;
}

export function prefixOf(prefix: string[], segs: string[]): boolean {
  if (prefix.length > segs.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== segs[i]) return false;
  return true;
}

/** TStamp property text: ISO 8601 basic UTC, e.g. 20261122T042100Z. */
export function isoBasic(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export function pathOnly(uri: string): string {
  const q = uri.indexOf('?');
  return q < 0 ? uri : uri.substring(0, q);
}
