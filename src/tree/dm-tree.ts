// The DM tree (DM 1.2 TND) as the session engine sees it: one method per server command, each answering the DM
// status code of docs/protocol.md §1.5/§1.6. Static nodes live in memory and are persisted through a JSON store; subtrees
// can be mounted from plugins (live device facts, FUMO, SCOMO). Order of checks for every command:
//   URI well-formed (400/414, ./uri.ts) -> node exists (404) -> the node supports the command at all, DDF
//   AccessType / permanence (405, whoever asks: e.g. Get on ./Inbox, docs/protocol.md §1.12) -> ACL for this server (425)
//   -> Add only: target already there (418) -> the command itself.
// 425 rather than 401 for an ACL refusal: docs/protocol.md §1.6 gives 401 to credentials, 425 to "ACL forbids the command".

import type { JsonStore, Log } from '../ports/runtime.js';
import { aclAllows, type AclCommand, creatorAcl, parseAcl, ROOT_DEFAULT_ACL } from './acl.js';
import {
  type AccessContext,
  bumpVersion,
  dataSize,
  DEFAULT_FORMAT,
  type GetItem,
  newNode,
  type NodeData,
  type NodeValue,
  normaliseLeafValue,
  type StaticNode,
} from './node.js';
import type { ExecArgs, TreePlugin } from './plugin.js';
import type { LargeObjectInfo, LargeObjectSink } from '../ports/large-object.js';
import { propertyItem } from './properties.js';
import { countNodes, type Mount, pathOnly, prefixOf, type Resolved, statusOf, supports } from './resolved.js';
import { nodeToPersisted, type PropOverlay, TREE_FORMAT_VERSION, treeFromPersisted } from './serialize.js';
import { DmStatus, TreeError } from './status.js';
import { isTndsType, parseTnds, selectProperties, TNDS_WBXML, TNDS_XML, tndsEncoding, tndsToWbxml, tndsToXml } from './tnds.js';
import { applyPlacements, describeSubtree, placeNodes, type TndsTreeAccess } from './tnds-tree.js';
import { type TreeTransaction, UndoLog } from './transaction.js';
import { assertNodeName, DEFAULT_URI_LIMITS, escapeSegment, formatUri, type ParsedUri, parseUri, type UriLimits } from './uri.js';

/** The durable JSON store the tree persists through (src/ports/runtime.ts; src/state/DurableStore implements it). */
export type { JsonStore };

export interface DmTreeOptions {
  store?: JsonStore;
  /** Document name in the store (default `dm-tree`). */
  stateName?: string;
  limits?: UriLimits;
  /** Clock for the TStamp property; without one TStamp is not recorded (Get ?prop=TStamp answers 406). */
  now?: () => number;
  /** Largest leaf value a server may store, in bytes (default 1 MiB): beyond it 413 (docs/protocol.md §1.6). */
  maxLeafBytes?: number;
  /** Most static nodes the tree holds (default 20000): a server's Add beyond it gets 420 Device full. */
  maxNodes?: number;
  log?: Log;
}

/** Properties the agent itself may set on a node (the direct, non-ACL accessors). */
export interface NodeOptions {
  acl?: string;
  title?: string;
  type?: string;
  accessTypes?: AclCommand[];
  permanent?: boolean;
}

export interface GetResult {
  status: number;
  items: GetItem[];
}

export class DmTree {
  readonly limits: UriLimits;
  private root: StaticNode;
  private overlay: Record<string, PropOverlay> = {};
  private agentData: Record<string, string> = {};
  private mounts: Mount[] = [];
  private tx: UndoLog | null = null;
  private dirty = false;
  private readonly store?: JsonStore;
  private readonly stateName: string;
  private readonly now?: () => number;
  private readonly log?: Log;
  private readonly maxLeafBytes: number;
  private readonly maxNodes: number;
  /** While a TNDS object is applied: its nodes are plain Adds/Replaces, and the node count is kept, not recounted. */
  private tnds: { count: number } | null = null;

  constructor(options: DmTreeOptions = {}) {
    this.store = options.store;
    this.stateName = options.stateName || 'dm-tree';
    this.limits = options.limits || DEFAULT_URI_LIMITS;
    this.now = options.now;
    this.log = options.log;
    this.maxLeafBytes = options.maxLeafBytes || 1024 * 1024;
    this.maxNodes = options.maxNodes || 20000;
    this.root = DmTree.freshRoot();
  }

  private static freshRoot(): StaticNode {
    const root = newNode('.', null, false, 'node');
    root.acl = ROOT_DEFAULT_ACL; // docs/protocol.md §1.12
    root.permanent = true;
    return root;
  }

  /** True when the tree was given a store, so save() can work. */
  get canSave(): boolean {
    return this.store !== undefined;
  }

  /** True when static nodes changed since the last load/save. */
  get isDirty(): boolean {
    return this.dirty;
  }

  // ---------------------------------------------------------------- resolution

  private findMount(segs: string[]): Mount | null {
    for (const m of this.mounts) if (prefixOf(m.segments, segs)) return m;
    return null;
  }

