// Standard management objects (docs/protocol.md §4): DevInfo, DevDetail, DMAcc.
import type { DeviceInfoReader } from '../ports';
import type { DmTree } from '../tree/dm-tree';
import { mountDevDetail, type DevDetailOptions } from './devdetail';
import { mountDevInfo, type DevInfoOptions } from './devinfo';
import { provisionDmAcc, type DmAccConfig } from './dmacc';
import { cachedFacts, type FactsCache } from '../device/facts-cache';

export { cachedFacts, type FactsCache } from '../device/facts-cache';
export { DEVINFO_PKG1_LEAVES, DEVINFO_ROOT, DEVINFO_URN, devInfoItems, devInfoShape, mountDevInfo, type DevInfoOptions } from './devinfo';
export { DEVDETAIL_ROOT, DEVDETAIL_URN, devDetailShape, mountDevDetail, type DevDetailOptions } from './devdetail';
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
} from './dmacc';

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
  const { changed } = await provisionDmAcc(tree, config);
  if (changed && tree.canSave) await tree.save();
  return facts;
}
