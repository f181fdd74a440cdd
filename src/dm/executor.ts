// Carries out the server's management commands against the DM tree and builds the Status (and Results) for each
// (docs/protocol.md §1.4, §1.5). Atomic is all-or-nothing with tree rollback; Sequence runs in order; a declined UI alert
// makes the remaining commands of the package "not executed" (215, docs/protocol.md §1.8).
import type { Alert, Command, Container, Exec, Item, ItemCommand, Results, Status as StatusCmd } from '../syncml/model.js';
import { AlertCode, Status } from './codes.js';
import { utf8Encode } from '../bytes.js';
import { answersPerItem, commandCode, itemRefs, type ItemOutcome } from './item-status.js';
import { ChunkDecoder, sinkStatus } from './large-object.js';
import type { LargeObjectInfo, LargeObjectSink } from '../ports/large-object.js';

export interface AccessContext {
  serverId: string;
}

export interface TreeValue {
  format?: string;
  type?: string;
  data?: string | Uint8Array;
}

export interface TreeGetItem {
  uri: string;
  format: string;
  type?: string;
  data?: string | Uint8Array;
}

/** What the executor needs from the DM tree (src/tree DmTree satisfies it). Every result is a DM status code. */
export interface ManagementTree {
  /** `accept`: the Get item's Meta Type (e.g. the TNDS encoding asked for, docs/protocol.md §1.12). */
  get(uri: string, ctx: AccessContext, accept?: string): Promise<{ status: number; items: TreeGetItem[] }>;
  add(uri: string, value: TreeValue, ctx: AccessContext): Promise<number>;
  replace(uri: string, value: TreeValue, ctx: AccessContext): Promise<number>;
  delete(uri: string, ctx: AccessContext): Promise<number>;
  copy(targetUri: string, sourceUri: string, ctx: AccessContext): Promise<number>;
  exec(uri: string, args: { data?: string | Uint8Array; correlator?: string }, ctx: AccessContext): Promise<number>;
  transaction(): { commit(): Promise<void>; rollback(): Promise<number> };
  /**
   * Optional: the node takes a large object chunk by chunk (a package streamed to staging). A status refuses it
   * (e.g. 404, 405, 425, 413), null means "keep it in memory and Add/Replace it whole" as for any other node.
   */
  openLargeObject?(uri: string, info: LargeObjectInfo, ctx: AccessContext): Promise<number | LargeObjectSink | null>;
}

/** Answers a server UI alert (1100-1104): the status code, items to return, and whether to skip the rest. */
export interface UiAlertHandler {
  handle(alert: Alert): Promise<{ code: number; items: Item[]; skipRest: boolean }>;
}

export type Reply = StatusCmd | Results | Alert;

export interface ExecutionContext {
  /** MsgID of the server message the commands came from. */
  msgRef: string;
  access: AccessContext;
  /** Allocates the next CmdID of the message being built. */
  nextCmdId(): string;
}

export interface ExecutionOutcome {
  replies: Reply[];
  /** The server asked for the next message of our package (Alert 1222). */
  nextMessageRequested: boolean;
  /** The server aborted the session (Alert 1223): the client must not answer. */
  aborted: boolean;
  /** Count of management commands (anything but Status/Results) in the message. */
  commandCount: number;
}

/** A large object being received in chunks (docs/protocol.md §1.10). */
interface PendingChunk {
  kind: 'Add' | 'Replace';
  uri: string;
  meta: Item['meta'];
  declaredSize?: number;
  parts: Array<string | Uint8Array>;
  /** Counts the object's bytes (decoded ones for Format b64) and, with a sink, decodes the chunks for it. */
  decoder: ChunkDecoder;
  /** Where the chunks go instead of `parts` (docs/protocol.md §1.10: the whole object is never in memory). */
  sink?: LargeObjectSink;
}

export class CommandExecutor {
  /** Set after a declined or cancelled UI alert: every later command of this package gets 215. */
  private skipRest = false;
  private chunk: PendingChunk | null = null;
  /** True while the commands of an Atomic run (a failed Item stops the rest of its command there). */
  private inAtomic = false;
  /** An object refused at its first chunk: its later chunks get the same answer instead of starting a new object. */
  private refused: { uri: string; code: number } | null = null;

