// The persisted form of the static part of the DM tree. Plugin subtrees are live and not stored; what the tree
// keeps about them (ACL/Title set by a server) is stored as the property overlay. Versioned so a later agent can
// migrate, and validated on load so a bad document is reported, never half-loaded.

import { base64Decode, base64Encode } from '../bytes.js';
import { ACL_COMMANDS, type AclCommand } from './acl.js';
import { newNode, type StaticNode } from './node.js';

export const TREE_FORMAT_VERSION = 1;

export interface PropOverlay {
  acl?: string;
  title?: string;
}

export interface PersistedTree {
  treeFormat: number;
  root: PersistedNode;
  overlay: Record<string, PropOverlay>;
  agentData: Record<string, string>;
}

export interface PersistedNode {
  name: string;
  leaf?: boolean;
  format: string;
  type?: string;
  data?: string;
  dataB64?: string;
  acl?: string;
  title?: string;
  tstamp?: number;
  verNo?: number;
  accessTypes?: string[];
  permanent?: boolean;
  children?: PersistedNode[];
}

export class TreeStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TreeStateError';
  }
}

export function nodeToPersisted(node: StaticNode): PersistedNode {
  const p: PersistedNode = { name: node.name, format: node.format };
  if (node.leaf) p.leaf = true;
  if (node.type !== undefined) p.type = node.type;
  if (node.data !== undefined) {
    if (typeof node.data === 'string') p.data = node.data;
    else p.dataB64 = base64Encode(node.data);
  }
  if (node.acl) p.acl = node.acl;
  if (node.title !== undefined) p.title = node.title;
  if (node.tstamp !== undefined) p.tstamp = node.tstamp;
  if (node.verNo) p.verNo = node.verNo;
  if (node.accessTypes) p.accessTypes = node.accessTypes.slice();
  if (node.permanent) p.permanent = true;
  if (!node.leaf) {
    p.children = [];
    node.children.forEach((c) => p.children!.push(nodeToPersisted(c)));
  }
  return p;
}

function fail(where: string, what: string): never {
  throw new TreeStateError(`stored DM tree is invalid at ${where}: ${what}`);
}

function isStr(v: unknown): v is string {
  return typeof v === 'string';
}

export function nodeFromPersisted(p: unknown, parent: StaticNode | null, where: string): StaticNode {
  if (!p || typeof p !== 'object') fail(where, 'not an object');
  const o = p as Record<string, unknown>;
  if (!isStr(o.name)) fail(where, 'name missing');
  if (!isStr(o.format)) fail(where, 'format missing');
  const node = newNode(o.name, parent, o.leaf === true, o.format);
  const here = where + '/' + o.name;
  if (o.type !== undefined) node.type = isStr(o.type) ? o.type : fail(here, 'type is not text');
  if (o.data !== undefined) node.data = isStr(o.data) ? o.data : fail(here, 'data is not text');
  if (o.dataB64 !== undefined) {
    if (!isStr(o.dataB64)) fail(here, 'dataB64 is not text');
    node.data = base64Decode(o.dataB64);
  }
  if (o.acl !== undefined) node.acl = isStr(o.acl) ? o.acl : fail(here, 'acl is not text');
  if (o.title !== undefined) node.title = isStr(o.title) ? o.title : fail(here, 'title is not text');
  if (o.tstamp !== undefined) node.tstamp = typeof o.tstamp === 'number' ? o.tstamp : fail(here, 'tstamp is not a number');
  if (o.verNo !== undefined) node.verNo = typeof o.verNo === 'number' ? o.verNo : fail(here, 'verNo is not a number');
  if (o.permanent === true) node.permanent = true;
  if (o.accessTypes !== undefined) {
    if (!Array.isArray(o.accessTypes)) fail(here, 'accessTypes is not a list');
    const list: AclCommand[] = [];
    for (const a of o.accessTypes) {
      let ok = false;
      for (const c of ACL_COMMANDS) if (c === a) ok = true;
      if (!ok) fail(here, `unknown access type ${JSON.stringify(a)}`);
      list.push(a as AclCommand);
    }
    node.accessTypes = list;
  }
  if (!node.leaf) {
    const kids = o.children === undefined ? [] : o.children;
    if (!Array.isArray(kids)) fail(here, 'children is not a list');
    for (const k of kids) {
      const child = nodeFromPersisted(k, node, here);
      if (node.children.has(child.name)) fail(here, `duplicate child ${JSON.stringify(child.name)}`);
      node.children.set(child.name, child);
    }
  }
  return node;
}

export function treeFromPersisted(doc: unknown): { root: StaticNode; overlay: Record<string, PropOverlay>; agentData: Record<string, string> } {
  if (!doc || typeof doc !== 'object') throw new TreeStateError('stored DM tree is not an object');
  const d = doc as Record<string, unknown>;
  if (d.treeFormat !== TREE_FORMAT_VERSION) {
    throw new TreeStateError(`stored DM tree has format ${JSON.stringify(d.treeFormat)}, this agent reads ${TREE_FORMAT_VERSION}`);
  }
  const root = nodeFromPersisted(d.root, null, '.');
  if (root.leaf) throw new TreeStateError('stored DM tree root is a leaf');
  const overlay: Record<string, PropOverlay> = {};
  if (d.overlay && typeof d.overlay === 'object') {
    for (const k of Object.keys(d.overlay)) {
      const v = (d.overlay as Record<string, unknown>)[k] as Record<string, unknown>;
      const entry: PropOverlay = {};
      if (v && isStr(v.acl)) entry.acl = v.acl;
      if (v && isStr(v.title)) entry.title = v.title;
      overlay[k] = entry;
    }
  }
  const agentData: Record<string, string> = {};
  if (d.agentData && typeof d.agentData === 'object') {
    for (const k of Object.keys(d.agentData)) {
      const v = (d.agentData as Record<string, unknown>)[k];
      if (isStr(v)) agentData[k] = v;
    }
  }
  return { root, overlay, agentData };
}
