// The SCOMO MO as a DM tree plugin (src/tree/plugin.ts): `tree.mount('./SCOMO', scomoTreePlugin(mo))`. The tree
// does URI parsing, ACLs and existence checks; the access types below tell it which commands each node supports
// (405 otherwise), following the Access column of docs/protocol.md §6.1.

import type { AclCommand } from '../tree/acl.js';
import type { NodeValue } from '../tree/node.js';
import type { PluginNodeInfo, TreePlugin } from '../tree/plugin.js';
import type { ScomoMo } from './mo.js';
import { DOWNLOAD_LEAVES } from './mo.js';
import { DELIVERED_LEAVES } from './delivery.js';

function has(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

export interface ScomoPluginOptions {
  /**
   * ACL of the SCOMO root, inherited by every node below (docs/protocol.md §1.12). Default: every server may Get, Add, Replace,
   * Delete and Exec here; give a ServerID list (`Get=*&Exec=srv1&...`) to restrict it.
   */
  acl?: string;
}

export const DEFAULT_SCOMO_ACL = 'Get=*&Add=*&Replace=*&Delete=*&Exec=*';

/** Commands the node at `s` supports (DDF AccessType); undefined = not a SCOMO node. */
export function scomoAccessTypes(s: string[]): AclCommand[] {
  const n = s.length;
  if (s[0] === 'Download') {
    if (n === 1) return ['Get', 'Add'];
    if (n === 2) return ['Get', 'Add', 'Delete'];
    if (n === 3 && DOWNLOAD_LEAVES.indexOf(s[2]) >= 0) return ['Get', 'Replace', 'Delete'];
    if (n === 4 && s[2] === 'Operations') return ['Get', 'Exec'];
    return ['Get'];
  }
  // Delivered/<x> and its leaves may be Added by the server: a package delivered through DM (./delivery.ts).
  if (s[0] === 'Inventory' && n === 2 && s[1] === 'Delivered') return ['Get', 'Add'];
  if (s[0] === 'Inventory' && n === 3 && s[1] === 'Delivered') return ['Get', 'Add', 'Delete'];
  if (s[0] === 'Inventory' && n === 4 && s[1] === 'Delivered') {
    if (s[3] === 'Data') return ['Add', 'Replace']; // bin, never read back (docs/protocol.md §6.1)
    if (has(DELIVERED_LEAVES, s[3])) return ['Get', 'Add', 'Replace'];
  }
  if (s[0] === 'Inventory' && n === 5 && s[3] === 'Operations') return ['Get', 'Exec'];
  return ['Get'];
}

export function scomoTreePlugin(mo: ScomoMo, options: ScomoPluginOptions = {}): TreePlugin {
  const join = (path: string[]) => path.join('/');
  return {
    async stat(path: string[]): Promise<PluginNodeInfo | null> {
      const r = await mo.stat(join(path));
      if (r.status !== 200) return null;
      const interior = r.format === 'node';
      const info: PluginNodeInfo = { kind: interior ? 'interior' : 'leaf', format: r.format, accessTypes: scomoAccessTypes(path) };
      if (r.type !== undefined) info.type = r.type;
      if (path.length === 0) info.acl = options.acl === undefined ? DEFAULT_SCOMO_ACL : options.acl;
      // Only server-made nodes can be deleted: Download/<x> with its leaves, and Delivered/<x>.
      const deletable = (path[0] === 'Download' && path.length >= 2 && path.length <= 3) || (path[1] === 'Delivered' && path.length === 3);
      if (!deletable) info.permanent = true;
      return info;
    },
    async list(path: string[]): Promise<string[]> {
      const r = await mo.list(join(path));
      return r.children || [];
    },
    async read(path: string[]): Promise<NodeValue> {
      const r = await mo.get(join(path));
      const v: NodeValue = { format: r.format || 'chr', data: r.data === undefined ? '' : r.data };
      if (r.type !== undefined) v.type = r.type;
      return v;
    },
    add: (path, value) => mo.add(join(path), value),
    replace: (path, value) => mo.replace(join(path), value),
    delete: (path) => mo.delete(join(path)),
    exec: (path, args) => mo.exec(join(path), { correlator: args.correlator, data: args.data }),
    // Inventory/Delivered/<x>/Data as a large object: streamed to staging (./delivery.ts); other nodes are small.
    openLargeObject: (path, info) => mo.openLargeObject(join(path), info.size),
  };
}
