// Builds an Agent from a configuration and a runtime's ports: durable state, the DM tree with its management
// objects, the nonce store, the UI handler and the report sources. Runtime-free; platform extras come in `extras`.
import { ReadOnlyView } from '../state/read-only-view.js';
import type { AgentConfig } from '../config.js';
import type { RuntimePorts } from '../ports/runtime.js';
import { DurableStore } from '../state/index.js';
import { DmTree } from '../tree/dm-tree.js';
import { Agent, randomSessionId, type AgentParts } from './agent.js';
import { createUiAlertHandler } from './ui-handler.js';
import { parseUiConfig } from '../ui/index.js';
import type { ReportSource } from '../dm/report-source.js';
import type { TreePlugin } from '../tree/plugin.js';
import { readAccount, storeNonce, type FactsCache } from '../mo/index.js';
import { mountStandardObjects } from './standard-objects.js';
import { base64Decode } from '../bytes.js';
import { LAST_SESSION_DOC, readLastSession } from './last-session.js';
import type { StatusSlots, StatusSummary, StatusJob } from './status-summary.js';
import type { ProgressSink } from '../ports/progress.js';

/** A report source that may also own a subtree of the DM tree (FUMO, SCOMO) and name deployed components. */
export interface MountedSource extends ReportSource {
  mountAt?: string;
  plugin?: TreePlugin;
  status?(): Promise<string[]>;
  /** Machine-readable status for `status --json`, under the source's name. */
  statusData?(): Promise<Record<string, unknown>>;
  deployedComponentUri?(idOrName: string): Promise<string>;
}

/** Built by the platform composition for a configuration; null when the feature is not configured. */
export type SourceFactory = (ctx: ComposeContext) => Promise<MountedSource | null>;

export interface AgentExtras {
  sources?: SourceFactory[];
  encoding?: 'wbxml' | 'xml';
  /**
   * A read-only view (status, info, tree): close() does not save the tree. Such commands run without the state lock,
   * next to a session that may save a newer tree; saving their copy would undo that session's changes.
   */
  readOnly?: boolean;
  /** Runs after close() saved the state (the command line releases the state lock here). */
  onClose?: () => Promise<void>;
  /** Where update progress goes (src/cli/progress.ts); absent: nowhere. */
  progress?: ProgressSink;
}

export interface ComposeContext {
  config: AgentConfig;
  ports: RuntimePorts;
  store: DurableStore;
  tree: DmTree;
  /** Device facts, read once and shared (DevInfo, DevDetail, the FUMO current version). */
  facts: FactsCache;
  /** A read-only command (no state lock): it changes nothing on disk, state is repaired in memory only. */
  readOnly?: boolean;
  /** Where update progress goes (AgentExtras.progress). */
  progress?: ProgressSink;
}

