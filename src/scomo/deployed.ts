// Inventory/Deployed as the tree shows it: every inventory source read afresh (so packages installed or removed
// outside the agent appear at the next read), each component under its persisted <x> (names.ts), with the agent's
// own knowledge laid over it (activation done through SCOMO, PkgIDRef of packages it installed, Status).

import type { Component } from '../inventory/component.js';
import { InventorySource, SourceAnswer, askSources, combineAnswers } from '../inventory/source.js';
import type { Log } from '../ports/runtime.js';
import { DeployedStatus } from './codes.js';
import { assignNames } from './names.js';
import type { ScomoState } from './state.js';

export interface DeployedEntry {
  /** Node name under Inventory/Deployed. */
  x: string;
  /** Full URI, e.g. `./SCOMO/Inventory/Deployed/openssl`. */
  uri: string;
  component: Component;
  /** Deployed/<x>/Status (docs/protocol.md §6.2). */
  status: number;
}

export class AmbiguousComponentError extends Error {
  constructor(
    readonly query: string,
    readonly candidates: string[],
  ) {
    super(`${JSON.stringify(query)} names several components (${candidates.join(', ')}); use the component ID`);
    this.name = 'AmbiguousComponentError';
  }
}

interface Snapshot {
  answers: SourceAnswer[];
  rev: number;
  entries: DeployedEntry[];
  byNode: Record<string, DeployedEntry>;
  names: string[];
}

export class DeployedInventory {
  private reported: Record<string, true> = {};
  private last: Snapshot | null = null;

  constructor(
    private readonly sources: InventorySource[],
    private readonly state: ScomoState,
    private readonly rootUri: string,
    private readonly log?: Log,
  ) {}

  uriOf(x: string): string {
    return `${this.rootUri}/Inventory/Deployed/${x}`;
  }

  /** The current Deployed list; assigns and persists <x> names for components seen for the first time. */
  async list(): Promise<DeployedEntry[]> {
    return (await this.snapshot()).entries;
  }

  /** Node names under Inventory/Deployed, in inventory order (one shared array per snapshot: do not mutate). */
  async nodeNames(): Promise<string[]> {
    return (await this.snapshot()).names;
  }

  async byNode(x: string): Promise<DeployedEntry | null> {
    const snap = await this.snapshot();
    return Object.prototype.hasOwnProperty.call(snap.byNode, x) ? snap.byNode[x] : null;
  }

  /**
   * Sources are asked at every call (so outside changes show at the next read), but the entries are rebuilt only
   * when a source answered with a different array or the SCOMO state changed: a `?list=StructData` over hundreds of
   * packages asks thousands of times and must not rebuild thousands of times.
   */
  private async snapshot(): Promise<Snapshot> {
    const answers = await askSources(this.sources);
    let doc = await this.state.read();
    const last = this.last;
    if (last && last.rev === this.state.rev() && answers.length === last.answers.length) {
      let same = true;
      for (let i = 0; i < answers.length && same; i++)
        same = answers[i].components !== undefined && answers[i].components === last.answers[i].components;
      if (same) return last;
    }
    const inv = combineAnswers(answers);
    for (const p of inv.problems) {
      const key = p.source + '\n' + p.message;
      if (this.reported[key]) continue;
      this.reported[key] = true; // log each distinct problem once, not at every Get
      if (this.log) this.log.log('warn', 'inventory source problem', { source: p.source, problem: p.message });
    }
    const ids = inv.components.map((c) => c.id);
    if (ids.some((id) => !Object.prototype.hasOwnProperty.call(doc.names, id))) {
      await this.state.update((d) => assignNames(d.names, ids));
      doc = await this.state.read();
    }
    const entries = inv.components.map((c) => {
      const component: Component = { ...c };
      const override = doc.activation[c.id];
      if (override !== undefined) component.state = override;
      const ref = doc.pkgIdRefs[c.id];
      if (ref !== undefined) component.pkgIdRef = ref;
      const x = doc.names[c.id];
      const status = doc.deployedStatus[c.id];
      return { x, uri: this.uriOf(x), component, status: status === undefined ? DeployedStatus.Idle : status };
    });
    const byNode: Record<string, DeployedEntry> = {};
    for (const e of entries) byNode[e.x] = e;
    const snap: Snapshot = { answers, rev: this.state.rev(), entries, byNode, names: entries.map((e) => e.x) };
    this.last = snap;
    return snap;
  }

  /**
   * Finds a component by exact ID, else by exact Name, else by Name ignoring case (the `--component` CLI option).
   * Returns null when nothing matches; throws AmbiguousComponentError when a name matches several IDs.
   */
  async findDeployed(idOrName: string): Promise<{ x: string; uri: string; component: Component } | null> {
    const all = await this.list();
    for (const e of all) if (e.component.id === idOrName) return { x: e.x, uri: e.uri, component: e.component };
    const exact = all.filter((e) => e.component.name === idOrName);
    const pool = exact.length > 0 ? exact : all.filter((e) => e.component.name.toLowerCase() === idOrName.toLowerCase());
    if (pool.length > 1) throw new AmbiguousComponentError(idOrName, pool.map((e) => e.component.id));
    if (pool.length === 1) return { x: pool[0].x, uri: pool[0].uri, component: pool[0].component };
    return null;
  }

  /** Makes the next read ask every source afresh (after the agent installed or removed something itself). */
  invalidate(): void {
    for (const s of this.sources) if (s.refresh) s.refresh();
    this.last = null;
  }

  /** The <x> of a component ID, assigning one if the component is new (e.g. just installed, not yet listed). */
  async nodeFor(id: string): Promise<string> {
    await this.state.update((d) => assignNames(d.names, [id]));
    return (await this.state.read()).names[id];
  }
}
