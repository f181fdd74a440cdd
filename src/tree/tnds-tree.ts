// TNDS against the DM tree (OMA-TS-DM_TND-V1_2 TNDS: DM commands with TNDS data, a whole subtree in one command).
// Reading: `Get <uri>?list=TNDS...` describes the node and its descendants as ./tnds.ts Nodes; nodes this server may
// not Get are left out as ?list=Struct leaves them out (OMA-TS-DM_TND-V1_2, requesting a part of the management tree: only what the server may read),
// and their readable descendants appear as top-level Nodes whose Path is the full URI of their parent (TNDS: the Node element).
// Writing: Add/Replace with a TNDS object becomes one plain Add or Replace per described node, in document order, so
// every node meets the same URI, tree, ACL and size rules as a command of its own; the caller makes it all or nothing.

import type { AccessContext, NodeValue } from './node.js';
import { parseAcl } from './acl.js';
import { dataSize, DEFAULT_FORMAT, DEFAULT_TYPE, normaliseLeafValue } from './node.js';
import { isoBasic, prefixOf, type Resolved, supports } from './resolved.js';
import { DmStatus, TreeError } from './status.js';
import { type TndsNode, type TndsProperty, valueText } from './tnds.js';
import { formatUri, parseUri, type UriLimits } from './uri.js';

/** What the TNDS code needs from the tree (DmTree hands it over; the checks stay the tree's own). */
export interface TndsTreeAccess {
  lookup(segments: string[]): Promise<Resolved | null>;
  childNames(r: Resolved): Promise<string[]>;
  mayGet(r: Resolved, ctx: AccessContext): Promise<boolean>;
  readLeaf(r: Resolved): Promise<NodeValue>;
  add(uri: string, value: NodeValue, ctx: AccessContext): Promise<number>;
  replace(uri: string, value: NodeValue, ctx: AccessContext): Promise<number>;
}

// ---------------------------------------------------------------- Get ?list=TNDS

async function describe(tree: TndsTreeAccess, r: Resolved, props: Set<TndsProperty>): Promise<TndsNode> {
  const n: TndsNode = { name: r.segments[r.segments.length - 1], children: [] };
  const value = r.leaf && supports(r, 'Get') ? await tree.readLeaf(r) : undefined;
  let format = r.leaf ? (value && value.format) || r.format : 'node';
  if (props.has('ACL') && r.acl) n.acl = r.acl;
  let binary = false;
  if (value && props.has('Value')) {
    const v = valueText(value.data);
    n.value = v.text;
    binary = v.binary;
    if (binary) format = 'b64'; // the Value is base64 text of the bytes
  }
  // A base64 Value cannot be read back without its Format, so it goes with one even when Format was not asked for.
  if (props.has('Format') || binary) n.format = format;
  if (!r.leaf) n.interior = true;
  if (value && props.has('Size')) n.size = String(dataSize(value.data));
  if (props.has('Title') && r.title !== undefined) n.title = r.title;
  if (props.has('TStamp') && r.tstamp !== undefined) n.tstamp = isoBasic(r.tstamp);
  if (props.has('Type')) {
    const type = r.leaf ? (value && value.type) || r.type || DEFAULT_TYPE : r.type;
    if (type) n.type = type;
  }
  if (props.has('VerNo')) n.verNo = String(r.verNo);
  return n;
}

/**
 * The Nodes of `Get <r>?list=TNDS`: the node itself (Path = its parent's URI), or for the root its children (Path
 * `.`), since the root has no name to give. The caller has checked that this server may Get `r`.
 */
export async function describeSubtree(tree: TndsTreeAccess, r: Resolved, props: Set<TndsProperty>, ctx: AccessContext): Promise<TndsNode[]> {
  const top: TndsNode[] = [];
  const visit = async (at: Resolved, into: TndsNode[], path: string | undefined, first: boolean): Promise<void> => {
    let kids: TndsNode[];
    let kidsPath: string | undefined;
    if (first || (await tree.mayGet(at, ctx))) {
      const n = await describe(tree, at, props);
      if (path !== undefined) n.path = path;
      into.push(n);
      kids = n.children;
    } else {
      kids = top;
      kidsPath = formatUri(at.segments);
    }
    if (at.leaf) return;
    for (const name of await tree.childNames(at)) {
      const c = await tree.lookup(at.segments.concat([name]));
      if (c) await visit(c, kids, kidsPath, false);
    }
  };
  if (r.segments.length === 0) {
    for (const name of await tree.childNames(r)) {
      const c = await tree.lookup([name]);
      if (c) await visit(c, top, '.', false);
    }
  } else await visit(r, top, formatUri(r.segments.slice(0, r.segments.length - 1)), true);
  return top;
}

// ---------------------------------------------------------------- Add / Replace with a TNDS object

/** One described node at its place in the tree. */
export interface TndsPlacement {
  segments: string[];
  interior: boolean;
  node: TndsNode;
}

function bad(what: string, status: number = DmStatus.BadRequest): TreeError {
  return new TreeError(status, 'bad TNDS object: ' + what);
}

