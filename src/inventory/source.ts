// The inventory port: anything that can list installed components (dpkg, opkg, a manifest folder, a vendor tool).
// Several sources are combined into one Deployed list; a broken source is reported, not allowed to hide the others.

import { Component } from './component.js';

export interface InventorySource {
  /** Short name used in problem reports, e.g. `dpkg:/var/lib/dpkg/status`. */
  readonly name: string;
  /** Current components. Called at every read so changes made outside the agent show up (adapters may cache by mtime). */
  list(): Promise<Component[]>;
}

export interface InventoryProblem {
  source: string;
  message: string;
}

export interface CombinedInventory {
  components: Component[];
  /** Sources that failed, and components dropped because an earlier source already had their ID. */
  problems: InventoryProblem[];
}

/** Reads every source in order; the first source to report an ID owns it (later duplicates are reported). */
export async function readInventory(sources: InventorySource[]): Promise<CombinedInventory> {
  const components: Component[] = [];
  const problems: InventoryProblem[] = [];
  const owner: Record<string, string> = {};
  for (const source of sources) {
    let list: Component[];
    try {
      list = await source.list();
    } catch (e) {
      problems.push({ source: source.name, message: (e as Error).message });
      continue;
    }
    for (const c of list) {
      if (Object.prototype.hasOwnProperty.call(owner, c.id)) {
        problems.push({ source: source.name, message: `component ID ${JSON.stringify(c.id)} already reported by ${owner[c.id]}; ignored` });
        continue;
      }
      owner[c.id] = source.name;
      components.push(c);
    }
  }
  return { components, problems };
}

/** A fixed list, for tests and for components the agent itself knows (e.g. its own version). */
export function staticSource(name: string, components: Component[]): InventorySource {
  return { name, list: async () => components.map((c) => ({ ...c })) };
}
