// Bundled for qjs by test/tree-qjs.test.ts: runs the shared tree scenario and prints its answers as JSON.
import * as std from 'std';
import { runTreeScenario } from './tree-scenario.js';

runTreeScenario().then(
  (out) => {
    std.out.puts(JSON.stringify(out));
    std.out.flush();
  },
  (e: Error) => {
    std.err.puts(`${e.name}: ${e.message}\n${e.stack || ''}\n`);
    std.exit(2);
  },
);
