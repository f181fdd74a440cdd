// The help text of `dm-agent --help`, `dm-agent help COMMAND` and `dm-agent COMMAND --help`, made from the command
// table (command-table.ts) so every option a command parses is listed; the man page (scripts/man-page.ts) is made
// from the same parts.
import { COMMAND_TABLE, findCommand, type CommandSpec, type OptionSpec } from './command-table.js';

export const TITLE = 'dm-agent - OMA DM 1.2 client for field gateways';
export const USAGE = 'dm-agent [--config FILE] [--state-dir DIR] [--json] [--verbose] [--wait[=SECONDS]] COMMAND [options]';

/** Options before the command (`--json`, `--wait` and `--help` are also taken after it). */
export const GLOBAL_OPTIONS: (OptionSpec & { short?: string })[] = [
  { name: 'config', short: 'c', value: 'FILE', help: 'JSON configuration (default /etc/dm-agent/config.json when present)' },
  { name: 'state-dir', value: 'DIR', help: 'where state is kept (overrides config stateDir)' },
  { name: 'json', help: 'machine-readable output: one JSON object on stdout' },
  { name: 'verbose', short: 'v', help: 'debug log on stderr' },
  {
    name: 'wait',
    value: '[=SECONDS]',
    help:
      'request, session: when another dm-agent holds the state directory, wait for it (as long as it takes, or at most ' +
      'SECONDS) instead of exiting 9 at once; a request handed to a busy daemon waits that long (at least 5 s) to be ' +
      'taken. The daemon always waits; status, info and tree never lock.',
  },
  { name: 'help', short: 'h', help: 'this text; with a command (or `dm-agent help COMMAND`) that command\'s options' },
  { name: 'version', short: 'V', help: 'print "dm-agent VERSION (RUNTIME)" and exit' },
];

export const EXIT_STATUS: [number, string][] = [
  [0, 'success; for request: the server accepted the request (200 or 202)'],
  [1, 'internal error'],
  [2, 'usage error (unknown command or option)'],
  [3, 'configuration error (the message names the key)'],
  [4, 'network error: the DM server could not be reached or timed out'],
  [5, 'the server refused the request (a status other than 200/202, or an HTTP error)'],
  [6, 'authentication failed (client or server credentials)'],
  [7, "protocol error: the server's message was malformed or the session broke the rules"],
  [8, 'bad input (file not found, malformed WBXML/XML, invalid URI or component)'],
  [9, 'busy: another dm-agent holds the state directory (the message names its pid)'],
  [130, 'interrupted (Ctrl-C, SIGTERM) while a request waited for the daemon (docs/handoff.md)'],
];

/** How an option is written in a usage list: `--server URL`, `--wait[=SECONDS]`, `-c, --config FILE`. */
export function optionLabel(o: OptionSpec & { short?: string }): string {
  const long = `--${o.name}${o.value ? (o.value.charAt(0) === '[' ? o.value : ' ' + o.value) : ''}`;
  return o.short ? `-${o.short}, ${long}` : long;
}

/** Breaks text into lines of at most `width` characters at spaces (a longer word stays whole). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** Two columns, label and help, the help wrapped to stay within 100 columns (a terminal's and a pager's width). */
function optionLines(options: (OptionSpec & { short?: string })[]): string {
  const width = Math.max(...options.map((o) => optionLabel(o).length)) + 2;
  const indent = ' '.repeat(width + 2);
  return options
    .map((o) => `  ${optionLabel(o).padEnd(width)}${wrap(o.help, 98 - width).join('\n' + indent)}\n`)
    .join('');
}

export function commandUsage(c: CommandSpec): string {
  return `dm-agent [global options] ${c.name}${c.synopsis ? ' ' + c.synopsis : ''}`;
}

/** `dm-agent help COMMAND`: the usage line, what it does, and every option it accepts. */
export function commandHelp(name: string): string | undefined {
  const c = findCommand(name);
  if (!c) return undefined;
  let text = `Usage: ${commandUsage(c)}\n\n${c.summary}\n`;
  for (const d of c.details || []) text += `${d}\n`;
  text += c.options.length > 0 ? `\nOptions:\n${optionLines(c.options)}` : '\nOptions: none of its own.\n';
  text += '\nGlobal options (dm-agent --help): --config, --state-dir, --json, --verbose, --wait.\n';
  return text;
}

function exitLines(): string {
  return EXIT_STATUS.map(([code, text]) => `  ${code}  ${text}\n`).join('');
}

export const HELP =
  `${TITLE}\n\nUsage: ${USAGE}\n       dm-agent help COMMAND\n\nCommands:\n` +
  COMMAND_TABLE.map((c) => `  ${c.name}${c.synopsis ? ' ' + c.synopsis : ''}\n        ${c.summary}\n`).join('') +
  `\nGlobal options:\n${optionLines(GLOBAL_OPTIONS)}\nExit status:\n${exitLines()}`;