function checkedUri(segments: string[], limits: UriLimits, what: string): string {
  const uri = formatUri(segments);
  try {
    parseUri(uri, limits); // names, depth and length as for any URI a server sends
  } catch (e) {
    throw bad(`${what}: ${(e as Error).message}`, e instanceof TreeError ? e.status : DmStatus.BadRequest);
  }
  return uri;
}

/**
 * Where each described node goes. A top-level Node with a Path goes below that full URI; one without a Path is the
 * target itself when it carries the target's name, else a child of the target (the Add example of
 * OMA-TS-DM_TND-V1_2 TNDS, DM commands with TNDS data, creates E-Mail below its target). Every node must lie at or below the target.
 */
export function placeNodes(nodes: TndsNode[], target: string[], limits: UriLimits): TndsPlacement[] {
  const out: TndsPlacement[] = [];
  const seen = new Set<string>();
  const place = (n: TndsNode, segments: string[], where: string) => {
    const uri = checkedUri(segments, limits, where);
    if (!prefixOf(target, segments)) throw bad(`${where} (${uri}) lies outside the target ${formatUri(target)}`);
    if (seen.has(uri)) throw bad(`${uri} is described twice`);
    seen.add(uri);
    const interior = n.format === 'node' || n.children.length > 0 || (n.value === undefined && n.format === undefined);
    // What can be judged from the object alone is judged before anything is applied, naming the node.
    try {
      if (!interior && n.format !== undefined) normaliseLeafValue({ format: n.format, data: n.value === undefined ? '' : n.value }, DEFAULT_FORMAT);
      if (n.acl !== undefined) parseAcl(n.acl);
    } catch (e) {
      throw bad(`${where} (${uri}): ${(e as Error).message}`, e instanceof TreeError ? e.status : DmStatus.BadRequest);
    }
    out.push({ segments, interior, node: n });
    n.children.forEach((c, i) => {
      if (c.path !== undefined) throw bad(`${where}/Node[${i + 1}] has a Path; only a top-level Node may`);
      place(c, segments.concat([c.name]), `${where}/Node[${i + 1}]`);
    });
  };
  nodes.forEach((n, i) => {
    const where = `MgmtTree/Node[${i + 1}]`;
    let base: string[];
    if (n.path !== undefined) {
      try {
        const p = parseUri(n.path, limits);
        if (p.prop || p.list) throw bad(`the Path ${JSON.stringify(n.path)} of ${where} has a query`);
        base = p.segments;
      } catch (e) {
        if (e instanceof TreeError && /^bad TNDS/.test(e.message)) throw e;
        throw bad(`the Path ${JSON.stringify(n.path)} of ${where}: ${(e as Error).message}`);
      }
    } else if (target.length && n.name === target[target.length - 1]) base = target.slice(0, target.length - 1);
    else base = target;
    place(n, base.concat([n.name]), where);
  });
  return out;
}

/** The first refusal while applying: its status and what it was about. */
export interface TndsFailure {
  status: number;
  reason: string;
}

function valueOf(p: TndsPlacement): NodeValue {
  const v: NodeValue = p.interior ? { format: 'node' } : { format: p.node.format, data: p.node.value === undefined ? '' : p.node.value };
  if (p.node.type) v.type = p.node.type;
  return v;
}

/**
 * Applies the placed nodes in document order (parents before children). Add creates every node (one already there:
 * 418); Replace replaces the value of a described leaf that exists and adds the nodes that do not, keeping nodes the
 * object does not mention. An ACL or Title in the object that differs from the node's is set as `Replace ?prop=`
 * would set it (same rights).
 * Stops at the first refusal and returns it; undoing what was done is the caller's (an Atomic or its own).
 */
export async function applyPlacements(tree: TndsTreeAccess, kind: 'Add' | 'Replace', placements: TndsPlacement[], ctx: AccessContext): Promise<TndsFailure | null> {
  for (const p of placements) {
    const uri = formatUri(p.segments);
    const existing = await tree.lookup(p.segments);
    let status: number;
    if (!existing) status = await tree.add(uri, valueOf(p), ctx);
    else if (kind === 'Add') return { status: DmStatus.AlreadyExists, reason: `${uri} already exists` };
    else if (existing.leaf === p.interior) {
      const is = existing.leaf ? 'a leaf' : 'an interior node';
      return { status: DmStatus.CommandNotAllowed, reason: `${uri} is ${is}; the TNDS object describes it as ${p.interior ? 'an interior node' : 'a leaf'}` };
    } else if (existing.leaf && p.node.value !== undefined) status = await tree.replace(uri, valueOf(p), ctx);
    else status = DmStatus.Ok;
    if (status >= 300) return { status, reason: `${kind} of ${uri} answered ${status}` };
    const now = await tree.lookup(p.segments);
    for (const [prop, text, held] of [['ACL', p.node.acl, now && now.acl], ['Title', p.node.title, now && now.title]] as const) {
      // An unchanged property is no change: a Get's object sent back as it is needs no rights beyond its values'.
      if (text === undefined || text === held) continue;
      const s = await tree.replace(`${uri}?prop=${prop}`, { format: 'chr', data: text }, ctx);
      if (s >= 300) return { status: s, reason: `setting the ${prop} of ${uri} answered ${s}` };
    }
  }
  return null;
}
