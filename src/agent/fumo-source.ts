// The FUMO management object on the DM tree (docs/protocol.md §5.1) over the FumoEngine, and its result reports as a report
// source for the session (docs/protocol.md §5.3: Generic Alert with the result code as Data, Format int, Correlator echoed).
//
//   <x>                      node  urn:oma:mo:oma-fumo:1.0
//   <x>/PkgName, PkgVersion  chr   Get, Replace
//   <x>/Download             node  Exec  (alternate download only)      /PkgURL chr Get, Replace
//   <x>/Update               node  Exec  (apply the downloaded package) /PkgData bin Replace: a package delivered
//                                  through DM, streamed to staging chunk by chunk (src/fumo/delivery.ts)
//   <x>/DownloadAndUpdate    node  Exec                                  /PkgURL chr Get, Replace
//   <x>/State                int   Get   (10..100, docs/protocol.md §5.2)
//   <x>/Ext/PkgSHA256, Ext/Manifest, Ext/Signature   chr Get, Replace   (vendor extension: what the image must match)
import type { TreePlugin, PluginNodeInfo } from '../tree/plugin.js';
import type { NodeValue } from '../tree/node.js';
import type { FumoEngine } from '../fumo/engine.js';
import type { FumoOperation } from '../fumo/state.js';
import type { GenericAlert } from '../dm/generic-alert.js';
import type { ReportSource } from '../dm/report-source.js';
import type { JsonStore } from '../ports/runtime.js';
import { base64Decode, utf8Decode, utf8Encode } from '../bytes.js';
import { Status } from '../dm/codes.js';

const DOC = 'fumo-nodes';
/** What `status` says while an activated image waits for the reboot (fumo.reboot [] = the operator's). */
const AWAITING = 'awaiting reboot: the new firmware is activated and runs after the next reboot';

interface FumoNodes {
  PkgName: string;
  PkgVersion: string;
  DownloadPkgURL: string;
  DownloadAndUpdatePkgURL: string;
  PkgSHA256: string;
  Manifest: string;
  Signature: string;
}

const EMPTY: FumoNodes = { PkgName: '', PkgVersion: '', DownloadPkgURL: '', DownloadAndUpdatePkgURL: '', PkgSHA256: '', Manifest: '', Signature: '' };

const LEAVES: Record<string, keyof FumoNodes> = {
  PkgName: 'PkgName',
  PkgVersion: 'PkgVersion',
  'Download/PkgURL': 'DownloadPkgURL',
  'DownloadAndUpdate/PkgURL': 'DownloadAndUpdatePkgURL',
  'Ext/PkgSHA256': 'PkgSHA256',
  'Ext/Manifest': 'Manifest',
  'Ext/Signature': 'Signature',
};

const INTERIOR: Record<string, string[]> = {
  '': ['PkgName', 'PkgVersion', 'Download', 'Update', 'DownloadAndUpdate', 'State', 'Ext'],
  Download: ['PkgURL'],
  Update: ['PkgData'],
  DownloadAndUpdate: ['PkgURL'],
  Ext: ['PkgSHA256', 'Manifest', 'Signature'],
};

export interface FumoSource extends ReportSource {
  mountAt: string;
  plugin: TreePlugin;
  status(): Promise<string[]>;
  /** The same for `status --json`: state, the job, and whether it waits for a reboot. */
  statusData(): Promise<Record<string, unknown>>;
}

