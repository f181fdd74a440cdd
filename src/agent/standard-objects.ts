// DevInfo and DevDetail (live from the device reader) and the DMAcc account (from the configuration) on the tree
// (docs/protocol.md §4), plus what package 1 carries: the DevInfo leaves, read fresh at the start of every session.
import type { AgentConfig } from '../config.js';
import type { RuntimePorts } from '../ports/runtime.js';
import type { DmTree } from '../tree/dm-tree.js';
import { devInfoItems, installStandardObjects, type FactsCache } from '../mo/index.js';

export const DM_CLIENT_VERSION = 'dm-agent 0.1';

export interface StandardObjects {
  devId(): Promise<string>;
  devInfoLeaves(): Promise<Array<[string, string]>>;
  facts: FactsCache;
}

export async function mountStandardObjects(tree: DmTree, config: AgentConfig, ports: RuntimePorts): Promise<StandardObjects> {
  let sessions = 0;
  const facts = await installStandardObjects(tree, ports.deviceInfo, { server: config.server }, {
    devInfo: { dmVersion: DM_CLIENT_VERSION },
    // The session takes large objects (chunked Add/Replace, 213/424/1225; a FUMO package into Update/PkgData): say so,
    // since a server reads ./DevDetail/LrgObj before it sends one (docs/protocol.md §1.10).
    devDetail: { largeObjects: true },
  });
  return {
    facts,
    async devId() {
      return (await facts.get()).devId;
    },
    async devInfoLeaves() {
      // Every later session reads the device again (firmware version after a reboot, a changed language...); the
      // first one uses what start-up already read.
      if (sessions++ > 0) facts.invalidate();
      const f = await facts.get();
      return devInfoItems(f, DM_CLIENT_VERSION).map((i): [string, string] => [i.uri, typeof i.data === 'string' ? i.data : '']);
    },
  };
}
