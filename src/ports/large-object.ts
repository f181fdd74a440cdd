// A large object taken chunk by chunk (OMA-TS-DM_Protocol-V1_2 "Large Object Handling", docs/protocol.md §1.10): the
// shape a DM tree node that stores large values outside memory supplies (a package streamed to a staging file,
// src/update/delivery.ts) and the executor hands the decoded chunks to (src/dm/executor.ts). It is on this page because
// both sides need it and src/dm may not import src/tree (the import table of docs/architecture.md).
// A rejection with a numeric `status` answers that DM status (e.g. 413 beyond the package cap, 420 no space), else 500.

/** Where the chunks of one object go as they arrive. */
export interface LargeObjectSink {
  /** The next decoded bytes of the object, in order; the sink does not keep `bytes` after the promise settles. */
  write(bytes: Uint8Array): Promise<void>;
  /** Every chunk arrived and the size matched the declared one: commit; answers the command's DM status. */
  finish(): Promise<number>;
  /** The object will not be completed (424, 413, 1225, the session ended): drop what was written. */
  abort(): Promise<void>;
}

/** What a node is told when the first chunk of an object for it arrives. */
export interface LargeObjectInfo {
  kind: 'Add' | 'Replace';
  format?: string;
  type?: string;
  /** Meta Size of the first chunk (decoded bytes, OMA-TS-DM_TND-V1_2 §7.7.4), when the server sent one. */
  size?: number;
}
