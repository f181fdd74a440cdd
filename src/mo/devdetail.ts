// ./DevDetail (docs/protocol.md §4.2, urn:oma:mo:oma-dm-devdetail:1.0): live, read-only. FwV/SwV matter to FUMO servers;
// URI/MaxDepth, MaxTotLen, MaxSegLen report the very limits the tree enforces (414), so they cannot disagree.

import type { DeviceFacts } from '../ports/runtime.js';
import type { DmTree } from '../tree/dm-tree.js';
import { createLivePlugin, type LiveInterior, type LiveNode } from '../tree/live-plugin.js';
import type { UriLimits } from '../tree/uri.js';
import type { FactsCache } from '../device/facts-cache.js';

export const DEVDETAIL_URN = 'urn:oma:mo:oma-dm-devdetail:1.0';
export const DEVDETAIL_ROOT = './DevDetail';

export interface DevDetailOptions {
  /** LrgObj: whether the session engine accepts large objects (docs/protocol.md §1.10). Default false. */
  largeObjects?: boolean;
  /** Vendor extensions under ./DevDetail/Ext, name -> text. */
  ext?: Record<string, (facts: DeviceFacts) => string>;
}

export function devDetailShape(facts: FactsCache, limits: UriLimits, options: DevDetailOptions = {}): LiveInterior {
  const fact = (pick: (f: DeviceFacts) => string): LiveNode => ({ read: async () => ({ format: 'chr', data: pick(await facts.get()) }) });
  const fixed = (data: string, format = 'chr'): LiveNode => ({ format, read: () => ({ format, data }) });
  const ext: Record<string, LiveNode> = {};
  const extSpec = options.ext || {};
  for (const name of Object.keys(extSpec)) ext[name] = fact(extSpec[name]);
  return {
    type: DEVDETAIL_URN,
    acl: 'Get=*',
    children: {
      URI: {
        children: {
          MaxDepth: fixed(String(limits.maxDepth)),
          MaxTotLen: fixed(String(limits.maxTotLen)),
          MaxSegLen: fixed(String(limits.maxSegLen)),
        },
      },
      DevTyp: fact((f) => f.devType),
      OEM: fact((f) => f.oem),
      FwV: fact((f) => f.firmwareVersion),
      SwV: fact((f) => f.softwareVersion),
      HwV: fact((f) => f.hardwareVersion),
      LrgObj: fixed(options.largeObjects ? 'true' : 'false', 'bool'),
      Ext: { children: ext },
    },
  };
}

/** Mounts ./DevDetail on the tree, reporting the tree's own URI limits. */
export function mountDevDetail(tree: DmTree, facts: FactsCache, options: DevDetailOptions = {}): void {
  tree.mount(DEVDETAIL_ROOT, createLivePlugin(devDetailShape(facts, tree.limits, options)));
}
