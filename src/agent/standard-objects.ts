// DevInfo, DevDetail and DMAcc (digest §4) on the tree, and the DevInfo leaves package 1 carries.
import type { AgentConfig } from '../config.js';
import type { PlatformPorts } from '../cli/host.js';
import type { DmTree } from '../tree/dm-tree.js';
import type { DeviceFacts } from '../ports.js';

export interface StandardObjects {
  devId(): string;
  devInfoLeaves(): Array<[string, string]>;
  facts(): DeviceFacts;
}

export const DM_CLIENT_VERSION = 'dm-agent 0.1';

export async function mountStandardObjects(tree: DmTree, config: AgentConfig, ports: PlatformPorts): Promise<StandardObjects> {
  const facts = await ports.deviceInfo.read();
  const get = 'Get=*';
  tree.ensureInterior('./DevInfo', { acl: get, type: 'urn:oma:mo:oma-dm-devinfo:1.0' });
  tree.setValue('./DevInfo/DevId', { data: facts.devId });
  tree.setValue('./DevInfo/Man', { data: facts.manufacturer });
  tree.setValue('./DevInfo/Mod', { data: facts.model });
  tree.setValue('./DevInfo/DmV', { data: DM_CLIENT_VERSION });
  tree.setValue('./DevInfo/Lang', { data: facts.lang });
  tree.ensureInterior('./DevDetail', { acl: get, type: 'urn:oma:mo:oma-dm-devdetail:1.0' });
  tree.setValue('./DevDetail/DevTyp', { data: facts.devType });
  tree.setValue('./DevDetail/OEM', { data: facts.oem });
  tree.setValue('./DevDetail/FwV', { data: facts.firmwareVersion });
  tree.setValue('./DevDetail/SwV', { data: facts.softwareVersion });
  tree.setValue('./DevDetail/HwV', { data: facts.hardwareVersion });
  tree.setValue('./DevDetail/LrgObj', { format: 'bool', data: 'false' });
  tree.setValue('./DevDetail/URI/MaxDepth', { data: String(tree.limits.maxDepth) });
  tree.setValue('./DevDetail/URI/MaxTotLen', { data: String(tree.limits.maxTotLen) });
  tree.setValue('./DevDetail/URI/MaxSegLen', { data: String(tree.limits.maxSegLen) });
  void config;
  return {
    devId: () => facts.devId,
    facts: () => facts,
    devInfoLeaves: () => [
      ['./DevInfo/DevId', facts.devId],
      ['./DevInfo/Man', facts.manufacturer],
      ['./DevInfo/Mod', facts.model],
      ['./DevInfo/DmV', DM_CLIENT_VERSION],
      ['./DevInfo/Lang', facts.lang],
    ],
  };
}
