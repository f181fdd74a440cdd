// Large objects received by the executor (issue 20 item 5), as one scenario that runs on Node and bundled in qjs
// (test/large-object.qjs-entry.ts) so both runtimes give the same answers: Format b64 objects are counted in decoded
// bytes (OMA-TS-DM_TND-V1_2 §7.7.4: Size is the unencoded value's), our MaxObjSize is what the executor enforces, and
// a node with a sink gets the object chunk by chunk.
import { CommandExecutor, type ManagementTree, type TreeValue } from '../src/dm/executor.js';
import { ChunkDecoder } from '../src/dm/large-object.js';
import type { LargeObjectSink } from '../src/ports/large-object.js';
import type { Command, Item } from '../src/syncml/model.js';
import { base64Encode } from '../src/bytes.js';

const MiB = 1024 * 1024;

/** Deterministic bytes: the same object on every runtime. */
export function objectBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = 0x2545f491;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** A checksum both runtimes compute alike (the object's content, not only its length). */
function sum(bytes: Uint8Array, seed = 0): number {
  let h = seed >>> 0;
  for (let i = 0; i < bytes.length; i++) h = (Math.imul(h, 31) + bytes[i]) >>> 0;
  return h;
}

interface Stored {
  uri: string;
  format?: string;
  bytes: number;
  sum: number;
}

function fakeTree(opts: { sink?: boolean }) {
  const stored: Stored[] = [];
  const sinkLog: string[] = [];
  const tree: ManagementTree = {
    async get() {
      return { status: 404, items: [] };
    },
    async add() {
      return 200;
    },
    async replace(uri: string, value: TreeValue) {
      const d = value.data === undefined ? new Uint8Array(0) : typeof value.data === 'string' ? new ChunkDecoder('b64').push(value.data) : value.data;
      stored.push({ uri, format: value.format, bytes: d.length, sum: sum(d) });
      return 200;
    },
    async delete() {
      return 200;
    },
    async copy() {
      return 200;
    },
    async exec() {
      return 200;
    },
    transaction() {
      return { commit: async () => undefined, rollback: async () => 200 };
    },
  };
  if (opts.sink) {
    tree.openLargeObject = async (uri, info) => {
      if (uri === './Refused') return 405;
      let bytes = 0;
      let h = 0;
      let writes = 0;
      let largest = 0;
      const sink: LargeObjectSink = {
        async write(b) {
          bytes += b.length;
          h = sum(b, h);
          writes++;
          largest = Math.max(largest, b.length);
        },
        async finish() {
          sinkLog.push(`finish ${uri} ${bytes} bytes in ${writes} writes, largest ${largest}`);
          stored.push({ uri, format: info.format, bytes, sum: h });
          return 200;
        },
        async abort() {
          sinkLog.push(`abort ${uri} after ${bytes} bytes`);
        },
      };
      sinkLog.push(`open ${uri} size ${info.size === undefined ? '-' : info.size}`);
      return sink;
    };
  }
  return { tree, stored, sinkLog };
}

/**
 * The object as base64 in chunks of about 64 KiB characters whose ends fall inside 4-character groups (the first
 * has 65537 characters, the others start one character later). Built chunk by chunk: QuickJS 2021 copies a string
 * on every `+=`, so one 4 MiB string would take minutes.
 */
export function b64Chunks(obj: Uint8Array): string[] {
  const aligned: string[] = [];
  for (let off = 0; off < obj.length; off += 49152) aligned.push(base64Encode(obj.subarray(off, off + 49152)));
  return aligned.map((p, i) => (i === 0 ? p : p.slice(1)) + (i + 1 < aligned.length ? aligned[i + 1][0] : ''));
}

/** The messages a server sends for one object: one chunk per message, Size (if any) on the first. */
function chunked(uri: string, chunks: string[], size: string | undefined): Command[][] {
  return chunks.map((data, i) => {
    const item: Item = { target: { locURI: uri }, meta: { format: 'b64' }, data };
    if (i === 0 && size !== undefined) item.meta!.size = size;
    if (i + 1 < chunks.length) item.moreData = true;
    return [{ kind: 'Replace', cmdID: String(i + 1), items: [item] }];
  });
}

/** Runs the messages; answers the Status codes in order (one per chunk) and what was stored. */
async function deliver(ex: CommandExecutor, msgs: Command[][]): Promise<string[]> {
  const codes: string[] = [];
  let id = 0;
  for (let i = 0; i < msgs.length; i++) {
    const out = await ex.run(msgs[i], { msgRef: String(i + 1), access: { serverId: 'srv' }, nextCmdId: () => String(++id) });
    for (const r of out.replies) codes.push(r.kind === 'Status' ? r.data : `${r.kind} ${r.kind === 'Alert' ? r.data : ''}`.trim());
  }
  return codes;
}

/** Run-length summary of the codes ("213 x63, 200") so the answers stay short. */
function runs(codes: string[]): string {
  const out: string[] = [];
  for (let i = 0; i < codes.length; ) {
    let j = i;
    while (j < codes.length && codes[j] === codes[i]) j++;
    out.push(j - i > 1 ? `${codes[i]} x${j - i}` : codes[i]);
    i = j;
  }
  return out.join(', ');
}

export async function runLargeObjectScenario(): Promise<Record<string, unknown>> {
  const obj = objectBytes(3 * MiB);
  const text = b64Chunks(obj);
  let chars = 0;
  for (const c of text) chars += c.length;
  const out: Record<string, unknown> = { objectSum: sum(obj), b64Chars: chars, chunks: text.length };

  // 1. 3 MiB (b64, Size = decoded bytes) with MaxObjSize 8 MiB, kept in memory: every chunk 213, then 200.
  {
    const t = fakeTree({});
    const codes = await deliver(new CommandExecutor(t.tree, { handle: async () => ({ code: 200, items: [], skipRest: false }) }, 8 * MiB), chunked('./Obj', text, String(obj.length)));
    out.buffered = { codes: runs(codes), stored: t.stored };
  }
  // 2. The same through a sink: chunk by chunk, never the whole object at once.
  {
    const t = fakeTree({ sink: true });
    const codes = await deliver(new CommandExecutor(t.tree, { handle: async () => ({ code: 200, items: [], skipRest: false }) }, 8 * MiB), chunked('./Obj', text, String(obj.length)));
    out.sink = { codes: runs(codes), stored: t.stored, log: t.sinkLog };
  }
  // 3. Size one byte short of the object: 424 exactly at the chunk that passes it (the last), nothing stored.
  for (const sink of [false, true]) {
    const t = fakeTree({ sink });
    const codes = await deliver(new CommandExecutor(t.tree, { handle: async () => ({ code: 200, items: [], skipRest: false }) }, 8 * MiB), chunked('./Obj', text, String(obj.length - 1)));
    out[sink ? 'shortSink' : 'short'] = { codes: runs(codes), stored: t.stored, log: t.sinkLog };
  }
  // 4. Size one byte more than the object: the last chunk gets 424, nothing stored.
  for (const sink of [false, true]) {
    const t = fakeTree({ sink });
    const codes = await deliver(new CommandExecutor(t.tree, { handle: async () => ({ code: 200, items: [], skipRest: false }) }, 8 * MiB), chunked('./Obj', text, String(obj.length + 1)));
    out[sink ? 'longSink' : 'long'] = { codes: runs(codes), stored: t.stored, log: t.sinkLog };
  }
  // 5. Size half the object: 424 at the chunk that passes 1.5 MiB decoded, and its later chunks too (not a new object).
  {
    const t = fakeTree({ sink: true });
    const codes = await deliver(new CommandExecutor(t.tree, { handle: async () => ({ code: 200, items: [], skipRest: false }) }, 8 * MiB), chunked('./Obj', text, String(obj.length / 2)));
    out.half = { codes: runs(codes), stored: t.stored, log: t.sinkLog };
  }
  // 6. MaxObjSize honoured: 2 MiB refuses the 3 MiB object with 413 at its first chunk (declared Size) and every
  //    later chunk of it; without a Size at the chunk that passes 2 MiB decoded.
  for (const withSize of [true, false]) {
    const t = fakeTree({ sink: true });
    const codes = await deliver(new CommandExecutor(t.tree, { handle: async () => ({ code: 200, items: [], skipRest: false }) }, 2 * MiB), chunked('./Obj', text, withSize ? String(obj.length) : undefined));
    out[withSize ? 'maxObjSize' : 'maxObjSizeNoSize'] = { codes: runs(codes), stored: t.stored, log: t.sinkLog };
  }
  // 7. The default MaxObjSize (1 MiB) when none is given.
  {
    const t = fakeTree({});
    const codes = await deliver(new CommandExecutor(t.tree, { handle: async () => ({ code: 200, items: [], skipRest: false }) }), chunked('./Obj', text, String(obj.length)));
    out.defaultMax = { codes: runs(codes), stored: t.stored };
  }
  // 8. A node that refuses the object at its first chunk: every chunk gets its answer; a new command ends the
  //    object being received through a sink with 1225 and aborts the sink.
  {
    const t = fakeTree({ sink: true });
    const ex = new CommandExecutor(t.tree, { handle: async () => ({ code: 200, items: [], skipRest: false }) }, 8 * MiB);
    const refused = await deliver(ex, chunked('./Refused', text.slice(0, 3), '100000'));
    const msgs = chunked('./Obj', text, String(obj.length)).slice(0, 2);
    msgs.push([{ kind: 'Replace', cmdID: '9', items: [{ target: { locURI: './Other' }, meta: { format: 'b64' }, data: base64Encode(objectBytes(6)) }] }]);
    const cut = await deliver(ex, msgs);
    out.refusedAndCut = { refused: runs(refused), cut: runs(cut), stored: t.stored, log: t.sinkLog };
  }
  return out;
}