  constructor(
    private readonly tree: ManagementTree,
    private readonly ui: UiAlertHandler,
    /** Largest object we accept (our MaxObjSize, config server.maxObjSize): a bigger declared Size is refused with 413 before buffering. */
    private readonly maxObjSize = 1024 * 1024,
  ) {}

  /** The session ended: an object still arriving in chunks will not be completed, so its sink drops what it has. */
  async abandon(): Promise<void> {
    const c = this.chunk;
    this.chunk = null;
    if (c && c.sink) await c.sink.abort().catch(() => undefined);
  }

  /** Starts a new server package (the 215 rule holds for one package only). */
  newPackage(): void {
    this.skipRest = false;
  }

  async run(commands: Command[], ctx: ExecutionContext): Promise<ExecutionOutcome> {
    const out: ExecutionOutcome = { replies: [], nextMessageRequested: false, aborted: false, commandCount: 0 };
    for (const cmd of commands) {
      if (cmd.kind === 'Status' || cmd.kind === 'Results') continue;
      out.commandCount++;
      if (this.refused && !this.continuesChunk(cmd, this.refused.uri)) this.refused = null;
      if (this.chunk && !this.continuesChunk(cmd, this.chunk.uri)) {
        // A new command before the chunked object ended: tell the server and drop what we have (docs/protocol.md §1.10).
        const item: Item = {};
        if (this.chunk.uri) item.target = { locURI: this.chunk.uri };
        out.replies.push({ kind: 'Alert', cmdID: ctx.nextCmdId(), data: AlertCode.NoEndOfData, items: [item] });
        await this.abandon();
      }
      if (cmd.kind === 'Alert' && cmd.data === AlertCode.SessionAbort) {
        await this.abandon();
        out.aborted = true;
        return out;
      }
      await this.runOne(cmd, ctx, out.replies, out);
    }
    return out;
  }

  private async runOne(cmd: Exclude<Command, StatusCmd | Results>, ctx: ExecutionContext, replies: Reply[], out?: ExecutionOutcome): Promise<number> {
    if (this.skipRest) return this.status(cmd, Status.NotExecuted, ctx, replies);
    switch (cmd.kind) {
      case 'Alert':
        return this.alert(cmd, ctx, replies, out);
      case 'Atomic':
        return this.atomic(cmd, ctx, replies);
      case 'Sequence':
        return this.sequence(cmd, ctx, replies);
      case 'Exec':
        return this.exec(cmd, ctx, replies);
      case 'Get':
        return this.get(cmd, ctx, replies);
      default:
        return this.itemCommand(cmd, ctx, replies);
    }
  }

  private status(cmd: { kind: string; cmdID: string; noResp?: boolean }, code: number, ctx: ExecutionContext, replies: Reply[], extra?: Partial<StatusCmd>): number {
    if (cmd.noResp) return code;
    replies.push({
      kind: 'Status',
      cmdID: ctx.nextCmdId(),
      msgRef: ctx.msgRef,
      cmdRef: cmd.cmdID,
      cmd: cmd.kind,
      targetRefs: (extra && extra.targetRefs) || [],
      sourceRefs: (extra && extra.sourceRefs) || [],
      data: String(code),
      items: (extra && extra.items) || [],
    });
    return code;
  }

  private async alert(cmd: Alert, ctx: ExecutionContext, replies: Reply[], out?: ExecutionOutcome): Promise<number> {
    const code = cmd.data || '';
    if (code === AlertCode.NextMessage) {
      if (out) out.nextMessageRequested = true;
      return this.status(cmd, Status.OK, ctx, replies);
    }
    if (code >= AlertCode.Display && code <= AlertCode.MultipleChoice && code.length === 4) {
      const r = await this.ui.handle(cmd);
      if (r.skipRest) this.skipRest = true;
      return this.status(cmd, r.code, ctx, replies, { items: r.items });
    }
    // Alerts a server may not send to a client, or unknown codes (docs/protocol.md §1.7).
    return this.status(cmd, Status.OptionalFeatureNotSupported, ctx, replies);
  }