  private staticAt(segs: string[]): StaticNode | null {
    let n: StaticNode = this.root;
    for (const s of segs) {
      if (n.leaf) return null;
      const c = n.children.get(s);
      if (!c) return null;
      n = c;
    }
    return n;
  }

  private async lookup(segs: string[]): Promise<Resolved | null> {
    const m = this.findMount(segs);
    if (m) {
      const rel = segs.slice(m.segments.length);
      const info = await m.plugin.stat(rel);
      if (!info) return null;
      const leaf = info.kind === 'leaf';
      const over = this.overlay[formatUri(segs)] || {};
      const r: Resolved = {
        segments: segs,
        leaf,
        format: info.format || (leaf ? DEFAULT_FORMAT : 'node'),
        acl: over.acl !== undefined ? over.acl : info.acl || '',
        verNo: info.verNo || 0,
        mount: m,
        rel,
      };
      if (info.type !== undefined) r.type = info.type;
      const title = over.title !== undefined ? over.title : info.title;
      if (title !== undefined) r.title = title;
      if (info.tstamp !== undefined) r.tstamp = info.tstamp;
      if (info.accessTypes) r.accessTypes = info.accessTypes;
      if (info.permanent || rel.length === 0) r.permanent = true; // a mount point is not the server's to delete
      return r;
    }
    const n = this.staticAt(segs);
    if (!n) return null;
    const r: Resolved = { segments: segs, leaf: n.leaf, format: n.format, acl: n.acl, verNo: n.verNo, node: n };
    if (n.type !== undefined) r.type = n.type;
    if (n.title !== undefined) r.title = n.title;
    if (n.tstamp !== undefined) r.tstamp = n.tstamp;
    if (n.accessTypes) r.accessTypes = n.accessTypes;
    if (n.permanent) r.permanent = true;
    return r;
  }

  private async childNames(r: Resolved): Promise<string[]> {
    if (r.mount) return r.mount.plugin.list(r.rel!);
    const names: string[] = [];
    r.node!.children.forEach((_c, name) => names.push(name));
    for (const m of this.mounts) {
      if (m.segments.length === r.segments.length + 1 && prefixOf(r.segments, m.segments)) {
        const name = m.segments[m.segments.length - 1];
        if (names.indexOf(name) < 0) names.push(name);
      }
    }
    return names;
  }

  /** The ACL that governs a node: its own if not empty, else its nearest ancestor's (docs/protocol.md §1.12). */
  private async effectiveAcl(segs: string[]): Promise<string> {
    for (let i = segs.length; i >= 0; i--) {
      const r = i === segs.length ? await this.lookup(segs) : await this.lookup(segs.slice(0, i));
      if (r && r.acl) return r.acl;
    }
    return ROOT_DEFAULT_ACL;
  }

  /** The ACL that governs a resolved node: its own, or the one it inherits. */
  private async aclOf(r: Resolved): Promise<string> {
    return r.acl ? r.acl : this.effectiveAcl(r.segments.slice(0, r.segments.length - 1));
  }

  private async allowed(r: Resolved, cmd: AclCommand, ctx: AccessContext): Promise<boolean> {
    const acl = await this.aclOf(r);
    try {
      return aclAllows(acl, cmd, ctx.serverId);
    } catch (e) {
      // A stored ACL that does not parse grants nothing; say so once per check.
      if (this.log) this.log.log('warn', 'unparsable ACL refused', { uri: formatUri(r.segments) });
      return false;
    }
  }

  private async readLeaf(r: Resolved): Promise<NodeValue> {
    if (r.mount) {
      const v = await r.mount.plugin.read(r.rel!);
      const out: NodeValue = { format: v.format || r.format, data: v.data === undefined ? '' : v.data };
      const type = v.type !== undefined ? v.type : r.type;
      if (type !== undefined) out.type = type;
      return out;
    }
    const n = r.node!;
    const out: NodeValue = { format: n.format, data: n.data === undefined ? '' : n.data };
    if (n.type !== undefined) out.type = n.type;
    return out;
  }

  private parse(uri: string): ParsedUri {
    return parseUri(uri, this.limits);
  }

  private checkLeafSize(data: NodeData): void {
    const size = dataSize(data);
    if (size > this.maxLeafBytes) throw new TreeError(DmStatus.RequestEntityTooLarge, `value of ${size} bytes is larger than the ${this.maxLeafBytes} a node may hold`);
  }

  private touch(node: StaticNode): void {
    bumpVersion(node, this.now ? this.now() : undefined);
    this.dirty = true;
  }

  private async enlistPlugin(plugin: TreePlugin): Promise<boolean> {
    if (!this.tx) return false;
    await this.tx.enlist(plugin);
    return !!plugin.rollbackAtomic;
  }

  // ---------------------------------------------------------------- Get

