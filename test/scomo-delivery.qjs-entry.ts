// Bundled for qjs by test/scomo-delivery.test.ts: runs the shared SCOMO DM-delivery scenario over the QuickJS SCOMO
// ports and prints its answers as JSON. Usage: qjs -m bundle.js '<{"dir","script"}>'
import * as std from 'std';
import { qjsScomoPorts } from '../platform/quickjs/installer.js';
import { runScomoDeliveryScenario } from './scomo-delivery-scenario.js';

declare const scriptArgs: string[];

async function main() {
  const a = JSON.parse(scriptArgs[1]) as { dir: string; script: string };
  const out = await runScomoDeliveryScenario(await qjsScomoPorts(), a.dir, a.script);
  std.out.puts(JSON.stringify(out));
  std.out.flush();
}

main().catch((e: Error) => {
  std.err.puts(`${e.name}: ${e.message}\n${e.stack || ''}\n`);
  std.exit(2);
});