  private async atomic(cmd: Container, ctx: ExecutionContext, replies: Reply[]): Promise<number> {
    // Nested Atomic or a Get inside Atomic is not allowed (docs/protocol.md §1.5): the whole Atomic fails with 500.
    const illegal = cmd.commands.some((c) => c.kind === 'Atomic' || c.kind === 'Get' || hasNested(c));
    // The tree allows one open transaction: open it only when the Atomic will run.
    const tx = illegal ? null : this.tree.transaction();
    const inner: Reply[] = [];
    let failed = illegal;
    if (!illegal) {
      this.inAtomic = true;
      try {
        for (const c of cmd.commands) {
          if (c.kind === 'Status' || c.kind === 'Results') continue;
          const code = await this.runOne(c, ctx, inner);
          if (code >= 300 && code !== Status.NotExecuted) failed = true;
          if (failed) break;
        }
      } finally {
        this.inAtomic = false;
      }
    }
    if (!failed && tx) {
      await tx.commit();
      const code = this.status(cmd, Status.OK, ctx, replies);
      replies.push(...inner);
      return code;
    }
    const rb = tx ? await tx.rollback() : Status.AtomicRolledBack;
    const code = this.status(cmd, illegal ? Status.CommandFailed : Status.AtomicFailed, ctx, replies);
    // Every child gets a Status: the one that failed keeps its code, executed ones become 216 (or 516), the rest 215.
    // A child answered per Item keeps one Status per Item, each mapped the same way (./item-status.ts).
    for (const c of cmd.commands) {
      if (c.kind === 'Status' || c.kind === 'Results') continue;
      const mine: StatusCmd[] = [];
      for (const r of inner) if (r.kind === 'Status' && r.cmdRef === c.cmdID) mine.push(r);
      if (!mine.length) {
        this.status(c, illegal ? Status.CommandFailed : Status.NotExecuted, ctx, replies);
        continue;
      }
      for (const prev of mine) {
        const was = Number(prev.data);
        const childCode = was >= 300 || was === Status.NotExecuted ? was : rb;
        this.status(c, childCode, ctx, replies, { targetRefs: prev.targetRefs, sourceRefs: prev.sourceRefs });
      }
    }
    return code;
  }

  private async sequence(cmd: Container, ctx: ExecutionContext, replies: Reply[]): Promise<number> {
    const code = this.status(cmd, Status.OK, ctx, replies);
    for (const c of cmd.commands) {
      if (c.kind === 'Status' || c.kind === 'Results') continue;
      await this.runOne(c, ctx, replies);
    }
    return code;
  }

  private async exec(cmd: Exec, ctx: ExecutionContext, replies: Reply[]): Promise<number> {
    if (cmd.items.length !== 1) return this.status(cmd, Status.IncompleteCommand, ctx, replies);
    const item = cmd.items[0];
    const uri = item.target && item.target.locURI;
    if (!uri) return this.status(cmd, Status.IncompleteCommand, ctx, replies);
    const code = await this.tree.exec(uri, { data: item.data, correlator: cmd.correlator }, ctx.access);
    return this.status(cmd, code, ctx, replies, { targetRefs: [uri] });
  }

  private async get(cmd: ItemCommand, ctx: ExecutionContext, replies: Reply[]): Promise<number> {
    // A Status per Item (a missing node no longer hides the others), then one Results with every item that could be
    // read, after the Statuses (docs/protocol.md §1.4; OMA-TS-SyncML_RepPro-V1_2, Status and Results).
    const outcomes: ItemOutcome[] = [];
    const results: Item[] = [];
    for (const item of cmd.items) {
      const uri = item.target && item.target.locURI;
      if (!uri) {
        outcomes.push({ code: Status.IncompleteCommand });
        continue;
      }
      const r = await this.tree.get(uri, ctx.access, (item.meta || cmd.meta || {}).type);
      outcomes.push({ code: r.status, target: uri });
      if (r.status < 300)
        for (const g of r.items) {
          const meta: Item['meta'] = { format: g.format };
          if (g.type) meta.type = g.type;
          results.push({ source: { locURI: g.uri }, meta, data: g.data === undefined ? '' : g.data });
        }
    }
    const code = this.itemStatuses(cmd, outcomes, ctx, replies);
    const anyRead = outcomes.length === 0 || outcomes.some((o) => o.code < 300);
    if (anyRead && !cmd.noResp) {
      replies.push({ kind: 'Results', cmdID: ctx.nextCmdId(), msgRef: ctx.msgRef, cmdRef: cmd.cmdID, targetRefs: [], sourceRefs: [], items: results });
    }
    return code;
  }

