// Bundled for qjs by test/service-manager.test.ts: runs the shared scenario and prints its answers as JSON, then logs
// two lines through the QuickJS log port (platform/quickjs/log.ts) on stderr, whose format follows $JOURNAL_STREAM.
import * as std from 'std';
import { runServiceManagerScenario } from './service-manager-scenario.js';
import { createQjsLog } from '../platform/quickjs/log.js';

runServiceManagerScenario().then(
  (out) => {
    std.out.puts(JSON.stringify(out));
    std.out.flush();
    const log = createQjsLog({ minLevel: 'debug' });
    log.log('warn', 'disk low', { free: 3 });
    log.log('debug', 'detail');
  },
  (e: Error) => {
    std.err.puts(`${e.name}: ${e.message}\n${e.stack || ''}\n`);
    std.exit(2);
  },
);