  /** `accept`: the Get's Meta Type; `application/vnd.syncml.dmtnds+wbxml` asks for the WBXML form of ?list=TNDS. */
  async get(uri: string, ctx: AccessContext, accept?: string): Promise<GetResult> {
    try {
      const p = this.parse(uri);
      const r = await this.lookup(p.segments);
      if (!r) return { status: DmStatus.NotFound, items: [] };
      // Properties stay readable (e.g. the ACL of AAuthSecret); the value and listings do not (./Inbox: 405).
      if (!p.prop && !supports(r, 'Get')) return { status: DmStatus.CommandNotAllowed, items: [] };
      if (!(await this.allowed(r, 'Get', ctx))) return { status: DmStatus.PermissionDenied, items: [] };
      if (p.prop) return { status: DmStatus.Ok, items: [await this.propertyItem(r, p.prop, uri)] };
      if (p.list) {
        if (p.list.kind === 'TNDS') return { status: DmStatus.Ok, items: [await this.tndsItem(r, uri, p.list, ctx, accept)] };
        const items: GetItem[] = [];
        await this.walk(r, pathOnly(uri), p.list.kind === 'StructData', ctx, items, true);
        return { status: DmStatus.Ok, items };
      }
      if (!r.leaf) {
        // docs/protocol.md §1.4: interior node -> Format node, Data = child names joined by '/'.
        const kids = await this.childNames(r);
        return { status: DmStatus.Ok, items: [{ uri, format: 'node', data: kids.join('/') }] };
      }
      const v = await this.readLeaf(r);
      const item: GetItem = { uri, format: v.format || DEFAULT_FORMAT, data: v.data };
      if (v.type !== undefined) item.type = v.type;
      return { status: DmStatus.Ok, items: [item] };
    } catch (e) {
      return { status: this.failure(e, 'Get', uri), items: [] };
    }
  }

  /** ?list=Struct / StructData: the node and its descendants, pre-order; nodes this server may not Get are left out. */
  private async walk(r: Resolved, uri: string, withData: boolean, ctx: AccessContext, out: GetItem[], first: boolean): Promise<void> {
    const mayGet = first || (await this.allowed(r, 'Get', ctx));
    if (mayGet) {
      const item: GetItem = { uri, format: r.leaf ? r.format : 'node' };
      if (r.type !== undefined) item.type = r.type;
      if (r.leaf && withData && supports(r, 'Get')) {
        const v = await this.readLeaf(r);
        item.format = v.format || r.format;
        if (v.type !== undefined) item.type = v.type;
        item.data = v.data;
      }
      out.push(item);
    }
    if (r.leaf) return;
    for (const name of await this.childNames(r)) {
      const c = await this.lookup(r.segments.concat([name]));
      if (c) await this.walk(c, uri + '/' + escapeSegment(name), withData, ctx, out, false);
    }
  }

  /** One Results item holding the TNDS object of the subtree (docs/protocol.md §1.12), XML unless WBXML was asked for. */
  private async tndsItem(r: Resolved, uri: string, list: { include?: string[]; exclude?: string[] }, ctx: AccessContext, accept?: string): Promise<GetItem> {
    const nodes = await describeSubtree(this.tndsAccess(), r, selectProperties(list.include, list.exclude), ctx);
    if (tndsEncoding(accept) === 'wbxml') return { uri, format: 'bin', type: TNDS_WBXML, data: tndsToWbxml(nodes) };
    return { uri, format: 'xml', type: TNDS_XML, data: tndsToXml(nodes) };
  }

  private tndsAccess(): TndsTreeAccess {
    return {
      lookup: (segs) => this.lookup(segs),
      childNames: (r) => this.childNames(r),
      mayGet: (r, ctx) => this.allowed(r, 'Get', ctx),
      readLeaf: (r) => this.readLeaf(r),
      add: (uri, value, ctx) => this.add(uri, value, ctx),
      replace: (uri, value, ctx) => this.replace(uri, value, ctx),
    };
  }

  /**
   * Add/Replace whose Meta Type is a TNDS object (docs/protocol.md §1.12): every described node is applied as a
   * plain command; the first refusal undoes them all (inside an Atomic, the Atomic's rollback does), so a bad object
   * leaves the tree as it was. The status names the refusal; the log says what it was about.
   */
  private async applyTnds(kind: 'Add' | 'Replace', uri: string, value: NodeValue, ctx: AccessContext): Promise<number> {
    const p = this.parse(uri);
    if (p.prop || p.list) return DmStatus.CommandNotAllowed;
    if (kind === 'Replace' && !(await this.lookup(p.segments))) return DmStatus.NotFound; // Replace never creates its target
    let own: TreeTransaction | null = null;
    let failure: { status: number; reason: string } | null;
    try {
      // Nesting bound: a Node level per URI segment plus the few elements around a Value.
      const depth = this.limits.maxDepth > 0 ? this.limits.maxDepth + 8 : 256;
      const placements = placeNodes(parseTnds(value.data, value.type, { maxDepth: depth }), p.segments, this.limits);
      const count = countNodes(this.root);
      if (count + placements.length > this.maxNodes) throw new TreeError(DmStatus.DeviceFull, `the tree holds ${count} nodes, its limit is ${this.maxNodes}`);
      own = this.tx && this.tx.isOpen ? null : this.transaction();
      this.tnds = { count };
      failure = await applyPlacements(this.tndsAccess(), kind, placements, ctx);
    } catch (e) {
      failure = { status: statusOf(e), reason: e instanceof Error ? e.message : String(e) };
    } finally {
      this.tnds = null;
    }
    if (failure) {
      // 516: a plugin step could not be undone (docs/protocol.md §1.6); the log says so, the status stays the refusal's.
      const undone = own ? (await own.rollback()) === DmStatus.AtomicRollbackOk : 'by the Atomic';
      if (this.log) {
        const fields = { uri, status: failure.status, reason: failure.reason, undone };
        this.log.log('warn', `${kind} of a TNDS object refused`, fields);
      }
      return failure.status;
    }
    if (own) await own.commit();
    return DmStatus.Ok;
  }

