// Node names for Inventory/Deployed/<x> and Delivered/<x>. A DM node name may not contain `/` (docs/protocol.md §1.12) and
// servers store the URI they were given, so a component keeps its <x> for life: the mapping id → x is persisted
// and never reassigned, even after the component is removed (a reinstall gets its old <x> back).

const MAX_NAME = 48;

/** A readable node name for a component ID: letters, digits, `.`, `_`, `-`; others become `_`. */
export function nodeNameFor(id: string): string {
  let s = id.replace(/[^A-Za-z0-9._-]/g, '_');
  if (s === '' || s === '.' || s === '..') s = 'c';
  return s.length > MAX_NAME ? s.slice(0, MAX_NAME) : s;
}

/**
 * Gives every ID in `ids` a name, keeping the ones already in `names` (mutated in place). Returns true when a new
 * name was added (the caller then persists the mapping).
 */
export function assignNames(names: Record<string, string>, ids: string[]): boolean {
  const taken: Record<string, true> = {};
  for (const k of Object.keys(names)) taken[names[k]] = true;
  let changed = false;
  for (const id of ids) {
    if (Object.prototype.hasOwnProperty.call(names, id)) continue;
    const base = nodeNameFor(id);
    let name = base;
    for (let n = 2; taken[name]; n++) {
      const suffix = '-' + n;
      name = base.slice(0, MAX_NAME - suffix.length) + suffix;
    }
    names[id] = name;
    taken[name] = true;
    changed = true;
  }
  return changed;
}
