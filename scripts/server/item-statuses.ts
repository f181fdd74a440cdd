// Which Statuses a command of ours may get (OMA-TS-SyncML_RepPro-V1_2, Status, Restrictions): one for the whole command,
// or, for a command with several Items, one per Item named by its TargetRef/SourceRef. A second Status is a duplicate
// only when it names no Item, the command had one Item, the whole command was already answered, or the same Item twice.
import type { Command, Item, Status } from '../../src/syncml/model.js';

/** Statuses already received for one command: whether one covered the whole command, and the Items named so far. */
export interface StatusesSeen {
  whole: boolean;
  items: Set<string>;
}

function itemCount(c: Command): number {
  const items = (c as { items?: Item[] }).items;
  return items ? items.length : 0;
}

/** Records `s` against the command; returns why it is a duplicate, or undefined when it is allowed. */
export function noteStatus(seen: StatusesSeen, cmd: Command, s: Status): string | undefined {
  const refs = s.targetRefs.join(',') + '|' + s.sourceRefs.join(',');
  const perItem = itemCount(cmd) > 1 && refs !== '|';
  const first = !seen.whole && seen.items.size === 0;
  if (!perItem) {
    const dup = first ? undefined : 'a Status for the whole command after another';
    seen.whole = true;
    return dup;
  }
  const name = [...s.targetRefs, ...s.sourceRefs].join(', ');
  if (seen.whole) return `a Status for the Item ${name} after one for the whole command`;
  if (seen.items.has(refs)) return `a second Status for the Item ${name}`;
  seen.items.add(refs);
  return undefined;
}
