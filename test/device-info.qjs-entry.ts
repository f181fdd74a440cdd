// Entry bundled for qjs by test/device.test.ts: reads DeviceFacts with the QuickJS reader and prints them as JSON.
// Usage: qjs -m bundle.js '<device config JSON>'
import * as std from 'std';
import { createQuickjsDeviceInfoReader } from '../platform/quickjs/device-info.js';

declare const scriptArgs: string[];

createQuickjsDeviceInfoReader(JSON.parse(scriptArgs[1]))
  .read()
  .then(
    (facts) => {
      std.out.puts(JSON.stringify(facts));
      std.out.flush();
    },
    (e: Error) => {
      std.err.puts(`${e.name}: ${e.message}\n`);
      std.exit(2);
    },
  );
