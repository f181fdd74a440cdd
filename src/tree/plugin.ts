// A plugin owns a subtree of the DM tree (mounted at a URI) and answers for it with live values or MO logic
// (DevInfo from the platform, FUMO, SCOMO ...). Paths are the decoded segments below the mount point; [] is the
// mount point itself. The tree does URI parsing, ACL checks (425), access types (405) and existence checks (404,
// 418) before calling a plugin, so a plugin only does the work and answers a DM status (docs/protocol.md §1.6).

import type { AclCommand } from './acl.js';
import type { AccessContext, NodeData, NodeValue } from './node.js';
import type { LargeObjectInfo, LargeObjectSink } from '../ports/large-object.js';

export interface PluginNodeInfo {
  kind: 'interior' | 'leaf';
  /** Default `node` for interior nodes, `chr` for leaves. */
  format?: string;
  /** MIME type of a leaf, or the MO/DDF URN of an interior node. */
  type?: string;
  /** The node's own ACL ('' or absent = inherit). A server's Replace of ?prop=ACL overrides it (kept by the tree). */
  acl?: string;
  title?: string;
  /** DDF AccessType: commands the node supports (absent = all the plugin implements). */
  accessTypes?: AclCommand[];
  /** Cannot be deleted or renamed. */
  permanent?: boolean;
  verNo?: number;
  tstamp?: number;
}

export interface ExecArgs {
  data?: NodeData;
  correlator?: string;
}

export interface TreePlugin {
  /** The node at `path`, or null when it does not exist. */
  stat(path: string[]): Promise<PluginNodeInfo | null>;
  /** Child names of an interior node. */
  list(path: string[]): Promise<string[]>;
  /** The value of a leaf. */
  read(path: string[]): Promise<NodeValue>;
  /** Missing methods mean the command is not allowed on this subtree (405). */
  add?(path: string[], value: NodeValue, ctx: AccessContext): Promise<number>;
  replace?(path: string[], value: NodeValue, ctx: AccessContext): Promise<number>;
  delete?(path: string[], ctx: AccessContext): Promise<number>;
  exec?(path: string[], args: ExecArgs, ctx: AccessContext): Promise<number>;
  /**
   * Optional: a leaf that takes a large object (docs/protocol.md §1.10) chunk by chunk, e.g. a package streamed to a
   * staging file, answers a sink (or a status refusing it); null, or no method, keeps the object in memory.
   */
  openLargeObject?(path: string[], info: LargeObjectInfo, ctx: AccessContext): Promise<number | LargeObjectSink | null>;
  /**
   * Atomic support (docs/protocol.md §1.5). When a plugin implements rollbackAtomic, the tree tells it when an Atomic that
   * touched it ends instead of undoing its commands itself; rollbackAtomic answers true when everything was undone.
   * Without it the tree undoes Replace (by writing the old value back) and Add (by Delete); Delete and Exec of a
   * plugin node cannot be undone and make the rollback fail (516).
   */
  beginAtomic?(): Promise<void>;
  commitAtomic?(): Promise<void>;
  rollbackAtomic?(): Promise<boolean>;
}
