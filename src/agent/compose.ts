// Builds an Agent from a configuration and a runtime's ports: durable state, the DM tree with its management
// objects, the nonce store, the UI handler and the report sources. Runtime-free; platform extras come in `extras`.
import type { AgentConfig } from '../config.js';
import type { PlatformPorts } from '../cli/host.js';
import { DurableStore } from '../state/index.js';
import { DmTree } from '../tree/dm-tree.js';
import { Agent, randomSessionId, type AgentParts } from './agent.js';
import { createUiAlertHandler } from './ui-handler.js';
import { parseUiConfig } from '../ui/index.js';
import type { ReportSource } from './reports.js';
import type { TreePlugin } from '../tree/plugin.js';
import { base64Decode, base64Encode } from '../bytes.js';
import { mountStandardObjects } from './standard-objects.js';

/** A report source that may also own a subtree of the DM tree (FUMO, SCOMO) and name deployed components. */
export interface MountedSource extends ReportSource {
  mountAt?: string;
  plugin?: TreePlugin;
  status?(): Promise<string[]>;
  deployedComponentUri?(idOrName: string): Promise<string>;
}

/** Built by the platform composition for a configuration; null when the feature is not configured. */
export type SourceFactory = (ctx: ComposeContext) => Promise<MountedSource | null>;

export interface AgentExtras {
  sources?: SourceFactory[];
  encoding?: 'wbxml' | 'xml';
}

export interface ComposeContext {
  config: AgentConfig;
  ports: PlatformPorts;
  store: DurableStore;
  tree: DmTree;
}

interface NonceDoc {
  client?: string;
  server?: string;
  sessionCounter?: number;
}

export async function composeAgent(config: AgentConfig, ports: PlatformPorts, extras: AgentExtras = {}): Promise<Agent> {
  const store = new DurableStore(ports.storage, ports.log);
  const tree = new DmTree({ store, now: () => ports.clock.now(), log: ports.log });
  await tree.load();
  const facts = await mountStandardObjects(tree, config, ports);

  // Nonces (digest §3.4: CLCRED/SRVCRED AAuthData) are kept durably so that a reboot between sessions keeps them.
  const nonceDoc = ((await store.get('auth')) as NonceDoc | null) || {};
  const decode = (s: string | undefined) => (s ? base64Decode(s) : new Uint8Array(0));
  let clientNonce = decode(nonceDoc.client);
  let serverNonce = nonceDoc.server ? decode(nonceDoc.server) : ports.random.bytes(16);
  const saveNonces = async () => {
    nonceDoc.client = base64Encode(clientNonce);
    nonceDoc.server = base64Encode(serverNonce);
    await store.put('auth', nonceDoc);
  };

  const ctx: ComposeContext = { config, ports, store, tree };
  const sources: MountedSource[] = [];
  for (const make of extras.sources || []) {
    const s = await make(ctx);
    if (!s) continue;
    if (s.mountAt && s.plugin) tree.mount(s.mountAt, s.plugin);
    sources.push(s);
  }

  const parts: AgentParts = {
    tree,
    ui: createUiAlertHandler(ports.ui, ports.log, parseUiConfig(config.ui).limits),
    devInfo: async () => facts.devInfoLeaves(),
    devId: async () => facts.devId(),
    nonces: {
      clientNonce: () => clientNonce,
      setClientNonce: async (n) => {
        clientNonce = n;
        await saveNonces();
      },
      serverNonce: () => serverNonce,
      setServerNonce: async (n) => {
        serverNonce = n;
        await saveNonces();
      },
    },
    reports: sources,
    async deployedComponentUri(idOrName) {
      for (const s of sources) if (s.deployedComponentUri) return s.deployedComponentUri(idOrName);
      throw new Error('SCOMO is not configured on this device: no deployed components to name');
    },
    async status() {
      const lines: string[] = [];
      for (const s of sources) if (s.status) lines.push(...(await s.status()));
      return { lines, data: {} };
    },
    async save() {
      await tree.save();
    },
    async nextSessionId() {
      return randomSessionId(ports.random.bytes(2));
    },
    async close() {
      await tree.save();
    },
  };
  return new Agent(config, ports, parts, { encoding: extras.encoding });
}
