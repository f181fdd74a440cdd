// Bundled for qjs by test/large-object.test.ts: runs the shared large-object scenario and prints its answers as JSON.
import * as std from 'std';
import { runLargeObjectScenario } from './large-object-scenario.js';

runLargeObjectScenario().then(
  (out) => {
    std.out.puts(JSON.stringify(out));
    std.out.flush();
  },
  (e: Error) => {
    std.err.puts(`${e.name}: ${e.message}\n${e.stack || ''}\n`);
    std.exit(2);
  },
);
