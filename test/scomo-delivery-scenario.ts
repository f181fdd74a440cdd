// SCOMO's package delivered through DM (issue 20 item 5, OMA-TS-DM_SCOMO-V1_0 Inventory/Delivered/<x>/Data,
// docs/protocol.md §6.1, §1.10), as one scenario that runs on Node and bundled in qjs (test/scomo-delivery.qjs-entry.ts)
// over each runtime's real SCOMO ports: the composed SCOMO MO (src/scomo/compose.ts, a script installer) mounted in a
// DmTree, driven by the executor with the messages a server sends.
import { CommandExecutor } from '../src/dm/executor.js';
import { DmTree } from '../src/tree/dm-tree.js';
import { composeScomo } from '../src/scomo/compose.js';
import { parseScomoConfig } from '../src/scomo/config.js';
import type { ScomoPorts } from '../src/ports/scomo.js';
import type { JsonStore } from '../src/ports/runtime.js';
import type { Command, Item } from '../src/syncml/model.js';
import { hex } from '../src/bytes.js';
import { b64Chunks, objectBytes } from './large-object-scenario.js';

const MiB = 1024 * 1024;
const ROOT = './SCOMO/Inventory/Delivered';
const ui = { handle: async () => ({ code: 200, items: [], skipRest: false }) };

/** The messages of one Data object: one b64 chunk per message, Size (decoded bytes) on the first. */
function dataChunks(x: string, obj: Uint8Array, size = obj.length): Command[][] {
  const chunks = b64Chunks(obj);
  return chunks.map((data, i) => {
    const item: Item = { target: { locURI: `${ROOT}/${x}/Data` }, meta: { format: 'b64' }, data };
    if (i === 0) item.meta!.size = String(size);
    if (i + 1 < chunks.length) item.moreData = true;
    return [{ kind: 'Add', cmdID: '1', items: [item] }];
  });
}

function node(x: string): Command[] {
  const leaf = (name: string, data: string): Item => ({ target: { locURI: `${ROOT}/${x}/${name}` }, meta: { format: 'chr' }, data });
  return [
    {
      kind: 'Add',
      cmdID: '1',
      items: [{ target: { locURI: `${ROOT}/${x}` }, meta: { format: 'node' } }, leaf('PkgID', `com.example.${x}-2.0`), leaf('Name', `com.example.${x}`), leaf('Version', '2.0')],
    },
  ];
}

function install(x: string, correlator: string): Command[] {
  return [{ kind: 'Exec', cmdID: '1', correlator, items: [{ target: { locURI: `${ROOT}/${x}/Operations/Install` } }] }];
}

async function deliver(ex: CommandExecutor, msgs: Command[][]): Promise<string> {
  const codes: string[] = [];
  let id = 0;
  for (let i = 0; i < msgs.length; i++) {
    const out = await ex.run(msgs[i], { msgRef: String(i + 1), access: { serverId: 'srv' }, nextCmdId: () => String(++id) });
    for (const r of out.replies) if (r.kind === 'Status') codes.push(r.data);
  }
  const out: string[] = [];
  for (let i = 0; i < codes.length; ) {
    let j = i;
    while (j < codes.length && codes[j] === codes[i]) j++;
    out.push(j - i > 1 ? `${codes[i]} x${j - i}` : codes[i]);
    i = j;
  }
  return out.join(', ');
}

/**
 * `dir`: a scratch directory; `script`: an installer script that copies $SCOMO_PKG_PATH to `<dir>/installed-<PkgID>`
 * and prints `component=<PkgID>`. Answers what the server and the device saw, as JSON-able values.
 */
