// Entry bundled for qjs by test/inventory.test.ts: the inventory cache scenario over the QuickJS adapters
// (platform/quickjs/inventory.ts); prints what it saw as JSON. Usage: qjs -m bundle.js DIR
import * as std from 'std';
import * as os from 'os';
import { dpkgStatusSource, manifestFolderSource } from '../platform/quickjs/inventory.js';
import { inventoryCacheScenario } from './support/inventory-cache-scenario.js';

declare const scriptArgs: string[];

const files = {
  write(path: string, text: string) {
    const f = std.open(path, 'w');
    if (!f) throw new Error(`cannot write ${path}`);
    f.puts(text);
    f.close();
  },
  remove(path: string) {
    os.remove(path);
  },
  mkdir(path: string) {
    os.mkdir(path, 0o755);
  },
};

inventoryCacheScenario(scriptArgs[1], files, { dpkgStatusSource, manifestFolderSource }).then(
  (seen) => {
    std.out.puts(JSON.stringify(seen));
    std.exit(0);
  },
  (e) => {
    std.err.puts(`${(e as Error).stack || e}\n`);
    std.exit(1);
  },
);