export async function createFumoSource(engine: FumoEngine, uri: string, store: JsonStore, acl = 'Get=*&Replace=*&Exec=*'): Promise<FumoSource> {
  await engine.init();
  const saved = (await store.get(DOC)) as Partial<FumoNodes> | null;
  const nodes: FumoNodes = { ...EMPTY, ...(saved || {}) };
  const running: Array<Promise<void>> = [];
  const accepted: string[] = [];

  const plugin: TreePlugin = {
    async stat(path): Promise<PluginNodeInfo | null> {
      const key = path.join('/');
      if (key === '') return { kind: 'interior', type: 'urn:oma:mo:oma-fumo:1.0', acl, permanent: true };
      if (INTERIOR[key]) {
        const exec = key === 'Download' || key === 'Update' || key === 'DownloadAndUpdate';
        return { kind: 'interior', permanent: true, accessTypes: exec ? ['Get', 'Exec'] : ['Get'] };
      }
      if (LEAVES[key]) return { kind: 'leaf', format: 'chr', permanent: true, accessTypes: ['Get', 'Replace'] };
      if (key === 'State') return { kind: 'leaf', format: 'int', permanent: true, accessTypes: ['Get'] };
      if (key === 'Update/PkgData') return { kind: 'leaf', format: 'bin', permanent: true, accessTypes: ['Replace'] };
      return null;
    },
    async list(path) {
      return INTERIOR[path.join('/')] || [];
    },
    async read(path): Promise<NodeValue> {
      const key = path.join('/');
      if (key === 'State') return { format: 'int', data: String(engine.state()) };
      const leaf = LEAVES[key];
      return { format: 'chr', data: leaf ? nodes[leaf] : '' };
    },
    async replace(path, value) {
      const key = path.join('/');
      // A package small enough for one message: the same path as a large object, in one write (docs/protocol.md §5.1).
      if (key === 'Update/PkgData') return deliverWhole(engine, value);
      const leaf = LEAVES[key];
      if (!leaf) return Status.CommandNotAllowed;
      const text = value.data === undefined ? '' : typeof value.data === 'string' ? value.data : utf8Decode(value.data);
      nodes[leaf] = text.trim();
      await store.put(DOC, nodes);
      return Status.OK;
    },
    async openLargeObject(path, info) {
      // OMA-TS-DM_FUMO-V1_0 Update/PkgData: the package as a large object (docs/protocol.md §1.10, §5.3), written to
      // staging as it arrives; other leaves of this MO are small and kept whole.
      if (path.join('/') !== 'Update/PkgData') return null;
      return engine.receivePackage(info.size);
    },
    async exec(path, args) {
      const op = path.join('/') as FumoOperation;
      if (op !== 'Download' && op !== 'Update' && op !== 'DownloadAndUpdate') return Status.CommandNotAllowed;
      const pkgUrl = op === 'Download' ? nodes.DownloadPkgURL : op === 'DownloadAndUpdate' ? nodes.DownloadAndUpdatePkgURL : undefined;
      const answer = await engine.exec(op, {
        pkgUrl,
        correlator: args.correlator,
        sha256: nodes.PkgSHA256 || undefined,
        manifest: nodes.Manifest || undefined,
        signature: nodes.Signature || undefined,
        pkgVersion: nodes.PkgVersion || undefined,
      });
      if (answer.done) {
        running.push(answer.done.catch(() => undefined));
        accepted.push(`firmware ${op} of ${nodes.PkgName || 'package'} ${nodes.PkgVersion}`.trim());
      }
      return answer.status;
    },
  };

  const toAlert = (r: ReturnType<FumoEngine['pendingReports']>[number]): GenericAlert => {
    const a: GenericAlert = { type: r.alertType, format: 'int', data: String(r.resultCode), sourceUri: r.sourceUri, ref: r.id };
    if (r.correlator !== undefined) a.correlator = r.correlator;
    if (r.mark !== 'informational') a.mark = r.mark;
    return a;
  };

  return {
    name: 'fumo',
    mountAt: uri,
    plugin,
    async pendingReports() {
      return engine.pendingReports().map(toAlert);
    },
    async acknowledge(ref) {
      await engine.acknowledge(ref);
    },
    async runPendingJobs() {
      const lines = accepted.splice(0);
      const before = engine.job();
      const wasOpen = !!before && before.step !== 'Done';
      await Promise.all(running.splice(0));
      // A job left by an earlier process (power cut, reboot) continues from its journal.
      await engine.resume();
      const job = engine.job();
      if (job && (lines.length > 0 || wasOpen)) {
        lines.push(
          job.step === 'Done' && job.result
            ? `firmware job ${job.id}: ${job.result.message} (result ${job.result.code}, state ${engine.state()})`
            : (await engine.awaitingReboot())
            ? `firmware job ${job.id}: ${AWAITING}`
            : `firmware job ${job.id} waits at step ${job.step} (state ${engine.state()})`,
        );
      }
      return lines;
    },
    async status() {
      const job = engine.job();
      const lines = [`FUMO ${uri}: state ${engine.state()}${nodes.PkgName ? `, package ${nodes.PkgName} ${nodes.PkgVersion}` : ''}`];
      if (job) lines.push(`  last job ${job.id}: ${job.operation} at step ${job.step}${job.result ? ` (${job.result.message})` : ''}`);
      if (await engine.awaitingReboot()) lines.push(`  ${AWAITING}`);
      const note = engine.deliveryNote();
      if (note && engine.state() === 20) lines.push(`  ${note}`);
      return lines;
    },
    async statusData() {
      const job = engine.job();
      let slots: Record<string, unknown>;
      try {
        const st = await engine.writerStatus();
        slots = { booted: st.bootedSlot || null, primary: st.primarySlot || null, pendingCommit: st.pendingCommit };
      } catch (e) {
        // A writer whose tool failed (a missing fw_printenv, rauc not running): status still shows everything else.
        slots = { booted: null, primary: null, pendingCommit: false, error: (e as Error).message };
      }
      return {
        uri,
        state: engine.state(),
        job: job ? { id: job.id, operation: job.operation, step: job.step, result: job.result ? job.result.code : null } : null,
        awaitingReboot: await engine.awaitingReboot(),
        slots,
      };
    },
  };
}

/** Replace PkgData carrying the whole package in one item: bytes as they came, or decoded from Format b64. */
async function deliverWhole(engine: FumoEngine, value: NodeValue): Promise<number> {
  const d = value.data === undefined ? '' : value.data;
  let bytes: Uint8Array;
  try {
    bytes = typeof d !== 'string' ? d : value.format === 'b64' ? base64Decode(d) : utf8Encode(d);
  } catch {
    return Status.BadRequest; // Format b64 whose data is not base64
  }
  const sink = await engine.receivePackage(bytes.length);
  if (typeof sink === 'number') return sink;
  try {
    await sink.write(bytes);
  } catch (e) {
    const status = (e as { status?: unknown }).status;
    return typeof status === 'number' ? status : Status.CommandFailed;
  }
  return sink.finish();
}