  private async propertyItem(r: Resolved, prop: string, uri: string): Promise<GetItem> {
    return propertyItem(r, prop, uri, () => this.readLeaf(r));
  }

  // ---------------------------------------------------------------- Add

  async add(uri: string, value: NodeValue, ctx: AccessContext): Promise<number> {
    try {
      if (!this.tnds && isTndsType(value.type)) return await this.applyTnds('Add', uri, value, ctx);
      const p = this.parse(uri);
      if (p.prop || p.list) return DmStatus.CommandNotAllowed;
      const segs = p.segments;
      if (segs.length === 0) return DmStatus.AlreadyExists;
      // Parents may be created implicitly (docs/protocol.md §1.5): rights come from the nearest node that exists.
      let anc: Resolved | null = null;
      let i = segs.length - 1;
      for (; i >= 0; i--) {
        anc = await this.lookup(segs.slice(0, i));
        if (anc) break;
      }
      if (!anc) return DmStatus.NotFound; // the root always exists; only a vanished plugin node gets here
      if (anc.leaf) return DmStatus.CommandNotAllowed; // no children under a leaf (docs/protocol.md §1.6, 405)
      if (!supports(anc, 'Add')) return DmStatus.CommandNotAllowed;
      if (!(await this.allowed(anc, 'Add', ctx))) return DmStatus.PermissionDenied;
      if (i === segs.length - 1 && (await this.lookup(segs))) return DmStatus.AlreadyExists;
      if (anc.mount) {
        const plugin = anc.mount.plugin;
        if (!plugin.add) return DmStatus.CommandNotAllowed;
        const rel = segs.slice(anc.mount.segments.length);
        const own = await this.enlistPlugin(plugin);
        const status = await plugin.add(rel, value, ctx);
        if (this.tx && !own && status >= 200 && status < 300) {
          const tx = this.tx;
          if (plugin.delete) tx.record(async () => (await plugin.delete!(rel, ctx)) < 300);
          else tx.markIrreversible('Add ' + uri);
        }
        return status;
      }
      // OMA-TS-DM_TND-V1_2 §7.7.1.3: an interior node added by a server without Replace rights on its parent gets an ACL
      // giving that server rights on it (./acl.ts creatorAcl); any other new node starts with an empty ACL (inherits).
      // Implicitly created parents keep the empty ACL (docs/protocol.md §1.5); their rights are the ancestor's anyway.
      const ownAcl =
        value.format === 'node' && !(await this.allowed(anc, 'Replace', ctx)) ? creatorAcl(await this.aclOf(anc), ctx.serverId) : '';
      return this.addStatic(anc.node!, segs.slice(i), value, ownAcl);
    } catch (e) {
      return this.failure(e, 'Add', uri);
    }
  }

  private addStatic(parent: StaticNode, rest: string[], value: NodeValue, ownAcl: string): number {
    const interior = value.format === 'node';
    const leafValue = interior ? null : normaliseLeafValue(value, DEFAULT_FORMAT);
    if (leafValue) this.checkLeafSize(leafValue.data);
    // Counting is O(nodes), but server Adds are few per session and the bound keeps the tree's memory bounded.
    const count = this.tnds ? this.tnds.count : countNodes(this.root);
    if (count + rest.length > this.maxNodes) throw new TreeError(DmStatus.DeviceFull, `the tree holds ${count} nodes, its limit is ${this.maxNodes}`);
    let top: StaticNode | null = null;
    let at = parent;
    for (let k = 0; k < rest.length; k++) {
      const last = k === rest.length - 1;
      // Implicit interior nodes get an empty ACL (docs/protocol.md §1.5), i.e. they inherit.
      const n = newNode(rest[k], at, last ? !interior : false, last && leafValue ? leafValue.format : 'node');
      if (last) {
        n.acl = ownAcl;
        if (leafValue) {
          n.data = leafValue.data;
          if (leafValue.type !== undefined) n.type = leafValue.type;
        } else if (value.type) n.type = value.type; // interior Type = MO / DDF URN
      }
      if (this.now) n.tstamp = this.now();
      at.children.set(n.name, n);
      if (!top) top = n;
      at = n;
    }
    this.dirty = true;
    if (this.tnds) this.tnds.count += rest.length;
    if (this.tx && top) {
      const created = top;
      this.tx.record(async () => {
        if (created.parent && created.parent.children.get(created.name) === created) created.parent.children.delete(created.name);
        this.dirty = true;
        return true;
      });
    }
    return DmStatus.Ok;
  }

