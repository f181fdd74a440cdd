// QuickJS entry point: `qjs dm-agent.js ARGS...` (arguments from scriptArgs; no shebang, the bundle is a module).
import * as std from 'std';
import * as os from 'os';

/** Command-line arguments qjs gives a module: [script, ...args]. */
declare const scriptArgs: string[];
import { runCli } from '../../src/cli/main.js';
import type { CliHost } from '../../src/cli/host.js';
import { exists, readBytes } from './files.js';
import { createPlatform } from './platform.js';
import { writeStdout } from './stdout.js';
import { checkQjsNotifications, nativeSockets } from './notify-start.js';
import { loadDmNative } from './native.js';
import { parseNotificationConfig } from '../../src/notification/config.js';

/** Reads stdin to its end, or stops once more than `limit` bytes came (at most limit + 1 bytes kept). */
function readStdin(limit = Infinity): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const buf = new ArrayBuffer(65536);
  while (total <= limit) {
    const n = std.in.read(buf, 0, Math.min(buf.byteLength, limit + 1 - total));
    if (n <= 0) break;
    chunks.push(new Uint8Array(buf.slice(0, n)));
    total += n;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

const host: CliHost = {
  runtime: 'quickjs',
  async readFile(path, limit) {
    const b = readBytes(path, limit);
    if (b === null) throw new Error(`${path}: no such file`);
    return b;
  },
  fileExists: (path) => exists(path),
  readStdin: async (limit) => readStdin(limit),
  writeStdout,
  writeStderr(text) {
    std.err.puts(text);
    std.err.flush();
  },
  // Progress is drawn as a bar only on a terminal (src/cli/progress.ts). QuickJS cannot ask the terminal its size
  // (no TIOCGWINSZ): COLUMNS when the shell exports it, else the classic 80.
  stderrTerminal: () => (os.isatty(2) ? { columns: Number(std.getenv('COLUMNS')) || 80 } : null),
  platform: createPlatform,
};

// dmnative is looked up before the command runs: whether this qjs has sockets decides whether the notifications
// section needs a spool folder (notify-start.ts), and checkConfig is synchronous.
loadDmNative()
  .then((dm) => {
    const sockets = nativeSockets(dm) !== null;
    host.checkConfig = (config) => checkQjsNotifications(parseNotificationConfig(config.notifications), sockets);
    return runCli(scriptArgs.slice(1), host);
  })
  .then(
  (code) => std.exit(code),
  (e) => {
    std.err.puts(`dm-agent: internal error: ${(e && (e as Error).stack) || e}\n`);
    std.exit(1);
  },
);