  /** The Status(es) of an Item command: one when it had one Item, else one per Item (./item-status.ts). */
  private itemStatuses(cmd: ItemCommand, outcomes: ItemOutcome[], ctx: ExecutionContext, replies: Reply[]): number {
    const code = commandCode(outcomes);
    if (!answersPerItem(outcomes)) {
      const only = outcomes[0];
      return this.status(cmd, code, ctx, replies, { targetRefs: only && only.target ? [only.target] : [] });
    }
    for (const o of outcomes) this.status(cmd, o.code, ctx, replies, itemRefs(o));
    return code;
  }

  /** Whether `cmd` carries the next chunk of the object being received. */
  private continuesChunk(cmd: Command, uri: string): boolean {
    if (cmd.kind !== 'Add' && cmd.kind !== 'Replace') return false;
    return cmd.items.length > 0 && !!cmd.items[0].target && cmd.items[0].target.locURI === uri;
  }

  /**
   * One chunk of a large object (docs/protocol.md §1.10): 213 until the last one, then the whole value (or 424).
   * Sizes count the object's bytes: decoded ones for Format b64 (OMA-TS-DM_TND-V1_2 §7.7.4, src/dm/large-object.ts).
   * A node with a sink gets each chunk as it comes and answers the final status itself; others get the whole value.
   */
  private async takeChunk(kind: 'Add' | 'Replace', uri: string, meta: NonNullable<Item['meta']>, item: Item, ctx: ExecutionContext): Promise<ChunkResult> {
    if (this.refused && this.refused.uri === uri) {
      const code = this.refused.code;
      if (!item.moreData) this.refused = null;
      return { code };
    }
    if (!this.chunk) {
      const refuse = (code: number): ChunkResult => {
        if (item.moreData) this.refused = { uri, code };
        return { code };
      };
      const declared = meta.size !== undefined ? parseInt(meta.size, 10) : undefined;
      // OMA-TS-DM_Protocol-V1_2 "Large Object Handling": an object larger than the MaxObjSize we announced is refused
      // with 413 Request entity too large, before any of it is kept (docs/protocol.md §1.3, §1.6).
      if (declared !== undefined && (!(declared >= 0) || declared > this.maxObjSize)) return refuse(Status.RequestEntityTooLarge);
      const chunk: PendingChunk = { kind, uri, meta, declaredSize: declared, parts: [], decoder: new ChunkDecoder(meta.format) };
      if (this.tree.openLargeObject) {
        const info: LargeObjectInfo = { kind, format: meta.format, type: meta.type };
        if (declared !== undefined) info.size = declared;
        const opened = await this.tree.openLargeObject(uri, info, ctx.access);
        if (typeof opened === 'number') return refuse(opened);
        if (opened) chunk.sink = opened;
      }
      this.chunk = chunk;
    }
    const c = this.chunk;
    const part = item.data === undefined ? '' : item.data;
    try {
      if (c.sink) {
        const bytes = c.decoder.push(part);
        const over = this.overSize(c);
        if (over) return this.fail(over, uri, !!item.moreData);
        await c.sink.write(bytes);
        if (item.moreData) return { code: Status.ChunkAccepted };
        const tail = c.decoder.end();
        if (c.declaredSize !== undefined && !c.decoder.matches(c.declaredSize)) return this.fail(Status.SizeMismatch, uri, false);
        const over2 = this.overSize(c);
        if (over2) return this.fail(over2, uri, false);
        if (tail.length > 0) await c.sink.write(tail);
        this.chunk = null;
        return { code: await c.sink.finish() };
      }
      c.parts.push(part);
      c.decoder.count(part);
      const over = this.overSize(c);
      if (over) return this.fail(over, uri, !!item.moreData);
      if (item.moreData) return { code: Status.ChunkAccepted };
      this.chunk = null;
      if (c.declaredSize !== undefined && !c.decoder.matches(c.declaredSize)) return { code: Status.SizeMismatch };
      return { code: 0, data: joinParts(c.parts) };
    } catch (e) {
      return this.fail(sinkStatus(e), uri, !!item.moreData);
    }
  }