  // ---------------------------------------------------------------- Large objects

  /**
   * The first chunk of a large object (docs/protocol.md §1.10) for a plugin node that takes it chunk by chunk: the
   * checks of a Replace (404, 405, 425), then the plugin's sink. null: the executor keeps the chunks and sends the
   * whole value through replace()/add() (static nodes, plugins without a sink, and inside an Atomic, whose undo
   * needs the whole old value).
   */
  async openLargeObject(uri: string, info: LargeObjectInfo, ctx: AccessContext): Promise<number | LargeObjectSink | null> {
    try {
      if (this.tx) return null;
      const p = this.parse(uri);
      if (p.list || p.prop) return null;
      if (info.kind === 'Add') return await this.openLargeAdd(p.segments, info, ctx);
      const r = await this.lookup(p.segments);
      if (!r || !r.mount || !r.mount.plugin.openLargeObject) return null;
      if (!supports(r, 'Replace')) return DmStatus.CommandNotAllowed;
      if (!(await this.allowed(r, 'Replace', ctx))) return DmStatus.PermissionDenied;
      if (!r.leaf) return DmStatus.CommandNotAllowed;
      return await r.mount.plugin.openLargeObject(r.rel!, info, ctx);
    } catch (e) {
      return this.failure(e, 'Replace', uri);
    }
  }

  /**
   * Add of a large object under a plugin (e.g. SCOMO's Inventory/Delivered/<x>/Data): the checks of add() against the
   * nearest node that exists (docs/protocol.md §1.5: parents may be created implicitly), then the plugin's sink.
   */
  private async openLargeAdd(segs: string[], info: LargeObjectInfo, ctx: AccessContext): Promise<number | LargeObjectSink | null> {
    if (segs.length === 0) return null;
    let anc: Resolved | null = null;
    let i = segs.length - 1;
    for (; i >= 0; i--) {
      anc = await this.lookup(segs.slice(0, i));
      if (anc) break;
    }
    if (!anc || !anc.mount || !anc.mount.plugin.openLargeObject) return null;
    if (anc.leaf || !supports(anc, 'Add')) return DmStatus.CommandNotAllowed;
    if (!(await this.allowed(anc, 'Add', ctx))) return DmStatus.PermissionDenied;
    if (i === segs.length - 1 && (await this.lookup(segs))) return DmStatus.AlreadyExists;
    return anc.mount.plugin.openLargeObject(segs.slice(anc.mount.segments.length), info, ctx);
  }

  // ---------------------------------------------------------------- Replace

  async replace(uri: string, value: NodeValue, ctx: AccessContext): Promise<number> {
    try {
      if (!this.tnds && isTndsType(value.type)) return await this.applyTnds('Replace', uri, value, ctx);
      const p = this.parse(uri);
      if (p.list) return DmStatus.CommandNotAllowed;
      const r = await this.lookup(p.segments);
      if (!r) return DmStatus.NotFound; // Replace never creates (docs/protocol.md §1.5)
      if (p.prop) return await this.replaceProperty(r, p.prop, value, ctx);
      if (!supports(r, 'Replace')) return DmStatus.CommandNotAllowed;
      if (!(await this.allowed(r, 'Replace', ctx))) return DmStatus.PermissionDenied;
      if (!r.leaf || value.format === 'node') return DmStatus.CommandNotAllowed; // interior nodes have no value
      if (r.mount) {
        const plugin = r.mount.plugin;
        if (!plugin.replace) return DmStatus.CommandNotAllowed;
        const rel = r.rel!;
        const own = await this.enlistPlugin(plugin);
        const old = this.tx && !own ? await plugin.read(rel) : null;
        const status = await plugin.replace(rel, value, ctx);
        if (this.tx && old && status >= 200 && status < 300) this.tx.record(async () => (await plugin.replace!(rel, old, ctx)) < 300);
        return status;
      }
      const n = r.node!;
      const v = normaliseLeafValue(value, n.format);
      this.checkLeafSize(v.data);
      if (n.permanent && v.format !== n.format) return DmStatus.CommandNotAllowed; // docs/protocol.md §1.5
      if (this.tx) {
        const before = { format: n.format, type: n.type, data: n.data, verNo: n.verNo, tstamp: n.tstamp };
        this.tx.record(async () => {
          n.format = before.format;
          n.type = before.type;
          n.data = before.data;
          n.verNo = before.verNo;
          n.tstamp = before.tstamp;
          this.dirty = true;
          return true;
        });
      }
      n.format = v.format;
      n.data = v.data;
      if (v.type !== undefined) n.type = v.type;
      this.touch(n);
      return DmStatus.Ok;
    } catch (e) {
      return this.failure(e, 'Replace', uri);
    }
  }

