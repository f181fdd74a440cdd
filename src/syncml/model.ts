// The typed model of a SyncML DM 1.2 message (docs/protocol.md §1.2). Every value stays a string as it was on the wire:
// SyncML "1.2" is a version string, CmdIDs may be non-numeric in the field, and Data is interpreted only by the
// command that owns it. Children are parsed in any order and emitted in the DTD order of docs/protocol.md §1.2.

/** Item Data: text, or bytes when the wire carried OPAQUE binary (Meta Format `bin`). */
export type Data = string | Uint8Array;

/** MetInf (docs/protocol.md §2.5). Only the elements DM uses are typed; all values are strings. */
export interface Meta {
  format?: string;
  type?: string;
  mark?: string;
  size?: string;
  anchor?: { last?: string; next: string };
  version?: string;
  nextNonce?: string;
  maxMsgSize?: string;
  maxObjSize?: string;
  emi?: string[];
  mem?: { sharedMem?: boolean; freeMem: string; freeID: string };
  fieldLevel?: boolean;
}

export interface LocRef {
  locURI: string;
  locName?: string;
}

export interface Item {
  target?: LocRef;
  source?: LocRef;
  meta?: Meta;
  data?: Data;
  moreData?: boolean;
}

export interface Cred {
  meta?: Meta;
  data: string;
}

export interface Chal {
  meta: Meta;
}

export interface SyncHdr {
  verDTD: string;
  verProto: string;
  sessionID: string;
  msgID: string;
  target: LocRef;
  source: LocRef;
  respURI?: string;
  noResp?: boolean;
  cred?: Cred;
  meta?: Meta;
}

interface CommandBase {
  cmdID: string;
  noResp?: boolean;
}

/** Add, Replace, Copy, Delete, Get: a command over one or more Items. */
export interface ItemCommand extends CommandBase {
  kind: 'Add' | 'Replace' | 'Copy' | 'Delete' | 'Get';
  cred?: Cred;
  meta?: Meta;
  items: Item[];
}

export interface Alert extends CommandBase {
  kind: 'Alert';
  cred?: Cred;
  /** The alert code, e.g. "1201", "1226", "1101". */
  data?: string;
  correlator?: string;
  items: Item[];
}

export interface Exec extends CommandBase {
  kind: 'Exec';
  cred?: Cred;
  meta?: Meta;
  correlator?: string;
  /** Exactly one in a valid message; kept as a list so a malformed count can be reported, not crashed on. */
  items: Item[];
}

export interface Container extends CommandBase {
  kind: 'Atomic' | 'Sequence';
  meta?: Meta;
  commands: Command[];
}

export interface Status {
  kind: 'Status';
  cmdID: string;
  msgRef: string;
  cmdRef: string;
  cmd: string;
  targetRefs: string[];
  sourceRefs: string[];
  cred?: Cred;
  chal?: Chal;
  /** The status code, e.g. "200". */
  data: string;
  items: Item[];
}

export interface Results {
  kind: 'Results';
  cmdID: string;
  msgRef?: string;
  cmdRef: string;
  meta?: Meta;
  targetRefs: string[];
  sourceRefs: string[];
  items: Item[];
}

export type Command = ItemCommand | Alert | Exec | Container | Status | Results;

export interface SyncML {
  hdr: SyncHdr;
  body: Command[];
  final: boolean;
}

/** Names of the commands a DM 1.2 message may carry, in the model's `kind`. */
export const COMMAND_KINDS = [
  'Add',
  'Alert',
  'Atomic',
  'Copy',
  'Delete',
  'Exec',
  'Get',
  'Replace',
  'Sequence',
  'Status',
  'Results',
] as const;
