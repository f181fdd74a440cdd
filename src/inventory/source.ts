// The inventory port: anything that can list installed components (dpkg, opkg, a manifest folder, a vendor tool).
// Several sources are combined into one Deployed list; a broken source is reported, not allowed to hide the others.

import type { InventorySource } from '../ports/inventory.js';
export type { InventorySource } from '../ports/inventory.js';
import { Component } from './component.js';


/** Options of the file-backed adapters (Node and QuickJS). */
export interface FileSourceOptions {
  /**
   * Within this many milliseconds of the last check, list() answers from its cache without even a stat() (default
   * 1000). A server's `?list=StructData` over hundreds of packages makes tens of thousands of reads; outside changes
   * still show within this window. 0 = check the file at every read.
   */
  recheckMs?: number;
  /** Clock for the window (default: the runtime's). */
  now?: () => number;
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

/** One source's answer: its components, or the error it failed with. */
export interface SourceAnswer {
  source: string;
  components?: Component[];
  error?: string;
}

export async function askSources(sources: InventorySource[]): Promise<SourceAnswer[]> {
  const out: SourceAnswer[] = [];
  for (const source of sources) {
    try {
      out.push({ source: source.name, components: await source.list() });
    } catch (e) {
      out.push({ source: source.name, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return out;
}

/** Combines answers in order; the first source to report an ID owns it (later duplicates are reported). */
export function combineAnswers(answers: SourceAnswer[]): CombinedInventory {
  const components: Component[] = [];
  const problems: InventoryProblem[] = [];
  const owner: Record<string, string> = {};
  for (const a of answers) {
    if (a.error !== undefined || !a.components) {
      problems.push({ source: a.source, message: a.error || 'no answer' });
      continue;
    }
    for (const c of a.components) {
      if (Object.prototype.hasOwnProperty.call(owner, c.id)) {
        problems.push({ source: a.source, message: `component ID ${JSON.stringify(c.id)} already reported by ${owner[c.id]}; ignored` });
        continue;
      }
      owner[c.id] = a.source;
      components.push(c);
    }
  }
  return { components, problems };
}

/** Reads every source in order and combines them (combineAnswers); a broken source is reported, not fatal. */
export async function readInventory(sources: InventorySource[]): Promise<CombinedInventory> {
  return combineAnswers(await askSources(sources));
}

/** A fixed list, for tests and for components the agent itself knows (e.g. its own version). */
export function staticSource(name: string, components: Component[]): InventorySource {
  const fixed = components.map((c) => ({ ...c }));
  return { name, list: async () => fixed };
}
