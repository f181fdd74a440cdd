// Entry bundled for qjs by test/scomo-qjs.test.ts: drives the SCOMO MO with the QuickJS adapters (real dpkg into a
// scratch root, a script installer, a fake systemctl) and prints what it saw as JSON.
// Usage: qjs -m bundle.js '<{"hostStatus","root","deb","script","fakeBin"}>'
import * as std from 'std';
import { ScomoMo, type JsonStore } from '../src/scomo/index.js';
import { dpkgStatusSource, manifestFolderSource } from '../platform/quickjs/inventory.js';
import { createDpkgInstaller, createScriptInstaller, createServiceActivator } from './support/qjs-installers.js';

declare const scriptArgs: string[];

async function main() {
  const a = JSON.parse(scriptArgs[1]) as { hostStatus: string; root: string; deb: string; script: string; fakeBin: string; manifests: string };
  const out: Record<string, unknown> = {};
  const host = await dpkgStatusSource(a.hostStatus).list();
  out.hostIds = host.map((c) => `${c.id}=${c.version}`);

  const mem: Record<string, string> = {};
  const store: JsonStore = {
    get: async (n) => (n in mem ? JSON.parse(mem[n]) : null),
    put: async (n, v) => {
      mem[n] = JSON.stringify(v);
    },
  };
  const mo = new ScomoMo({
    sources: [dpkgStatusSource(`${a.root}/var/lib/dpkg/status`), manifestFolderSource(a.manifests)],
    store,
    download: async () => ({ path: a.deb, sha256: '' }),
    installer: createDpkgInstaller({ root: a.root, forceNotRoot: true, scriptChrootless: true }),
    activator: createServiceActivator({ kind: 'systemd', env: { PATH: `${a.fakeBin}:${std.getenv('PATH')}` } }),
  });
  out.before = (await mo.list('Inventory/Deployed')).children;
  await mo.add('Download/p', {});
  await mo.add('Download/p/PkgID', { data: 'qjs-pkg' });
  await mo.add('Download/p/PkgURL', { data: 'https://updates.example.com/p.deb' });
  out.exec = await mo.exec('Download/p/Operations/DownloadInstall', { correlator: 'q1' });
  await mo.idle();
  out.version = (await mo.get('Inventory/Deployed/qjs-tool/Version')).data;
  out.deactivate = await mo.exec('Inventory/Deployed/modem/Operations/Deactivate');
  out.remove = await mo.exec('Inventory/Deployed/qjs-tool/Operations/Remove', { correlator: 'q2' });
  await mo.idle();
  out.after = (await mo.list('Inventory/Deployed')).children;
  out.reports = (await mo.pendingReports()).map((r) => [r.sourceUri, r.targetUri, r.resultCode, r.identifier, r.correlator || '']);

  const script = createScriptInstaller({ script: a.script });
  const codes: number[] = [];
  for (const p of ['/x/ok.bin', '/x/bad-signature.bin', '/x/crash.bin']) {
    try {
      codes.push((await script.install({ path: p, activate: true, pkgId: 'sp' })).componentIds.length > 0 ? 1200 : 0);
    } catch (e) {
      codes.push((e as { resultCode: number }).resultCode);
    }
  }
  out.scriptCodes = codes;
  std.out.puts(JSON.stringify(out));
  std.out.flush();
}

main().catch((e: Error) => {
  std.err.puts(`${e.name}: ${e.message}\n${e.stack || ''}\n`);
  std.exit(2);
});
