// Standard management objects (docs/protocol.md §4): DevInfo, DevDetail, DMAcc.
import type { DeviceInfoReader } from '../ports/runtime.js';
import type { DmTree } from '../tree/dm-tree.js';
import { mountDevDetail, type DevDetailOptions } from './devdetail.js';
import { mountDevInfo, type DevInfoOptions } from './devinfo.js';
import { provisionDmAcc, type DmAccConfig } from './dmacc.js';
import { cachedFacts, type FactsCache } from '../device/facts-cache.js';

export { cachedFacts, type FactsCache } from '../device/facts-cache.js';
export { DEVINFO_PKG1_LEAVES, DEVINFO_ROOT, DEVINFO_URN, devInfoItems, devInfoShape, mountDevInfo, type DevInfoOptions } from './devinfo.js';
export { DEVDETAIL_ROOT, DEVDETAIL_URN, devDetailShape, mountDevDetail, type DevDetailOptions } from './devdetail.js';
export {
  accountName,
  type AccountAuth,
  type AuthKind,
  type AuthLevel,
  type AuthSettings,
  DMACC_ROOT,
  DMACC_URN,
  DmAccError,
  type DmAccConfig,
  type DmAccount,
  findAccountUri,
  fromAAuthType,
  listServerIds,
  provisionDmAcc,
  readAccount,
  storeNonce,
  toAAuthType,
  urlPort,
} from './dmacc.js';

export interface StandardMoOptions {
  devInfo: DevInfoOptions;
  devDetail?: DevDetailOptions;
}

/**
 * Puts DevInfo and DevDetail (live, from the reader) and the DMAcc account (from the configuration) on the tree.
 * Call after tree.load(). Returns the facts cache: invalidate() it at the start of each session.
 */
export async function installStandardObjects(tree: DmTree, reader: DeviceInfoReader, config: DmAccConfig, options: StandardMoOptions): Promise<FactsCache> {
  const facts = cachedFacts(reader);
  mountDevInfo(tree, facts, options.devInfo);
  mountDevDetail(tree, facts, options.devDetail);
  // Without a server URL (the local commands `info`, `status`, `tree` may run with no configuration at all) there is
  // no account to provision: the tree keeps whatever account an earlier session left. The commands that talk to a
  // server require server.url before they get here (src/cli/main.ts), so an account is always provisioned for them.
  if (!config.server.url) return facts;
  const { changed } = await provisionDmAcc(tree, config);
  if (changed && tree.canSave) await tree.save();
  return facts;
}
