// Command-line parsing for `dm-agent [--config FILE] [--state-dir DIR] [--json] COMMAND ...` — a stable contract
// (README.md, Command line): the same words and the same output on Node and on QuickJS.
import { COMMAND_TABLE } from './command-table.js';
/** The top-level help, kept importable from here (it is made in help.ts from the command table). */
export { HELP } from './help.js';

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
  /** `dm-agent help COMMAND` or `dm-agent COMMAND --help`: the command whose help to print. */
  helpFor?: string;
  /** Positional words after the command. */
  words: string[];
  /** Command options: `--flag` → true, `--opt value` → string. */
  options: Record<string, string | true>;
}

/** Options of each command that take a value, and its flags: both from the one table its help is made from. */
const VALUE_OPTIONS: Record<string, string[]> = {};
const FLAG_OPTIONS: Record<string, string[]> = {};
for (const c of COMMAND_TABLE) {
  VALUE_OPTIONS[c.name] = c.options.filter((o) => o.value !== undefined).map((o) => o.name);
  FLAG_OPTIONS[c.name] = c.options.filter((o) => o.value === undefined).map((o) => o.name);
}

/** The option names a command's parser accepts (for the test that each one is in its help). */
export function parsedOptions(command: string): { values: string[]; flags: string[] } {
  return { values: VALUE_OPTIONS[command] || [], flags: FLAG_OPTIONS[command] || [] };
}

export const COMMANDS = COMMAND_TABLE.map((c) => c.name);

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
    else if (a === '--version' || a === '-V') global.version = true;
    else if (a === '--wait' || a.indexOf('--wait=') === 0) global.waitSeconds = waitValue(a);
    else if (a.indexOf('-') === 0 && a !== '-') throw new UsageError(`unknown option ${a}`);
    else break;
  }
  if (i >= argv.length) return out;
  const command = argv[i++];
  if (command === 'help') {
    // `dm-agent help` = --help; `dm-agent help COMMAND` = that command's help.
    global.help = true;
    const topic = argv[i];
    if (topic === undefined) return out;
    if (argv.length > i + 1) throw new UsageError(`help takes one COMMAND, got ${JSON.stringify(argv[i + 1])} too`);
    if (COMMANDS.indexOf(topic) < 0) throw new UsageError(`no command ${JSON.stringify(topic)} to help with (commands: ${COMMANDS.join(', ')})`);
    out.helpFor = topic;
    return out;
  }
  if (COMMANDS.indexOf(command) < 0) throw new UsageError(`unknown command ${JSON.stringify(command)} (commands: ${COMMANDS.join(', ')})`);
  out.command = command;
  if (global.help) out.helpFor = command; // `dm-agent --help request` = `dm-agent request --help`
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
      out.helpFor = command;
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
  /** 128 + SIGINT: what a shell reports for a command Ctrl-C ended (docs/handoff.md). */
  INTERRUPTED: 130,
} as const;