  private async replaceProperty(r: Resolved, prop: string, value: NodeValue, ctx: AccessContext): Promise<number> {
    const text = value.data === undefined ? '' : typeof value.data === 'string' ? value.data : null;
    if (text === null) return DmStatus.BadRequest;
    const key = formatUri(r.segments);
    if (prop === 'ACL') {
      // DM TND: changing a node's ACL takes Replace rights on its parent (the root's on itself).
      const holder = r.segments.length ? await this.lookup(r.segments.slice(0, r.segments.length - 1)) : r;
      if (!holder || !(await this.allowed(holder, 'Replace', ctx))) return DmStatus.PermissionDenied;
      parseAcl(text); // 400 when malformed
      if (r.segments.length === 0 && text === '') return DmStatus.BadRequest; // the root must keep an ACL
      this.setOwnProperty(r, key, 'acl', text);
      return DmStatus.Ok;
    }
    if (!(await this.allowed(r, 'Replace', ctx))) return DmStatus.PermissionDenied;
    if (prop === 'Title') {
      this.setOwnProperty(r, key, 'title', text);
      return DmStatus.Ok;
    }
    if (prop === 'Name') {
      if (!r.node || r.permanent || r.segments.length === 0) return DmStatus.CommandNotAllowed;
      assertNodeName(text);
      const n = r.node;
      const parent = n.parent!;
      if (text === n.name) return DmStatus.Ok;
      if (await this.lookup(r.segments.slice(0, r.segments.length - 1).concat([text]))) return DmStatus.AlreadyExists; // docs/protocol.md §1.5
      for (const m of this.mounts) if (prefixOf(r.segments, m.segments)) return DmStatus.CommandNotAllowed;
      const oldName = n.name;
      const stamp = { verNo: n.verNo, tstamp: n.tstamp };
      this.rename(parent, oldName, text);
      this.touch(n);
      if (this.tx) {
        this.tx.record(async () => {
          this.rename(parent, text, oldName);
          n.verNo = stamp.verNo;
          n.tstamp = stamp.tstamp;
          return true;
        });
      }
      return DmStatus.Ok;
    }
    // Format, Type, Size, TStamp and VerNo are read-only properties.
    return DmStatus.CommandNotAllowed;
  }

  private setOwnProperty(r: Resolved, key: string, field: 'acl' | 'title', text: string): void {
    if (r.node) {
      const n = r.node;
      const before = n[field];
      const stamp = { verNo: n.verNo, tstamp: n.tstamp };
      if (field === 'acl') n.acl = text;
      else n.title = text;
      this.touch(n);
      if (this.tx) {
        this.tx.record(async () => {
          if (field === 'acl') n.acl = before || '';
          else n.title = before;
          n.verNo = stamp.verNo;
          n.tstamp = stamp.tstamp;
          return true;
        });
      }
      return;
    }
    const over = this.overlay[key] || (this.overlay[key] = {});
    const before = over[field];
    over[field] = text;
    this.dirty = true;
    if (this.tx) {
      this.tx.record(async () => {
        if (before === undefined) delete over[field];
        else over[field] = before;
        return true;
      });
    }
  }

  private rename(parent: StaticNode, from: string, to: string): void {
    const entries: [string, StaticNode][] = [];
    parent.children.forEach((c, name) => entries.push([name === from ? to : name, c]));
    parent.children.clear();
    for (const [name, c] of entries) {
      if (name === to) c.name = to;
      parent.children.set(name, c);
    }
    this.dirty = true;
  }

  // ---------------------------------------------------------------- Delete

  async delete(uri: string, ctx: AccessContext): Promise<number> {
    try {
      const p = this.parse(uri);
      if (p.prop || p.list) return DmStatus.CommandNotAllowed;
      if (p.segments.length === 0) return DmStatus.CommandNotAllowed; // the root cannot go
      const r = await this.lookup(p.segments);
      if (!r) return DmStatus.NotFound;
      if (!supports(r, 'Delete') || r.permanent) return DmStatus.CommandNotAllowed;
      if (!(await this.allowed(r, 'Delete', ctx))) return DmStatus.PermissionDenied;
      if (r.mount) {
        const plugin = r.mount.plugin;
        if (!plugin.delete) return DmStatus.CommandNotAllowed;
        const own = await this.enlistPlugin(plugin);
        const status = await plugin.delete(r.rel!, ctx);
        if (this.tx && !own && status >= 200 && status < 300) this.tx.markIrreversible('Delete ' + uri);
        return status;
      }
      for (const m of this.mounts) if (prefixOf(p.segments, m.segments)) return DmStatus.CommandNotAllowed;
      this.detach(r.node!);
      return DmStatus.Ok;
    } catch (e) {
      return this.failure(e, 'Delete', uri);
    }
  }

