// Builders for the commands a DM 1.2 server sends (docs/protocol.md §1.5) and the Status it writes for client commands
// (docs/protocol.md §1.4). Builders leave CmdID empty: the session numbers every command of a message from 1 upwards when
// the message is assembled (LIBDMC style, docs/protocol.md §1.4), so scenarios never have to count.
import type { Alert, Command, Container, Data, Exec, Item, ItemCommand, Meta, Status } from '../../src/syncml/model.js';

export interface LeafValue {
  uri: string;
  data: Data;
  format?: string;
  type?: string;
}

function leafItem(v: LeafValue): Item {
  const meta: Meta = {};
  if (v.format) meta.format = v.format;
  if (v.type) meta.type = v.type;
  const item: Item = { target: { locURI: v.uri }, data: v.data };
  if (meta.format || meta.type) item.meta = meta;
  return item;
}

/** Replace of one or more leaves (docs/protocol.md §1.5). Format defaults to chr (the DM default may be omitted, §1.12). */
export function replace(...values: LeafValue[]): ItemCommand {
  return { kind: 'Replace', cmdID: '', items: values.map((v) => leafItem({ format: 'chr', ...v })) };
}

/** Add: interior nodes get Format `node` and no Data; leaves Format chr unless given. */
export function add(...values: Array<LeafValue | { uri: string; node: true }>): ItemCommand {
  return {
    kind: 'Add',
    cmdID: '',
    items: values.map((v) =>
      'node' in v ? { target: { locURI: v.uri }, meta: { format: 'node' } } : leafItem({ format: 'chr', ...v }),
    ),
  };
}

export function get(...uris: string[]): ItemCommand {
  return { kind: 'Get', cmdID: '', items: uris.map((u) => ({ target: { locURI: u } })) };
}

export function del(...uris: string[]): ItemCommand {
  return { kind: 'Delete', cmdID: '', items: uris.map((u) => ({ target: { locURI: u } })) };
}

/** Exec of one node, with a Correlator when the result comes back later in a Generic Alert (docs/protocol.md §5.3). */
export function exec(uri: string, correlator?: string, data?: string): Exec {
  const item: Item = { target: { locURI: uri } };
  if (data !== undefined) item.data = data;
  const cmd: Exec = { kind: 'Exec', cmdID: '', items: [item] };
  if (correlator !== undefined) cmd.correlator = correlator;
  return cmd;
}

export function atomic(...commands: Command[]): Container {
  return { kind: 'Atomic', cmdID: '', commands };
}

export function sequence(...commands: Command[]): Container {
  return { kind: 'Sequence', cmdID: '', commands };
}

/** User-interaction alert 1100-1104 (docs/protocol.md §1.8): Item 1 = parameters, Item 2 = text, Items 3.. = choices. */
export function uiAlert(code: '1100' | '1101' | '1102' | '1103' | '1104', params: string, text: string, choices: string[] = []): Alert {
  const items: Item[] = [{ data: params }, { data: text }];
  for (const c of choices) items.push({ data: c });
  return { kind: 'Alert', cmdID: '', data: code, items };
}

/** Alert 1222 (next message) or 1223 (session abort), without Items (docs/protocol.md §1.9, MOTO). */
export function controlAlert(code: '1222' | '1223'): Alert {
  return { kind: 'Alert', cmdID: '', data: code, items: [] };
}

export function status(
  msgRef: string,
  cmdRef: string,
  cmd: string,
  code: number,
  extra: Partial<Pick<Status, 'targetRefs' | 'sourceRefs' | 'chal' | 'items'>> = {},
): Status {
  return {
    kind: 'Status',
    cmdID: '',
    msgRef,
    cmdRef,
    cmd,
    targetRefs: extra.targetRefs || [],
    sourceRefs: extra.sourceRefs || [],
    chal: extra.chal,
    data: String(code),
    items: extra.items || [],
  };
}

/** Numbers the commands of one message 1, 2, 3... including those inside Atomic/Sequence (docs/protocol.md §1.4). */
export function numberCommands(commands: Command[], start = 1): number {
  let n = start;
  for (const c of commands) {
    c.cmdID = String(n++);
    if (c.kind === 'Atomic' || c.kind === 'Sequence') n = numberCommands(c.commands, n);
  }
  return n;
}

/** Every command of a list, containers first and then their children, flattened. */
export function flatten(commands: Command[]): Command[] {
  const out: Command[] = [];
  for (const c of commands) {
    out.push(c);
    if (c.kind === 'Atomic' || c.kind === 'Sequence') out.push(...flatten(c.commands));
  }
  return out;
}

/** First target URI of a command, for records and log lines. */
export function targetOf(c: Command): string | undefined {
  if (c.kind === 'Atomic' || c.kind === 'Sequence' || c.kind === 'Status' || c.kind === 'Results') return undefined;
  const it = (c as { items: Item[] }).items[0];
  return it && it.target ? it.target.locURI : undefined;
}

/** A deep copy of a command (builders may be reused by scenarios; numbering mutates). */
export function cloneCommand<T extends Command>(c: T): T {
  return JSON.parse(JSON.stringify(c, (_k, v) => (v instanceof Uint8Array ? { __bytes: Array.from(v) } : v)), (_k, v) =>
    v && typeof v === 'object' && Array.isArray(v.__bytes) ? Uint8Array.from(v.__bytes) : v,
  ) as T;
}
