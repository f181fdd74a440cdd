// Standard output for the Node CLI when its reader goes away: `dm-agent tree list . | head -1` closes the pipe after
// one line, and Node (which ignores SIGPIPE) then gets EPIPE on the next write, emitted as an 'error' event that,
// unhandled, ends the process with a stack trace. The reader stopping early is its choice, not a failure of the
// command: further output is dropped, the command finishes its work (a `request` still delivers its alert) and exits
// with its own status (README.md, Command line: "Output to a closed pipe").

let closed = false;

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (closed) return;
  closed = true;
  // Any other failure (a full disk under `> file`, ...) is worth one line on stderr; it still ends no command.
  if (e.code !== 'EPIPE') process.stderr.write(`dm-agent: cannot write to stdout: ${e.message}\n`);
});

// stderr into a closed pipe (`dm-agent ... 2>&1 | head -1`): there is nowhere left to say so, and an unhandled 'error'
// would turn the command's exit status (2 for a usage error, say) into 1.
process.stderr.on('error', () => {});

/** Writes to stdout unless its reader is gone. */
export function writeStdout(data: string | Uint8Array): void {
  if (closed || process.stdout.destroyed) return;
  process.stdout.write(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}