  private detach(n: StaticNode): void {
    const parent = n.parent!;
    const order: string[] = [];
    parent.children.forEach((_c, name) => order.push(name));
    parent.children.delete(n.name);
    this.dirty = true;
    if (this.tx) {
      this.tx.record(async () => {
        if (parent.children.has(n.name)) return false;
        // Put it back where it was so listings keep their order.
        const entries: [string, StaticNode][] = [];
        for (const name of order) {
          const c = name === n.name ? n : parent.children.get(name);
          if (c) entries.push([name, c]);
        }
        parent.children.forEach((c, name) => {
          if (order.indexOf(name) < 0) entries.push([name, c]);
        });
        parent.children.clear();
        for (const [name, c] of entries) parent.children.set(name, c);
        this.dirty = true;
        return true;
      });
    }
  }

  // ---------------------------------------------------------------- Exec, Copy

  async exec(uri: string, args: ExecArgs, ctx: AccessContext): Promise<number> {
    try {
      const p = this.parse(uri);
      if (p.prop || p.list) return DmStatus.CommandNotAllowed;
      const r = await this.lookup(p.segments);
      if (!r) return DmStatus.NotFound;
      if (!supports(r, 'Exec') || !r.mount || !r.mount.plugin.exec) return DmStatus.CommandNotAllowed; // nothing to run
      if (!(await this.allowed(r, 'Exec', ctx))) return DmStatus.PermissionDenied;
      const plugin = r.mount.plugin;
      const own = await this.enlistPlugin(plugin);
      const status = await plugin.exec!(r.rel!, args, ctx);
      if (this.tx && !own) this.tx.markIrreversible('Exec ' + uri);
      return status;
    } catch (e) {
      return this.failure(e, 'Exec', uri);
    }
  }

  /** Copy a leaf's value (docs/protocol.md §1.5): Get rights on the source, Add or Replace rights on the target. */
  async copy(targetUri: string, sourceUri: string, ctx: AccessContext): Promise<number> {
    try {
      const ps = this.parse(sourceUri);
      const pt = this.parse(targetUri);
      if (ps.prop || ps.list || pt.prop || pt.list) return DmStatus.CommandNotAllowed;
      const src = await this.lookup(ps.segments);
      if (!src) return DmStatus.NotFound;
      if (!supports(src, 'Get') || !src.leaf) return DmStatus.CommandNotAllowed;
      if (!(await this.allowed(src, 'Get', ctx))) return DmStatus.PermissionDenied;
      const v = await this.readLeaf(src);
      if (await this.lookup(pt.segments)) {
        const status = await this.replace(targetUri, v, ctx);
        // The target exists but cannot be overwritten for reasons other than the ACL (docs/protocol.md §1.5).
        return status === DmStatus.CommandNotAllowed ? DmStatus.Forbidden : status;
      }
      return await this.add(targetUri, v, ctx);
    } catch (e) {
      return this.failure(e, 'Copy', targetUri);
    }
  }

  // ---------------------------------------------------------------- Atomic, mounts, persistence

  /** Starts an Atomic. Only one at a time: a nested Atomic is refused (docs/protocol.md §1.5, 500). */
  transaction(): TreeTransaction {
    if (this.tx && this.tx.isOpen) throw new TreeError(DmStatus.CommandFailed, 'an Atomic is already open (nested Atomic)');
    const log = new UndoLog(() => {
      if (this.tx === log) this.tx = null;
    });
    this.tx = log;
    return log;
  }

  /** Hands the subtree at rootUri to a plugin; missing static ancestors are created as interior nodes. */
  mount(rootUri: string, plugin: TreePlugin): void {
    const p = this.parse(rootUri);
    if (p.segments.length === 0) throw new TreeError(DmStatus.BadRequest, 'cannot mount a plugin on the root');
    for (const m of this.mounts) {
      if (prefixOf(m.segments, p.segments) || prefixOf(p.segments, m.segments)) {
        throw new TreeError(DmStatus.BadRequest, `mount ${p.path} overlaps the mount ${formatUri(m.segments)}`);
      }
    }
    this.mounts.push({ segments: p.segments, plugin });
    this.ensureStaticAncestors(p.segments);
  }

  private ensureStaticAncestors(segs: string[]): void {
    let n = this.root;
    for (let i = 0; i < segs.length - 1; i++) {
      let c = n.children.get(segs[i]);
      if (!c) {
        c = newNode(segs[i], n, false, 'node');
        n.children.set(c.name, c);
        this.dirty = true;
      }
      if (c.leaf) throw new TreeError(DmStatus.CommandNotAllowed, `cannot mount below the leaf ${formatUri(segs.slice(0, i + 1))}`);
      n = c;
    }
  }

  /** Loads the static tree from the store (no store, or nothing stored yet: keeps the fresh tree). */
  async load(): Promise<void> {
    if (!this.store) return;
    const doc = await this.store.get(this.stateName);
    if (doc === null) return;
    const t = treeFromPersisted(doc);
    if (!t.root.acl) t.root.acl = ROOT_DEFAULT_ACL;
    t.root.permanent = true;
    this.root = t.root;
    this.overlay = t.overlay;
    this.agentData = t.agentData;
    for (const m of this.mounts) this.ensureStaticAncestors(m.segments);
    this.dirty = false;
  }

