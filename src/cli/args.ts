// Command-line parsing for `dm-agent [--config FILE] [--state-dir DIR] [--json] COMMAND ...` — a stable contract
// (README.md, Command line): the same words and the same output on Node and on QuickJS.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface GlobalOptions {
  config?: string;
  stateDir?: string;
  json: boolean;
  verbose: boolean;
  help: boolean;
  version: boolean;
  /**
   * `--wait[=SECONDS]`: how long a command that writes state waits for another agent to give up the state
   * directory's lock; undefined = do not wait (exit 9 at once), Infinity = `--wait` without a value.
   */
  waitSeconds?: number;
}

export interface ParsedArgs {
  global: GlobalOptions;
  command?: string;
  /** Positional words after the command. */
  words: string[];
  /** Command options: `--flag` → true, `--opt value` → string. */
  options: Record<string, string | true>;
}

/** Options of each command that take a value; every other `--x` is a flag. */
const VALUE_OPTIONS: Record<string, string[]> = {
  request: ['fumo', 'component', 'data', 'server', 'mark', 'session-id'],
  session: ['server', 'session-id'],
  daemon: ['server'],
  status: [],
  info: [],
  tree: [],
  wbxml: ['version', 'out'],
  report: [],
};

const FLAG_OPTIONS: Record<string, string[]> = {
  request: ['device', 'user', 'scomo', 'xml', 'no-retry'],
  session: ['xml'],
  daemon: ['once'],
  status: [],
  info: [],
  tree: [],
  wbxml: ['strtbl', 'string-id', 'xml'],
  report: [],
};

export const COMMANDS = Object.keys(VALUE_OPTIONS);

export function parseArgs(argv: string[]): ParsedArgs {
  const global: GlobalOptions = { json: false, verbose: false, help: false, version: false };
  const out: ParsedArgs = { global, words: [], options: {} };
  let i = 0;
  // Global options come before the command.
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--config' || a === '-c') global.config = value(argv, ++i, a);
    else if (a.indexOf('--config=') === 0) global.config = a.slice(9);
    else if (a === '--state-dir') global.stateDir = value(argv, ++i, a);
    else if (a.indexOf('--state-dir=') === 0) global.stateDir = a.slice(12);
    else if (a === '--json') global.json = true;
    else if (a === '--verbose' || a === '-v') global.verbose = true;
    else if (a === '--help' || a === '-h') global.help = true;
    else if (a === '--version') global.version = true;
    else if (a === '--wait' || a.indexOf('--wait=') === 0) global.waitSeconds = waitValue(a);
    else if (a.indexOf('-') === 0 && a !== '-') throw new UsageError(`unknown option ${a}`);
    else break;
  }
  if (i >= argv.length) return out;
  const command = argv[i++];
  if (COMMANDS.indexOf(command) < 0) throw new UsageError(`unknown command ${JSON.stringify(command)} (commands: ${COMMANDS.join(', ')})`);
  out.command = command;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.words.push(...argv.slice(i + 1));
      break;
    }
    if (a === '--json') {
      global.json = true;
      continue;
    }
    if (a === '--help' || a === '-h') {
      global.help = true;
      continue;
    }
    if (a === '--wait' || a.indexOf('--wait=') === 0) {
      global.waitSeconds = waitValue(a);
      continue;
    }
    if (a.length > 2 && a.indexOf('--') === 0) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (VALUE_OPTIONS[command].indexOf(name) >= 0) {
        out.options[name] = eq > 0 ? a.slice(eq + 1) : value(argv, ++i, a);
      } else if (FLAG_OPTIONS[command].indexOf(name) >= 0 && eq < 0) {
        out.options[name] = true;
      } else throw new UsageError(`unknown option ${a} for ${command}`);
      continue;
    }
    out.words.push(a);
  }
  return out;
}

/** `--wait` = wait as long as it takes; `--wait=SECONDS` = at most that long (0 = one try, like no --wait). */
function waitValue(a: string): number {
  if (a === '--wait') return Infinity;
  const text = a.slice(7);
  const n = Number(text);
  if (text.trim() === '' || !isFinite(n) || n < 0) throw new UsageError(`--wait needs a number of seconds >= 0, got ${JSON.stringify(text)}`);
  return n;
}

function value(argv: string[], i: number, name: string): string {
  if (i >= argv.length) throw new UsageError(`${name} needs a value`);
  return argv[i];
}

export const EXIT = {
  OK: 0,
  ERROR: 1,
  USAGE: 2,
  CONFIG: 3,
  NETWORK: 4,
  REFUSED: 5,
  AUTH: 6,
  PROTOCOL: 7,
  INPUT: 8,
  BUSY: 9,
} as const;

export const HELP = `dm-agent - OMA DM 1.2 client for field gateways

Usage: dm-agent [--config FILE] [--state-dir DIR] [--json] [--wait[=SECONDS]] COMMAND [options]

Commands:
  request --device|--user [--fumo X | --scomo | --component ID] [--data STR] [--server URL] [--xml]
        Send a client-initiated update request (Generic Alert 1226) in a new session.
        FUMO (firmware) unless --scomo (all components) or --component ID (one deployed component).
        --fumo X names the FUMO node (./FUMO/X or a full ./ URI). WBXML unless --xml.
  session [--server URL] [--xml]
        Run one client-initiated management session (also delivers pending result reports).
  daemon [--once]
        Run the agent: triggers (button, schedule), notifications, pending jobs and reports.
  status          Show the agent's state: pending reports, FUMO state, last session.
  info            Show the device facts the agent reports (DevInfo, DevDetail).
  tree get URI    Show a node of the DM tree (value, or child list for an interior node).
  tree list URI   List the subtree under URI.
  wbxml decode [FILE|-]   WBXML -> XML.
  wbxml encode [FILE|-] [--strtbl] [--version 1.1|1.2|1.3] [--string-id]   XML -> WBXML (default 1.2, id 0x1201).
        wbxml reads at most 16 MiB (16777216 bytes) of FILE or stdin; more is bad input (exit 8).

Global options:
  --config FILE     JSON configuration (default /etc/dm-agent/config.json when present)
  --state-dir DIR   where state is kept (overrides config stateDir)
  --json            machine-readable output: one JSON object on stdout
  --verbose         debug log on stderr
  --wait[=SECONDS]  request, session: when another dm-agent holds the state directory, wait for it (as long
                    as it takes, or at most SECONDS) instead of exiting 9 at once. The daemon always waits;
                    status, info and tree never lock.

Exit status:
  0  success; for request: the server accepted the request (200 or 202)
  1  internal error
  2  usage error (unknown command or option)
  3  configuration error (the message names the key)
  4  network error: the DM server could not be reached or timed out
  5  the server refused the request (a status other than 200/202, or an HTTP error)
  6  authentication failed (client or server credentials)
  7  protocol error: the server's message was malformed or the session broke the rules
  8  bad input (file not found, malformed WBXML/XML, invalid URI or component)
  9  busy: another dm-agent holds the state directory (the message names its pid)
`;
