// A read-only plugin over a small fixed shape whose leaves are computed when read: DevInfo and DevDetail
// (docs/protocol.md §4.1, §4.2) are facts of the device, not values a server sets, so the tree never stores them.

import type { NodeValue } from './node.js';
import type { PluginNodeInfo, TreePlugin } from './plugin.js';

export interface LiveLeaf {
  read: () => Promise<NodeValue> | NodeValue;
  format?: string;
  type?: string;
}

export interface LiveInterior {
  children: Record<string, LiveNode>;
  /** MO URN or DDF type of the interior node. */
  type?: string;
  acl?: string;
}

export type LiveNode = LiveLeaf | LiveInterior;

function isInterior(n: LiveNode): n is LiveInterior {
  return (n as LiveInterior).children !== undefined;
}

function at(root: LiveNode, path: string[]): LiveNode | null {
  let n: LiveNode = root;
  for (const s of path) {
    if (!isInterior(n) || !Object.prototype.hasOwnProperty.call(n.children, s)) return null;
    n = n.children[s];
  }
  return n;
}

/** A plugin answering Get only (Add/Replace/Delete/Exec: 405); every node is permanent. */
export function createLivePlugin(root: LiveInterior): TreePlugin {
  return {
    async stat(path: string[]): Promise<PluginNodeInfo | null> {
      const n = at(root, path);
      if (!n) return null;
      const info: PluginNodeInfo = { kind: isInterior(n) ? 'interior' : 'leaf', accessTypes: ['Get'], permanent: true };
      if (isInterior(n)) {
        if (n.type !== undefined) info.type = n.type;
        if (n.acl !== undefined) info.acl = n.acl;
      } else {
        info.format = n.format || 'chr';
        if (n.type !== undefined) info.type = n.type;
      }
      return info;
    },
    async list(path: string[]): Promise<string[]> {
      const n = at(root, path);
      return n && isInterior(n) ? Object.keys(n.children) : [];
    },
    async read(path: string[]): Promise<NodeValue> {
      const n = at(root, path);
      if (!n || isInterior(n)) return { format: 'node', data: '' };
      const v = await n.read();
      const out: NodeValue = { format: v.format || n.format || 'chr', data: v.data === undefined ? '' : v.data };
      if (v.type !== undefined) out.type = v.type;
      return out;
    },
  };
}