export async function runScomoDeliveryScenario(ports: ScomoPorts, dir: string, script: string): Promise<Record<string, unknown>> {
  const mem: Record<string, string> = {};
  const store: JsonStore = {
    get: async (n) => (n in mem ? JSON.parse(mem[n]) : null),
    put: async (n, v) => {
      mem[n] = JSON.stringify(v);
    },
  };
  const staging = `${dir}/staging`;
  const config = parseScomoConfig({ inventory: { dpkg: false, opkg: false }, installer: { type: 'script', script }, stagingDir: staging, maxPackageSize: MiB }, dir);
  const start = () => {
    const src = composeScomo(config, { store, clock: { now: () => 0, sleep: async () => undefined }, random: { bytes: (n) => new Uint8Array(n) }, log: { log: () => undefined } }, ports)!;
    const tree = new DmTree();
    tree.mount(src.mountAt, src.plugin);
    return { src, tree, ex: new CommandExecutor(tree, ui, 8 * MiB) };
  };
  const shaOf = (b: Uint8Array) => {
    const h = ports.sha256();
    h.update(b);
    return hex(h.digest());
  };
  const fileSha = async (f: string) => ((await ports.stagingFiles.size(f)) === null ? null : hex(await ports.stagingFiles.sha256(f)));
  const out: Record<string, unknown> = {};
  let a = start();

  // 1. Add Delivered/app with PkgID, Name, Version; Add its Data (200 000 bytes, 5 b64 chunks); Exec Install.
  const pkg = objectBytes(200_000);
  out.add = await deliver(a.ex, [node('app')]);
  out.data = await deliver(a.ex, dataChunks('app', pkg));
  out.stagedSameBytes = (await fileSha(`${staging}/scomo-delivered-app.pkg`)) === shaOf(pkg);
  out.exec = await deliver(a.ex, [install('app', 'corr-app')]);
  out.jobs = await a.src.runPendingJobs!();
  out.installedSameBytes = (await fileSha(`${dir}/installed-com.example.app-2.0`)) === shaOf(pkg);
  out.reports = (await a.src.pendingReports()).map((r) => ({ source: r.sourceUri, correlator: r.correlator, data: r.data }));
  const get = async (uri: string) => {
    const r = await a.tree.get(uri, { serverId: 'srv' });
    return r.status === 200 ? `${r.items[0].data}` : r.status;
  };
  out.leaves = [await get(`${ROOT}/app/PkgID`), await get(`${ROOT}/app/Version`), await get(`${ROOT}/app/State`), await get(`${ROOT}/app/Data`)];

  // 2. A package over the cap (scomo.maxPackageSize 1 MiB): 413 for each of its chunks, Exec Install refused.
  const big = objectBytes(1200 * 1024);
  out.overCap = [await deliver(a.ex, [node('big')]), await deliver(a.ex, dataChunks('big', big)), await deliver(a.ex, [install('big', 'corr-big')])];
  out.overCapStaged = await ports.stagingFiles.size(`${staging}/scomo-delivered-big.pkg`);

  // 3. The session ends after 3 of 5 chunks: the partial copy goes at once and the node says why.
  await deliver(a.ex, [node('cut')]);
  out.sessionCut = await deliver(a.ex, dataChunks('cut', pkg).slice(0, 3));
  await a.ex.abandon();
  out.sessionCutStaged = await ports.stagingFiles.size(`${staging}/scomo-delivered-cut.pkg`);

  // 4. The process ends after 3 of 5 chunks (a power cut): journaled, partly on disk; the next start removes it.
  await deliver(a.ex, [node('power')]);
  await deliver(a.ex, dataChunks('power', pkg).slice(0, 3));
  const journal = JSON.parse(mem.scomo) as { delivered: Record<string, { delivery?: unknown }> };
  out.journaled = journal.delivered.power.delivery;
  out.partialOnDisk = ((await ports.stagingFiles.size(`${staging}/scomo-delivered-power.pkg`)) || 0) > 0;
  a = start();
  out.status = await a.src.status();
  out.afterRestartStaged = await ports.stagingFiles.size(`${staging}/scomo-delivered-power.pkg`);
  out.afterRestartExec = await deliver(a.ex, [install('power', 'corr-power')]);
  return out;
}