  async save(): Promise<void> {
    if (!this.store) throw new TreeError(DmStatus.CommandFailed, 'this DM tree has no store to save to');
    await this.store.put(this.stateName, {
      treeFormat: TREE_FORMAT_VERSION,
      root: nodeToPersisted(this.root),
      overlay: this.overlay,
      agentData: this.agentData,
    });
    this.dirty = false;
  }

  private failure(e: unknown, cmd: string, uri: string): number {
    const status = statusOf(e);
    if (this.log) {
      this.log.log(status === DmStatus.CommandFailed ? 'error' : 'debug', `${cmd} refused`, {
        uri,
        status,
        reason: e instanceof Error ? e.message : String(e),
      });
    }
    return status;
  }

  // ---------------------------------------------------------------- direct accessors for the agent (no ACL)

  async exists(uri: string): Promise<boolean> {
    return (await this.lookup(this.parse(uri).segments)) !== null;
  }

  /** A leaf's value, or for an interior node Format node with the child list; null when absent. */
  async getValue(uri: string): Promise<NodeValue | null> {
    const r = await this.lookup(this.parse(uri).segments);
    if (!r) return null;
    if (!r.leaf) return { format: 'node', data: (await this.childNames(r)).join('/') };
    return this.readLeaf(r);
  }

  /** Child names of an interior node, or null when it does not exist or is a leaf. */
  async children(uri: string): Promise<string[] | null> {
    const r = await this.lookup(this.parse(uri).segments);
    if (!r || r.leaf) return null;
    return this.childNames(r);
  }

  /** Creates or overwrites a static leaf (parents created as interior nodes with empty ACLs). */
  setValue(uri: string, value: NodeValue, options: NodeOptions = {}): void {
    const segs = this.parse(uri).segments;
    if (segs.length === 0) throw new TreeError(DmStatus.CommandNotAllowed, 'the root is not a leaf');
    if (this.findMount(segs)) throw new TreeError(DmStatus.CommandNotAllowed, `${formatUri(segs)} belongs to a plugin`);
    const parent = this.makeInterior(segs.slice(0, segs.length - 1));
    const name = segs[segs.length - 1];
    let n = parent.children.get(name);
    if (n && !n.leaf) throw new TreeError(DmStatus.CommandNotAllowed, `${formatUri(segs)} is an interior node`);
    const v = normaliseLeafValue(value, n ? n.format : DEFAULT_FORMAT);
    if (!n) {
      n = newNode(name, parent, true, v.format);
      parent.children.set(name, n);
    }
    n.format = v.format;
    n.data = v.data;
    if (v.type !== undefined) n.type = v.type;
    this.applyOptions(n, options);
    this.touch(n);
  }

  /** Creates the interior node (and its parents) if needed and applies the given properties. */
  ensureInterior(uri: string, options: NodeOptions = {}): void {
    const segs = this.parse(uri).segments;
    if (this.findMount(segs)) throw new TreeError(DmStatus.CommandNotAllowed, `${formatUri(segs)} belongs to a plugin`);
    const n = this.makeInterior(segs);
    if (options.acl !== undefined || options.title !== undefined || options.type !== undefined || options.accessTypes || options.permanent !== undefined) {
      this.applyOptions(n, options);
      this.touch(n);
    }
  }

  /** Removes a static node and its subtree; false when it was not there. */
  deleteNode(uri: string): boolean {
    const segs = this.parse(uri).segments;
    if (segs.length === 0) throw new TreeError(DmStatus.CommandNotAllowed, 'the root cannot be deleted');
    const n = this.staticAt(segs);
    if (!n || this.findMount(segs)) return false;
    n.parent!.children.delete(n.name);
    this.dirty = true;
    return true;
  }

  /** Agent-private strings stored with the tree (never visible to a server). */
  getAgentData(key: string): string | undefined {
    return Object.prototype.hasOwnProperty.call(this.agentData, key) ? this.agentData[key] : undefined;
  }

  setAgentData(key: string, value: string | undefined): void {
    if (value === undefined) delete this.agentData[key];
    else this.agentData[key] = value;
    this.dirty = true;
  }

  private makeInterior(segs: string[]): StaticNode {
    let n = this.root;
    for (let i = 0; i < segs.length; i++) {
      let c = n.children.get(segs[i]);
      if (!c) {
        c = newNode(segs[i], n, false, 'node');
        if (this.now) c.tstamp = this.now();
        n.children.set(c.name, c);
        this.dirty = true;
      } else if (c.leaf) throw new TreeError(DmStatus.CommandNotAllowed, `${formatUri(segs.slice(0, i + 1))} is a leaf`);
      n = c;
    }
    return n;
  }

  private applyOptions(n: StaticNode, o: NodeOptions): void {
    if (o.acl !== undefined) {
      parseAcl(o.acl);
      n.acl = o.acl;
    }
    if (o.title !== undefined) n.title = o.title;
    if (o.type !== undefined) n.type = o.type;
    if (o.accessTypes) n.accessTypes = o.accessTypes.slice();
    if (o.permanent !== undefined) n.permanent = o.permanent;
  }
}
