// Every command of `dm-agent` with every option it accepts: the one table the option parser (args.ts), the help text
// (help.ts, `dm-agent help COMMAND`, `COMMAND --help`) and the man page (scripts/man-page.ts) are made from, so an
// option cannot be parsed without being documented (README.md, Command line).

export interface OptionSpec {
  /** The option's name without the leading `--`. */
  name: string;
  /** Name of its value (`URL`, `ID`, ...) for an option that takes one; absent for a flag. */
  value?: string;
  help: string;
}

export interface CommandSpec {
  name: string;
  /** What follows the command name in the usage line (words and options). */
  synopsis: string;
  summary: string;
  /** Further lines of the command's help, after the summary. */
  details?: string[];
  options: OptionSpec[];
}

const SERVER: OptionSpec = { name: 'server', value: 'URL', help: 'the DM server for this run (overrides config server.url)' };
const XML: OptionSpec = { name: 'xml', help: 'send SyncML as XML instead of WBXML' };

export const COMMAND_TABLE: CommandSpec[] = [
  {
    name: 'request',
    synopsis: '--device|--user [--fumo X | --scomo | --component ID] [--data STR] [--mark M] [--server URL] [--xml] [--no-retry]',
    summary: 'Send a client-initiated update request (Generic Alert 1226) in a new session.',
    details: [
      'FUMO (firmware) unless --scomo (all components) or --component ID (one deployed component).',
      'Alert types: org.openmobilealliance.dm.firmwareupdate.{device,user}request (OMA-TS-DM_FUMO-V1_0),',
      'urn:oma:at:scomo:1.1:Update{Device,User}Request (OMA-TS-DM_SCOMO-V1_0). WBXML unless --xml.',
      'With a daemon running on the state directory, the request is handed to it: same output and exit code.',
    ],
    options: [
      { name: 'device', help: 'the device asks for the update (device-initiated alert type)' },
      { name: 'user', help: 'a person asked for the update (user-initiated alert type)' },
      { name: 'fumo', value: 'X', help: 'the FUMO node: ./FUMO/X, or a full ./ URI (default config request.fumoNode)' },
      { name: 'scomo', help: 'ask for software component updates (SCOMO) instead of firmware' },
      { name: 'component', value: 'ID', help: 'ask about one deployed component (SCOMO), by its ID' },
      { name: 'data', value: 'STR', help: 'vendor-specific data of the alert (default config request.data)' },
      { name: 'mark', value: 'M', help: 'the alert\'s Meta Mark, e.g. high (default config request.mark)' },
      SERVER,
      XML,
      { name: 'no-retry', help: 'one try only (no config request.retries)' },
    ],
  },
  {
    name: 'session',
    synopsis: '[--server URL] [--session-id ID] [--xml]',
    summary: 'Run one management session (also delivers pending result reports).',
    options: [
      SERVER,
      { name: 'session-id', value: 'ID', help: 'answer a server-initiated session with this SessionID (package 0) instead of starting one' },
      XML,
    ],
  },
  {
    name: 'daemon',
    synopsis: '[--once] [--server URL]',
    summary: 'Run the agent: triggers (button, schedule), notifications, handed-over requests, pending jobs and reports.',
    details: ['One daemon per state directory. SIGHUP re-reads the configuration between two sessions (a wrong one is logged and ignored).'],
    options: [{ name: 'once', help: 'do the start-up work once (resume interrupted jobs, deliver pending reports) and exit' }, SERVER],
  },
  { name: 'status', synopsis: '', summary: "Show the agent's state: pending reports, FUMO state, last session.", options: [] },
  { name: 'info', synopsis: '', summary: 'Show the device facts the agent reports (DevInfo, DevDetail).', options: [] },
  {
    name: 'tree',
    synopsis: 'get|list URI',
    summary: 'Show the DM tree: get = a node (value, or child list for an interior node), list = the subtree under URI.',
    options: [],
  },
  {
    name: 'wbxml',
    synopsis: 'decode|encode [FILE|-] [--strtbl] [--version 1.1|1.2|1.3] [--string-id]',
    summary: 'Convert SyncML: decode = WBXML -> XML, encode = XML -> WBXML (default 1.2, id 0x1201).',
    details: ['Reads at most 16 MiB (16777216 bytes) of FILE or stdin; more is bad input (exit 8).'],
    options: [
      { name: 'strtbl', help: 'encode: put repeated strings in the string table' },
      { name: 'version', value: 'V', help: 'encode: WBXML version 1.1, 1.2 or 1.3 (default 1.2)' },
      { name: 'string-id', help: 'encode: name the public id by string instead of its number' },
    ],
  },
];

export function findCommand(name: string): CommandSpec | undefined {
  for (const c of COMMAND_TABLE) if (c.name === name) return c;
  return undefined;
}
