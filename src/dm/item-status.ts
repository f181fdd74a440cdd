// What each Item of a server command came to, and how that becomes Status elements. OMA-TS-SyncML_RepPro-V1_2 (Status,
// Restrictions): when the Items of one command end with different codes a Status MUST be returned for each Item, named by
// its TargetRef/SourceRef; one Status for the whole command carries no TargetRef/SourceRef. Like other DM clients we
// answer a command with several Items one Status per Item always, so a server can match every code to its node.
import { Status } from './codes.js';

/** One Item's result: its status code and the addresses the Item carried. */
export interface ItemOutcome {
  code: number;
  target?: string;
  source?: string;
}

/** True when the command gets one Status per Item rather than one Status for the whole command. */
export function answersPerItem(outcomes: ItemOutcome[]): boolean {
  return outcomes.length > 1;
}

/**
 * The code that stands for the whole command (what an enclosing Atomic judges success by): the first failure
 * (>= 300) if any, else the first code that is not a plain 200 (213 chunk, 202 accepted), else 200.
 */
export function commandCode(outcomes: ItemOutcome[]): number {
  for (const o of outcomes) if (o.code >= 300) return o.code;
  for (const o of outcomes) if (o.code !== Status.OK) return o.code;
  return Status.OK;
}

/** TargetRef/SourceRef of the Status for one Item. */
export function itemRefs(o: ItemOutcome): { targetRefs: string[]; sourceRefs: string[] } {
  return { targetRefs: o.target ? [o.target] : [], sourceRefs: o.source ? [o.source] : [] };
}
