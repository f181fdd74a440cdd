// ./DevInfo (docs/protocol.md §4.1, urn:oma:mo:oma-dm-devinfo:1.0): live, read-only leaves from the device facts.
// Package 1 carries DevId, Man, Mod, DmV and Lang in a Replace (docs/protocol.md §1.9); devInfoItems() gives those items.

import type { DeviceFacts } from '../ports/runtime.js';
import type { DmTree } from '../tree/dm-tree.js';
import { createLivePlugin, type LiveInterior, type LiveNode } from '../tree/live-plugin.js';
import type { GetItem } from '../tree/node.js';
import type { FactsCache } from '../device/facts-cache.js';

export const DEVINFO_URN = 'urn:oma:mo:oma-dm-devinfo:1.0';
export const DEVINFO_ROOT = './DevInfo';
/** The leaves package 1 reports, in the order of the digest's example. */
export const DEVINFO_PKG1_LEAVES = ['DevId', 'Man', 'Mod', 'DmV', 'Lang'] as const;

export interface DevInfoOptions {
  /** DmV: the DM client's own version string (vendor text). */
  dmVersion: string;
  /** Vendor extensions under ./DevInfo/Ext, name -> text. */
  ext?: Record<string, (facts: DeviceFacts) => string>;
}

function leafValues(facts: DeviceFacts, dmVersion: string): Record<(typeof DEVINFO_PKG1_LEAVES)[number], string> {
  return { DevId: facts.devId, Man: facts.manufacturer, Mod: facts.model, DmV: dmVersion, Lang: facts.lang };
}

export function devInfoShape(facts: FactsCache, options: DevInfoOptions): LiveInterior {
  const children: Record<string, LiveNode> = {};
  for (const name of DEVINFO_PKG1_LEAVES) {
    children[name] = { read: async () => ({ format: 'chr', data: leafValues(await facts.get(), options.dmVersion)[name] }) };
  }
  const ext: Record<string, LiveNode> = {};
  const extSpec = options.ext || {};
  for (const name of Object.keys(extSpec)) ext[name] = { read: async () => ({ format: 'chr', data: extSpec[name](await facts.get()) }) };
  children.Ext = { children: ext };
  return { children, type: DEVINFO_URN, acl: 'Get=*' };
}

/** Mounts ./DevInfo on the tree (every server may Get it; nothing else). */
export function mountDevInfo(tree: DmTree, facts: FactsCache, options: DevInfoOptions): void {
  tree.mount(DEVINFO_ROOT, createLivePlugin(devInfoShape(facts, options)));
}

/** The Replace items of package 1: Source/LocURI, Format chr, Data (docs/protocol.md §1.9, §4.1). */
export function devInfoItems(facts: DeviceFacts, dmVersion: string): GetItem[] {
  const values = leafValues(facts, dmVersion);
  return DEVINFO_PKG1_LEAVES.map((name) => ({ uri: DEVINFO_ROOT + '/' + name, format: 'chr', type: 'text/plain', data: values[name] }));
}
