// The DM tree: nodes, properties, ACLs, URIs, plugins and persistence (DM 1.2 TND; docs/protocol.md §1.5, §1.6, §1.12).
export { DmTree, type DmTreeOptions, type GetResult, type JsonStore, type NodeOptions } from './dm-tree.js';
export { ACL_COMMANDS, type Acl, type AclCommand, AclError, aclAllows, formatAcl, parseAcl, ROOT_DEFAULT_ACL, validateAcl } from './acl.js';
export { type AccessContext, type GetItem, type NodeData, type NodeValue, NODE_FORMATS } from './node.js';
export type { ExecArgs, PluginNodeInfo, TreePlugin } from './plugin.js';
export type { TreeTransaction } from './transaction.js';
export { TreeStateError, TREE_FORMAT_VERSION } from './serialize.js';
export { DmStatus, isSuccess, TreeError } from './status.js';
export { createLivePlugin, type LiveInterior, type LiveLeaf, type LiveNode } from './live-plugin.js';
export {
  assertNodeName,
  childUri,
  DEFAULT_URI_LIMITS,
  escapeSegment,
  formatUri,
  type ListRequest,
  NODE_PROPERTIES,
  type NodeProperty,
  nodeNameProblem,
  type ParsedUri,
  parseUri,
  unescapeSegment,
  UriError,
  type UriLimits,
} from './uri.js';
