// Standard output for the qjs CLI when its reader goes away: `dm-agent tree list . | head -1` closes the pipe after one
// line. qjs keeps SIGPIPE's default action, so the next write killed the process (status 141 in a shell) where Node
// goes on. Here, as on Node (platform/node/stdout.ts), further output is dropped, the command finishes its work and
// exits with its own status (README.md, Command line: "Output to a closed pipe").
import * as std from 'std';
import * as os from 'os';

/** SIGPIPE's number: 13 on Linux for every architecture the agent is built for (qjs's os module does not name it). */
const SIGPIPE = 13;

let closed = false;

// A handler, not "ignore": an ignored signal stays ignored in the programs the agent runs (installers, dd, a shell
// pipeline), a handled one is reset to its default by exec. With it the write fails with EPIPE, which ferror shows.
os.signal(SIGPIPE, () => {});

/** Writes to stdout unless its reader is gone (a failed write or flush marks it gone). */
export function writeStdout(data: string | Uint8Array): void {
  if (closed) return;
  if (typeof data === 'string') std.out.puts(data);
  else std.out.write(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  std.out.flush();
  if (std.out.error()) closed = true;
}
