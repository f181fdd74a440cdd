// Inventory/Deployed as the tree shows it: every inventory source read afresh (so packages installed or removed
// outside the agent appear at the next read), each component under its persisted <x> (names.ts), with the agent's
// own knowledge laid over it (activation done through SCOMO, PkgIDRef of packages it installed, Status).

import type { Component } from '../inventory/component.js';
import { InventorySource, readInventory } from '../inventory/source.js';
import type { Log } from '../ports.js';
import { DeployedStatus } from './codes.js';
import { assignNames } from './names.js';
import type { ScomoState } from './state.js';

export interface DeployedEntry {
  /** Node name under Inventory/Deployed. */
  x: string;
  /** Full URI, e.g. `./SCOMO/Inventory/Deployed/openssl`. */
  uri: string;
  component: Component;
  /** Deployed/<x>/Status (digest §6.2). */
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

export class DeployedInventory {
  private reported: Record<string, true> = {};

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
    const inv = await readInventory(this.sources);
    for (const p of inv.problems) {
      const key = p.source + '\n' + p.message;
      if (this.reported[key]) continue;
      this.reported[key] = true; // log each distinct problem once, not at every Get
      if (this.log) this.log.log('warn', 'inventory source problem', { source: p.source, problem: p.message });
    }
    const ids = inv.components.map((c) => c.id);
    let doc = await this.state.read();
    if (ids.some((id) => !Object.prototype.hasOwnProperty.call(doc.names, id))) {
      await this.state.update((d) => assignNames(d.names, ids));
      doc = await this.state.read();
    }
    return inv.components.map((c) => {
      const component: Component = { ...c };
      const override = doc.activation[c.id];
      if (override !== undefined) component.state = override;
      const ref = doc.pkgIdRefs[c.id];
      if (ref !== undefined) component.pkgIdRef = ref;
      const x = doc.names[c.id];
      const status = doc.deployedStatus[c.id];
      return { x, uri: this.uriOf(x), component, status: status === undefined ? DeployedStatus.Idle : status };
    });
  }

  async byNode(x: string): Promise<DeployedEntry | null> {
    for (const e of await this.list()) if (e.x === x) return e;
    return null;
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

  /** The <x> of a component ID, assigning one if the component is new (e.g. just installed, not yet listed). */
  async nodeFor(id: string): Promise<string> {
    await this.state.update((d) => assignNames(d.names, [id]));
    return (await this.state.read()).names[id];
  }
}