  /** 424 once the object has more bytes than its Size said, 413 once it passes our MaxObjSize; 0 while neither. */
  private overSize(c: PendingChunk): number {
    if (c.declaredSize !== undefined && c.decoder.decoded > c.declaredSize) return Status.SizeMismatch;
    return c.decoder.decoded > this.maxObjSize ? Status.RequestEntityTooLarge : 0;
  }

  /**
   * Drops the object being received (and what its sink wrote) and answers `code` for this chunk; the object's chunks
   * still to come get the same answer (they are not the start of a new object).
   */
  private async fail(code: number, uri: string, more: boolean): Promise<ChunkResult> {
    await this.abandon();
    if (more) this.refused = { uri, code };
    return { code };
  }

  private async itemCommand(cmd: ItemCommand, ctx: ExecutionContext, replies: Reply[]): Promise<number> {
    const outcomes: ItemOutcome[] = [];
    let failed = false;
    for (const item of cmd.items) {
      const uri = item.target && item.target.locURI;
      const src = item.source && item.source.locURI;
      if (!uri) {
        outcomes.push({ code: Status.IncompleteCommand, source: src });
        failed = true;
        continue;
      }
      // Inside an Atomic the whole block is undone after a failure: later Items are not executed (215).
      if (failed && this.inAtomic) {
        outcomes.push({ code: Status.NotExecuted, target: uri, source: src });
        continue;
      }
      const meta = item.meta || cmd.meta || {};
      let data = item.data;
      const chunked = (this.chunk && this.chunk.uri === uri) || (this.refused && this.refused.uri === uri);
      if ((cmd.kind === 'Add' || cmd.kind === 'Replace') && (item.moreData || chunked)) {
        const r = await this.takeChunk(cmd.kind, uri, meta, item, ctx);
        if (r.code !== 0) {
          outcomes.push({ code: r.code, target: uri });
          if (r.code >= 300) failed = true;
          continue;
        }
        data = r.data;
      }
      const value: TreeValue = { format: meta.format, type: meta.type, data };
      let code: number;
      switch (cmd.kind) {
        case 'Add':
          code = await this.tree.add(uri, value, ctx.access);
          break;
        case 'Replace':
          code = await this.tree.replace(uri, value, ctx.access);
          break;
        case 'Delete':
          code = await this.tree.delete(uri, ctx.access);
          break;
        case 'Copy':
          code = src ? await this.tree.copy(uri, src, ctx.access) : Status.IncompleteCommand;
          break;
        default:
          code = Status.NotImplemented;
      }
      outcomes.push({ code, target: uri, source: src });
      if (code >= 300) failed = true;
    }
    return this.itemStatuses(cmd, outcomes, ctx, replies);
  }
}

export interface ChunkResult {
  /**
   * 0 = the object is complete, `data` holds it; otherwise the Status code for this chunk (213, 413, 424), or the
   * final status a sink answered for the whole object.
   */
  code: number;
  data?: string | Uint8Array;
}

function joinParts(parts: Array<string | Uint8Array>): string | Uint8Array {
  if (parts.every((p) => typeof p === 'string')) return (parts as string[]).join('');
  let total = 0;
  const bytes = parts.map((p) => (typeof p === 'string' ? utf8Encode(p) : p));
  for (const b of bytes) total += b.length;
  const out = new Uint8Array(total);
  let o = 0;
  for (const b of bytes) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

function hasNested(c: Command): boolean {
  return (c.kind === 'Sequence' && c.commands.some((x) => x.kind === 'Atomic' || x.kind === 'Get' || hasNested(x))) || false;
}