export async function composeAgent(config: AgentConfig, ports: RuntimePorts, extras: AgentExtras = {}): Promise<Agent> {
  // A damaged document never stops the agent (docs/robustness.md "Damaged state"): the store keeps damaged copies as
  // `*.corrupt-<time>` and answers a document with no good copy left as absent. For the DM tree that means starting
  // from the configuration (DMAcc is provisioned again; the server re-challenges for nonces): a gateway must stay
  // manageable. The FUMO engine rebuilds a lost result report from its journal.
  // A read-only command repairs in memory only (src/state/read-only-view.ts): it holds no lock.
  const storage = extras.readOnly ? new ReadOnlyView(ports.storage) : ports.storage;
  const store = new DurableStore(storage, ports.log, { setAside: { now: () => ports.clock.now() } });
  const tree = new DmTree({ store, now: () => ports.clock.now(), log: ports.log });
  await tree.load();
  const facts = await mountStandardObjects(tree, config, ports);

  // Credentials and nonces live in DMAcc (docs/protocol.md §3.4): CLCRED AAuthData = the nonce the server gave us, SRVCRED
  // AAuthData = the nonce we gave the server. A server may change them through DM; the tree is the truth.
  const account = await readAccount(tree, config.server.id);
  // No account is provisioned without a server URL (src/mo/index.ts): a local command (`info`, `status`, `tree`)
  // then runs with empty nonces, which it never uses.
  if (!account && config.server.url) throw new Error(`no DMAcc account for server ${config.server.id} after provisioning`);
  // Until a nonce has been stored, the one provisioned in the configuration (docs/security.md "Nonces").
  const provisioned = (n: string | undefined): Uint8Array | undefined => (n === undefined ? undefined : base64Decode(n));
  const stored = { client: account ? account.clientAuth.nonce : new Uint8Array(0), server: account ? account.serverAuth.nonce : new Uint8Array(0) };
  let clientNonce = stored.client.length > 0 ? stored.client : provisioned(config.server.clientAuth.nonce) || stored.client;
  let serverNonce = stored.server.length > 0 ? stored.server : provisioned(config.server.serverAuth.nonce) || ports.random.bytes(16);

  const ctx: ComposeContext = { config, ports, store, tree, facts: facts.facts, readOnly: extras.readOnly, progress: extras.progress };
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
    devInfo: () => facts.devInfoLeaves(),
    devId: () => facts.devId(),
    nonces: {
      clientNonce: () => clientNonce,
      setClientNonce: async (n) => {
        clientNonce = n;
        await storeNonce(tree, config.server.id, 'CLCRED', n);
      },
      serverNonce: () => serverNonce,
      setServerNonce: async (n) => {
        serverNonce = n;
        await storeNonce(tree, config.server.id, 'SRVCRED', n);
      },
    },
    reports: sources,
    async credentials() {
      const a = await readAccount(tree, config.server.id);
      if (!a) throw new Error(`the DMAcc account of server ${config.server.id} is gone`);
      return {
        client: { type: a.clientAuth.type, name: a.clientAuth.name, secret: a.clientAuth.secret },
        server: { type: a.serverAuth.type, name: a.serverAuth.name, secret: a.serverAuth.secret },
      };
    },
    async deployedComponentUri(idOrName) {
      for (const s of sources) if (s.deployedComponentUri) return s.deployedComponentUri(idOrName);
      throw new Error('SCOMO is not configured on this device: no deployed components to name');
    },
    async recordRequest(rec) {
      await store.put('last-request', rec);
    },
    async recordSession(rec) {
      await store.put(LAST_SESSION_DOC, rec);
    },
    async summary(): Promise<StatusSummary> {
      const fumo = sources.find((s) => s.name === 'fumo');
      const f = fumo && fumo.statusData ? ((await fumo.statusData()) as { job: Omit<StatusJob, 'source'> | null; slots: StatusSlots }) : null;
      return {
        firmwareVersion: (await facts.facts.get()).firmwareVersion,
        slots: f ? { booted: f.slots.booted, primary: f.slots.primary, pendingCommit: f.slots.pendingCommit } : null,
        job: f && f.job ? { source: 'fumo', ...f.job } : null,
        lastSession: await readLastSession(store),
      };
    },
    async status() {
      const lines: string[] = [];
      const last = (await store.get('last-request')) as { at: number; type: string; source?: string; status?: number } | null;
      if (last) {
        const what = last.status === 202 ? 'accepted for processing: the server will come back' : last.status === 200 ? 'the server commanded the update' : `status ${last.status === undefined ? 'none' : last.status}`;
        lines.push(`last request: ${new Date(last.at).toISOString()} ${last.type}${last.source ? ' for ' + last.source : ''}: ${what}`);
      }
      for (const s of sources) if (s.status) lines.push(...(await s.status()));
      // Damaged state documents met while starting this command (kept aside for inspection, docs/robustness.md). A
      // read-only command repaired them in memory only: the next command holding the lock keeps them aside.
      const damaged = store.recoveries().filter((r) => r.recoveredFrom !== 'nothing');
      const kept = (r: { keptAs?: string[] }) =>
        extras.readOnly ? ' (the next command that holds the state lock keeps the damaged copy aside)' : r.keptAs ? ` (kept as ${r.keptAs.join(', ')})` : '';
      for (const r of damaged)
        lines.push(`state ${r.name}: ${r.recoveredFrom === 'prev' ? 'damaged, recovered from its previous copy' : 'damaged in both copies, set aside'}${kept(r)}`);
      const data: Record<string, unknown> = damaged.length > 0 ? { damagedState: damaged } : {};
      for (const s of sources) if (s.statusData) data[s.name] = await s.statusData();
      return { lines, data };
    },
    async save() {
      await tree.save();
    },
    async nextSessionId() {
      return randomSessionId(ports.random.bytes(2));
    },
    async close() {
      try {
        if (!extras.readOnly) await tree.save();
      } finally {
        if (extras.onClose) await extras.onClose();
      }
    },
  };
  return new Agent(config, ports, parts, { encoding: extras.encoding });
}
